#include "gpubox/local/runtime/imds_service.h"

#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr int kMaxTokenTtlSeconds = 21600;
constexpr char kTtlHeader[] = "x-aws-ec2-metadata-token-ttl-seconds";
constexpr char kTokenHeader[] = "x-aws-ec2-metadata-token";

ImdsReply Text(int status, std::string body) {
  ImdsReply reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.headers["Content-Type"] = "text/plain";
  return reply;
}

ImdsReply NotFound() { return Text(404, "Not Found"); }

std::string NewToken() {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token;
  for (int char_idx = 0; char_idx < 56; ++char_idx) token += kAlphabet[engine() % 64];
  return token + "==";
}

/// "2026-12-02T13:05:00Z", as IMDS writes times.
std::string IsoSeconds(int64_t micros) {
  std::time_t seconds = micros / 1'000'000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

ImdsReply Json(const nlohmann::json& document) {
  ImdsReply reply = Text(200, document.dump());
  reply.headers["Content-Type"] = "application/json";
  return reply;
}

std::string Header(const ImdsRequest& request, const std::string& name) {
  auto found = request.headers.find(name);
  return found == request.headers.end() ? "" : found->second;
}

}  // namespace

ImdsService::ImdsService(ImdsData data, Clock* clock) : data_(std::move(data)), clock_(clock) {}

void ImdsService::SetInstanceAction(const std::string& action, const std::string& time) {
  std::lock_guard lock(mutex_);
  if (action.empty()) {
    rebalance_time_.clear();
  } else if (rebalance_time_.empty()) {
    rebalance_time_ = IsoSeconds(clock_->NowMicros());
  }
  action_ = action;
  action_time_ = time;
}

ImdsReply ImdsService::Handle(const ImdsRequest& request) {
  std::lock_guard lock(mutex_);
  if (request.path == "/latest/api/token") {
    if (request.method != "PUT") return Text(405, "Method Not Allowed");
    return IssueToken(request);
  }
  if (request.method != "GET" && request.method != "HEAD") return Text(405, "Method Not Allowed");
  if (!TokenValid(request)) return Text(401, "Unauthorized");
  const std::string& path = request.path;
  if (path == "/" || path == "/latest" || path == "/latest/") {
    return Text(200, "dynamic\nmeta-data\nuser-data");
  }
  if (path == "/latest/user-data") {
    return data_.user_data.empty() ? NotFound() : Text(200, data_.user_data);
  }
  if (path == "/latest/dynamic/instance-identity/document") {
    nlohmann::json document = {{"instanceId", data_.instance_id},
                               {"instanceType", data_.instance_type},
                               {"imageId", data_.image_id},
                               {"region", data_.region},
                               {"availabilityZone", data_.availability_zone},
                               {"privateIp", data_.local_ipv4},
                               {"accountId", "000000000000"},
                               {"architecture", "x86_64"}};
    ImdsReply reply = Text(200, document.dump(2));
    reply.headers["Content-Type"] = "application/json";
    return reply;
  }
  std::string prefix = "/latest/meta-data";
  if (path.rfind(prefix, 0) != 0) return NotFound();
  std::string rest = path.substr(prefix.size());
  if (!rest.empty() && rest[0] != '/') return NotFound();
  return MetaData(rest.empty() ? "" : rest.substr(1));
}

ImdsReply ImdsService::IssueToken(const ImdsRequest& request) {
  if (!Header(request, "x-forwarded-for").empty()) return Text(403, "Forbidden");
  auto ttl = ParseInt(Header(request, kTtlHeader));
  if (!ttl || *ttl < 1 || *ttl > kMaxTokenTtlSeconds) return Text(400, "Bad Request");
  int64_t now = clock_->NowMicros();
  for (auto it = token_expiry_micros_.begin(); it != token_expiry_micros_.end();) {
    it = it->second <= now ? token_expiry_micros_.erase(it) : std::next(it);
  }
  std::string token = NewToken();
  token_expiry_micros_[token] = now + *ttl * 1000000;
  ImdsReply reply = Text(200, token);
  reply.headers["X-aws-ec2-metadata-token-ttl-seconds"] = std::to_string(*ttl);
  return reply;
}

bool ImdsService::TokenValid(const ImdsRequest& request) {
  auto found = token_expiry_micros_.find(Header(request, kTokenHeader));
  return found != token_expiry_micros_.end() && found->second > clock_->NowMicros();
}

ImdsReply ImdsService::MetaData(const std::string& path) {
  std::string key = path;
  if (!key.empty() && key.back() == '/') key.pop_back();
  bool has_action = !action_.empty();
  if (key.empty()) {
    std::string listing = std::string("ami-id\n") + (rebalance_time_.empty() ? "" : "events/\n") +
                          "hostname\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\n"
                          "placement/\npublic-keys/";
    if (has_action) listing += "\nspot/";
    return Text(200, listing);
  }
  if (key == "ami-id") return Text(200, data_.image_id);
  if (key == "instance-id") return Text(200, data_.instance_id);
  if (key == "instance-type") return Text(200, data_.instance_type);
  if (key == "local-ipv4") return Text(200, data_.local_ipv4);
  if (key == "hostname" || key == "local-hostname") return Text(200, data_.hostname);
  if (key == "placement") return Text(200, "availability-zone\nregion");
  if (key == "placement/availability-zone") return Text(200, data_.availability_zone);
  if (key == "placement/region") return Text(200, data_.region);
  bool has_key = !data_.openssh_key.empty();
  if (key == "public-keys" && has_key) return Text(200, "0=" + data_.key_name);
  if (key == "public-keys/0" && has_key) return Text(200, "openssh-key");
  if (key == "public-keys/0/openssh-key" && has_key) return Text(200, data_.openssh_key);
  if (key == "spot" && has_action) return Text(200, "instance-action\ntermination-time");
  if (key == "spot/instance-action" && has_action) {
    return Json({{"action", action_}, {"time", action_time_}});
  }
  bool has_rebalance = !rebalance_time_.empty();
  if (key == "events" && has_rebalance) return Text(200, "recommendations/");
  if (key == "events/recommendations" && has_rebalance) return Text(200, "rebalance");
  if (key == "events/recommendations/rebalance" && has_rebalance) {
    return Json({{"noticeTime", rebalance_time_}});
  }
  if (key == "spot/termination-time" && has_action && action_ == "terminate") {
    return Text(200, action_time_);
  }
  return NotFound();
}

}  // namespace gpubox::local
