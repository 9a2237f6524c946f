#include "gpubox/local/api_server.h"

#include <httplib.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "gpubox/aws/query_protocol.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr int kThreads = 16;

std::string HeaderValue(const httplib::Request& request, const char* name) {
  return request.has_header(name) ? request.get_header_value(name) : "";
}

/// The EC2 code for an error the HTTP layer answered on its own.
const char* CodeForStatus(int status) {
  switch (status) {
    case 404:
      return "InvalidAction";
    case 405:
      return "UnsupportedOperation";
    case 413:
      return "RequestEntityTooLarge";
    case 414:
      return "RequestURITooLarge";
    default:
      return status >= 500 ? "InternalError" : "MalformedQueryString";
  }
}

std::string MessageForStatus(int status, const httplib::Request& request) {
  switch (status) {
    case 404:
      return "The requested path is not served: the EC2 Query API is at '/' (" + request.method +
             " " + request.path + ")";
    case 413:
      return "The request body is larger than the " + std::to_string(kMaxRequestBytes) +
             " bytes accepted.";
    case 414:
      return "The request URI is too long; send the parameters in a POST body.";
    default:
      return "The request could not be read (HTTP " + std::to_string(status) + ").";
  }
}

/// The request's parameters: the body's form (POST) and the query's, without
/// the presigned signature's X-Amz-* members. nullopt when either is malformed.
Result<std::map<std::string, std::string>> ApiParams(const httplib::Request& request,
                                                     const std::string& body) {
  std::string_view target = request.target;
  size_t question = target.find('?');
  std::string_view query = question == std::string_view::npos ? "" : target.substr(question + 1);
  auto params = GPUBOX_TRY(aws::DecodeFormMap(body));
  auto from_query = GPUBOX_TRY(aws::DecodeFormMap(query));
  for (auto& [name, value] : from_query) {
    if (name.starts_with("X-Amz-")) continue;
    params.emplace(name, std::move(value));
  }
  return params;
}

}  // namespace

