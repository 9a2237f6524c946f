#include "gpubox/local/api_server.h"

#include <httplib.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "gpubox/aws/query_protocol.h"
#include "gpubox/aws/sigv4.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr int kThreads = 16;

struct AuthFailure {
  int status;
  std::string code;
  std::string message;
};

std::string HeaderValue(const httplib::Request& request, const char* name) {
  return request.has_header(name) ? request.get_header_value(name) : "";
}

/// Verifies the SigV4 signature; returns the region of the credential scope.
std::expected<std::string, AuthFailure> Verify(const httplib::Request& request,
                                               const LocalAccount& account) {
  std::string header = HeaderValue(request, "Authorization");
  if (header.empty()) {
    return std::unexpected(AuthFailure{401, "AuthFailure",
                                       "AWS was not able to validate the provided access "
                                       "credentials"});
  }
  auto parsed = aws::ParseAuthorization(header);
  if (!parsed) {
    return std::unexpected(AuthFailure{400, "IncompleteSignature", parsed.error().message});
  }
  if (parsed->access_key_id != account.access_key_id) {
    return std::unexpected(AuthFailure{401, "AuthFailure",
                                       "AWS was not able to validate the provided access "
                                       "credentials"});
  }
  aws::SignableRequest signable;
  signable.method = request.method;
  std::string target = request.target;
  size_t question = target.find('?');
  signable.path = target.substr(0, question);
  signable.query = question == std::string::npos ? "" : target.substr(question + 1);
  for (const auto& [name, value] : request.headers) {
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT") {
      continue;
    }
    signable.headers.emplace_back(name, value);
  }
  signable.body = request.body;
  std::string amz_date = HeaderValue(request, "X-Amz-Date");
  aws::SignatureParts parts =
      aws::ComputeSignature(signable, parsed->signed_headers, account.access_key_id,
                            account.secret_access_key, amz_date, parsed->region, parsed->service);
  if (parts.signature != parsed->signature || amz_date.substr(0, 8) != parsed->date) {
    return std::unexpected(AuthFailure{
        403, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check "
        "your AWS Secret Access Key and signing method. Consult the service documentation for "
        "details."});
  }
  if (!IsLocalRegion(parsed->region)) {
    return std::unexpected(AuthFailure{401, "AuthFailure",
                                       "The region '" + parsed->region +
                                           "' is not served by the local cloud (us-east-1, "
                                           "us-west-2, eu-west-1)"});
  }
  return parsed->region;
}

}  // namespace

ApiServer::ApiServer(Env& env, Ec2Service& ec2, QuotasService& quotas, LocalAccount account,
                     AdminHooks hooks)
    : env_(env),
      ec2_(ec2),
      quotas_(quotas),
      account_(std::move(account)),
      hooks_(std::move(hooks)),
      server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  server_->set_keep_alive_max_count(1000);
  server_->set_tcp_nodelay(true);
  server_->Post("/", [this](const httplib::Request& request, httplib::Response& response) {
    HandleApi(request, response);
  });
  server_->Get("/_gpubox/health", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  server_->Post(R"(/_gpubox/admin/([a-z]+))",
                [this](const httplib::Request& request, httplib::Response& response) {
                  HandleAdmin(request, response);
                });
}

ApiServer::~ApiServer() = default;

Result<int> ApiServer::Bind(int port) {
  int bound = port == 0 ? server_->bind_to_any_port("127.0.0.1")
                        : (server_->bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound < 0) {
    return Fail(ErrorCode::kEnvironment,
                "the local cloud cannot listen on 127.0.0.1:" + std::to_string(port),
                "another process uses the port; pick another with --port");
  }
  return bound;
}

void ApiServer::Serve() { server_->listen_after_bind(); }

void ApiServer::Stop() { server_->stop(); }

