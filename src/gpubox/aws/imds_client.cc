#include "gpubox/aws/imds_client.h"

#include <nlohmann/json.hpp>

#include "gpubox/sys/http_transport.h"
#include "gpubox/util/strings.h"

namespace gpubox::aws {
namespace {

constexpr int64_t kMicros = 1000000;

HttpRequest MakeRequest(std::string method, std::string url) {
  HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.connect_timeout_ms = ImdsClient::kTimeoutMs;
  request.total_timeout_ms = ImdsClient::kTimeoutMs;
  return request;
}

}  // namespace

ImdsClient::ImdsClient(Env& env) : env_(env) {
  endpoint_ = env.Var("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("");
  if (endpoint_.empty()) endpoint_ = kDefaultEndpoint;
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

Result<std::string> ImdsClient::Token(bool renew) {
  if (env_.http == nullptr || env_.clock == nullptr) {
    return Fail(ErrorCode::kInternal, "IMDS client needs http and clock in its Env");
  }
  int64_t now = env_.clock->NowMicros();
  if (!renew && !token_.empty() && now < token_expires_micros_) return token_;
  HttpRequest request = MakeRequest("PUT", endpoint_ + "/latest/api/token");
  request.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds",
                               std::to_string(kTokenTtlSeconds));
  HttpResponse response = GPUBOX_TRY(env_.http->Send(request));
  if (response.status != 200) {
    return Fail(ErrorCode::kCloud,
                "IMDS refused a session token (HTTP " + std::to_string(response.status) + ")");
  }
  token_ = response.body;
  // Renew a minute early so a token never expires between check and use.
  token_expires_micros_ = now + (kTokenTtlSeconds - 60) * kMicros;
  return token_;
}

Result<std::string> ImdsClient::Get(std::string_view path) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string token = GPUBOX_TRY(Token(attempt > 0));
    HttpRequest request = MakeRequest("GET", endpoint_ + std::string(path));
    request.headers.emplace_back("X-aws-ec2-metadata-token", token);
    HttpResponse response = GPUBOX_TRY(env_.http->Send(request));
    if (response.status == 200) return std::move(response.body);
    if (response.status == 404) {
      return Fail(ErrorCode::kNotFound, "IMDS has no " + std::string(path));
    }
    if (response.status != 401) {
      return Fail(ErrorCode::kCloud, "IMDS answered HTTP " + std::to_string(response.status) +
                                         " for " + std::string(path));
    }
  }
  return Fail(ErrorCode::kCloud, "IMDS rejected a fresh session token");
}

Result<std::string> ImdsClient::InstanceId() { return Get("/latest/meta-data/instance-id"); }

Result<std::string> ImdsClient::InstanceType() { return Get("/latest/meta-data/instance-type"); }

Result<std::string> ImdsClient::AvailabilityZone() {
  return Get("/latest/meta-data/placement/availability-zone");
}

Result<std::optional<SpotInstanceAction>> ImdsClient::SpotAction() {
  auto body = Get("/latest/meta-data/spot/instance-action");
  if (!body) {
    if (body.error().code == ErrorCode::kNotFound) return std::nullopt;
    return std::unexpected(body.error());
  }
  nlohmann::json notice = nlohmann::json::parse(*body, nullptr, false);
  if (!notice.is_object()) {
    return Fail(ErrorCode::kCloud, "IMDS spot/instance-action is not JSON: " + *body);
  }
  return SpotInstanceAction{notice.value("action", ""), notice.value("time", "")};
}

Result<Credentials> ImdsClient::RoleCredentials() {
  std::string roles = GPUBOX_TRY(Get("/latest/meta-data/iam/security-credentials/"));
  std::string role(Trim(Split(roles, '\n').front()));
  if (role.empty()) return Fail(ErrorCode::kCredentials, "the instance has no IAM role");
  std::string body = GPUBOX_TRY(Get("/latest/meta-data/iam/security-credentials/" + role));
  nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  if (!document.is_object() || document.value("AccessKeyId", "").empty() ||
      document.value("SecretAccessKey", "").empty()) {
    return Fail(ErrorCode::kCredentials, "IMDS role credentials for '" + role + "' are unusable");
  }
  expiration_ = document.value("Expiration", "");
  return Credentials{document.value("AccessKeyId", ""), document.value("SecretAccessKey", ""),
                     document.value("Token", ""), "instance role " + role};
}

}  // namespace gpubox::aws