ApiServer::ApiServer(Env& env, Ec2Service& ec2, QuotasService& quotas, LocalAccount account,
                     AdminHooks hooks, const AccessRegistry* access)
    : env_(env),
      ec2_(ec2),
      quotas_(quotas),
      account_(std::move(account)),
      hooks_(std::move(hooks)),
      access_(access),
      server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  server_->set_keep_alive_max_count(1000);
  server_->set_tcp_nodelay(true);
  server_->set_payload_max_length(kMaxRequestBytes);
  server_->Get("/", [this](const httplib::Request& request, httplib::Response& response) {
    HandleApi(request, "", response);
  });
  // A content reader, so cpp-httplib neither caps form bodies (8 KiB) nor
  // parses them: the body is read here, up to kMaxRequestBytes.
  server_->Post("/", [this](const httplib::Request& request, httplib::Response& response,
                            const httplib::ContentReader& reader) {
    if (request.is_multipart_form_data()) {
      response.status = 400;
      response.set_header("Connection", "close");
      return;  // the error handler writes EC2's error
    }
    std::string body;
    auto declared = ParseInt(HeaderValue(request, "Content-Length"));
    bool too_large = declared && *declared > static_cast<long long>(kMaxRequestBytes);
    bool read = !too_large && reader([&](const char* data, size_t length) {
      if (body.size() + length > kMaxRequestBytes) {
        too_large = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
    if (too_large || !read) {
      response.status = too_large ? 413 : 400;
      response.set_header("Connection", "close");
      return;
    }
    HandleApi(request, body, response);
  });
  // Whatever the HTTP layer refused (unknown path or method, oversized or
  // unreadable request), answered as EC2 answers errors.
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string request_id = NewRequestId();
        response.set_header("x-amzn-RequestId", request_id);
        Ec2Error error{response.status, CodeForStatus(response.status),
                       MessageForStatus(response.status, request)};
        response.set_content(Ec2ErrorXml(error, request_id), "text/xml;charset=UTF-8");
        return httplib::Server::HandlerResponse::Handled;
      }));
  server_->set_exception_handler(
      [this](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
        response.status = 500;
        response.set_content(
            Ec2ErrorXml({500, "InternalError", "An internal error has occurred."}, NewRequestId()),
            "text/xml;charset=UTF-8");
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

double ApiServer::Draw() {
  std::lock_guard lock(random_mutex_);
  return env_.random->Uniform();
}

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

void ApiServer::HandleApi(const httplib::Request& request, const std::string& body,
                          httplib::Response& response) {
  std::string request_id = NewRequestId();
  std::string target = HeaderValue(request, "X-Amz-Target");
  bool json = !target.empty() && request.method == "POST";
  response.set_header("x-amzn-RequestId", request_id);
  auto fail = [&](int status, const std::string& code, const std::string& message) {
    response.status = status;
    if (json) {
      JsonReply reply = JsonError(status, code, message);
      response.set_content(reply.body, "application/x-amz-json-1.1");
    } else {
      response.set_content(Ec2ErrorXml({status, code, message}, request_id),
                           "text/xml;charset=UTF-8");
    }
  };
  FaultConfig faults = ec2_.faults();
  if (faults.latency_ms > 0) env_.clock->SleepMicros(faults.latency_ms * 1000LL);
  ArrivedRequest arrived;
  arrived.method = request.method;
  size_t question = request.target.find('?');
  arrived.path = request.target.substr(0, question);
  arrived.query = question == std::string::npos ? "" : request.target.substr(question + 1);
  for (const auto& [name, value] : request.headers) {
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT") {
      continue;
    }
    arrived.headers.emplace_back(name, value);
  }
  arrived.body = body;
  // The signer: the cloud's own key (root), or a granted user's, looked up at each request
  // so that a revoked key fails from the next request on.
  std::string caller_account;
  std::string principal;
  KeyLookup keys = [&](std::string_view access_key_id) -> std::optional<LocalAccount> {
    if (ConstantTimeEquals(access_key_id, account_.access_key_id)) {
      principal = "root";
      return account_;
    }
    if (access_ == nullptr) return std::nullopt;
    auto granted = access_->FindByKey(access_key_id);
    if (!granted) return std::nullopt;
    caller_account = granted->account_id;
    principal = granted->user;
    return LocalAccount{granted->account_id, granted->access_key_id, granted->secret_access_key};
  };
  auto region =
      VerifySigV4(arrived, keys, json ? "servicequotas" : "ec2", env_.clock->NowMicros() / 1000000);
  if (!region) return fail(region.error().status, region.error().code, region.error().message);
  if (faults.throttle_rate > 0) {
    if (Draw() < faults.throttle_rate) {
      if (json) return fail(400, "ThrottlingException", "Rate exceeded");
      return fail(503, "RequestLimitExceeded", "Request limit exceeded.");
    }
  }
  // Injected server errors: half before the call acts, half after it took effect (the
  // answer is lost: the client must not repeat it blindly).
  bool error_after = false;
  if (faults.error_rate > 0 && Draw() < faults.error_rate) {
    if (Draw() < 0.5) return fail(500, "InternalError", "An internal error has occurred");
    error_after = true;
  }
  if (json) {
    JsonReply reply = quotas_.Handle(target, body, *region, env_.clock->NowMicros());
    response.status = reply.status;
    response.set_content(reply.body, "application/x-amz-json-1.1");
    return;
  }
  auto params = ApiParams(request, body);
  if (!params) return fail(400, "MalformedQueryString", params.error().message);
  Ec2Request ec2_request;
  ec2_request.region = *region;
  ec2_request.request_id = request_id;
  ec2_request.params = std::move(*params);
  ec2_request.account_id = caller_account;
  ec2_request.principal = principal;
  ec2_request.action = ec2_request.Get("Action");
  if (ec2_request.action.empty())
    return fail(400, "MissingAction", "The request must contain the parameter Action");
  if (faults.capacity_error_rate > 0 &&
      (ec2_request.action == "RunInstances" || ec2_request.action == "StartInstances") &&
      Draw() < faults.capacity_error_rate && !ec2_.AnswersWithoutCapacity(ec2_request)) {
    return fail(500, "InsufficientInstanceCapacity",
                "We currently do not have sufficient capacity in the Availability Zone you "
                "requested (injected by gpubox local fault).");
  }
  Ec2Reply reply = ec2_.Handle(ec2_request);
  if (error_after) return fail(500, "InternalError", "An internal error has occurred");
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
  if (op == "grant" || op == "revoke") {
    auto& hook = op == "grant" ? hooks_.grant : hooks_.revoke;
    if (!hook) return reply(404, {{"error", "this daemon does not grant access"}});
    auto result = hook(request.body.empty() ? "{}" : request.body);
    if (!result) {
      return reply(400, {{"error", result.error().message},
                         {"hint", result.error().hint},
                         {"exit_code", ExitCodeFor(result.error().code)}});
    }
    return reply(200, nlohmann::json::parse(*result));
  }
  if (op == "shutdown") {
    reply(200, {{"stopping", true}});
    if (hooks_.shutdown) hooks_.shutdown(input.value("purge", false));
    return;
  }
  reply(404, {{"error", "unknown admin operation " + op}});
}

}  // namespace gpubox::local