std::string ApiServer::NewRequestId() {
  uint64_t counter = ++request_counter_;
  double random;
  {
    std::lock_guard lock(random_mutex_);
    random = env_.random->Uniform();
  }
  auto high = static_cast<uint64_t>(random * 4294967296.0);
  char text[48];
  std::snprintf(text, sizeof text, "%08llx-%04llx-4%03llx-a%03llx-%012llx",
                static_cast<unsigned long long>(high),
                static_cast<unsigned long long>((counter >> 48) & 0xffff),
                static_cast<unsigned long long>((counter >> 36) & 0xfff),
                static_cast<unsigned long long>((counter >> 24) & 0xfff),
                static_cast<unsigned long long>(counter & 0xffffffffffffULL));
  return text;
}

void ApiServer::HandleApi(const httplib::Request& request, httplib::Response& response) {
  std::string request_id = NewRequestId();
  std::string target = HeaderValue(request, "X-Amz-Target");
  bool json = !target.empty();
  response.set_header("x-amzn-RequestId", request_id);
  auto fail = [&](int status, const std::string& code, const std::string& message) {
    response.status = status;
    if (json) {
      JsonReply reply = JsonError(status, code, message);
      response.set_content(reply.body, "application/x-amz-json-1.1");
    } else {
      response.set_content(Ec2ErrorXml({status, code, message}, request_id), "text/xml");
    }
  };
  FaultConfig faults = ec2_.faults();
  if (faults.latency_ms > 0) env_.clock->SleepMicros(faults.latency_ms * 1000LL);
  auto region = Verify(request, account_);
  if (!region) return fail(region.error().status, region.error().code, region.error().message);
  if (faults.throttle_rate > 0) {
    double draw;
    {
      std::lock_guard lock(random_mutex_);
      draw = env_.random->Uniform();
    }
    if (draw < faults.throttle_rate) {
      if (json) return fail(400, "ThrottlingException", "Rate exceeded");
      return fail(503, "RequestLimitExceeded", "Request limit exceeded.");
    }
  }
  if (json) {
    JsonReply reply = quotas_.Handle(target, request.body, *region, env_.clock->NowMicros());
    response.status = reply.status;
    response.set_content(reply.body, "application/x-amz-json-1.1");
    return;
  }
  auto params = aws::DecodeFormMap(request.body);
  if (!params) return fail(400, "InvalidParameterValue", params.error().message);
  Ec2Request ec2_request;
  ec2_request.region = *region;
  ec2_request.request_id = request_id;
  ec2_request.params = std::move(*params);
  ec2_request.action = ec2_request.Get("Action");
  if (ec2_request.action.empty())
    return fail(400, "MissingAction", "The request must contain the parameter Action");
  Ec2Reply reply = ec2_.Handle(ec2_request);
  response.status = reply.status;
  response.set_content(reply.body, "text/xml;charset=UTF-8");
}

void ApiServer::HandleAdmin(const httplib::Request& request, httplib::Response& response) {
  if (HeaderValue(request, "Authorization") != "Bearer " + account_.secret_access_key) {
    response.status = 401;
    response.set_content("{\"error\": \"bad admin credentials\"}\n", "application/json");
    return;
  }
  std::string op = request.matches[1];
  nlohmann::json input =
      nlohmann::json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  auto reply = [&](int status, const nlohmann::json& body) {
    response.status = status;
    response.set_content(body.dump() + "\n", "application/json");
  };
  if (!input.is_object()) return reply(400, {{"error", "body is not a JSON object"}});
  if (op == "status") {
    nlohmann::json status = nlohmann::json::parse(hooks_.status_json ? hooks_.status_json() : "{}");
    status["instances"] = ec2_.LiveInstanceCounts();
    return reply(200, status);
  }
  if (op == "faults") {
    auto result = hooks_.set_faults(request.body);
    if (!result) return reply(400, {{"error", result.error().message}});
    return reply(200, nlohmann::json::parse(*result));
  }
  if (op == "interrupt") {
    auto result = ec2_.InterruptSpot(input.value("instance_id", ""));
    if (!result) return reply(400, {{"error", result.error().message}});
    return reply(200, {{"interrupted", input.value("instance_id", "")}});
  }
  if (op == "shutdown") {
    reply(200, {{"stopping", true}});
    if (hooks_.shutdown) hooks_.shutdown(input.value("purge", false));
    return;
  }
  reply(404, {{"error", "unknown admin operation " + op}});
}

}  // namespace gpubox::local
