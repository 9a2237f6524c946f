#pragma once
/// The local cloud's HTTP endpoint on 127.0.0.1 (cpp-httplib, a thread pool):
///  POST /  EC2 Query API (form body, or presigned query) or Service Quotas
///          (X-Amz-Target); GET / the EC2 Query API (parameters in the query).
///          Every request SigV4-verified (sigv4_verifier.h) against the local
///          account's key or a granted user's (access_registry.h), and answered
///          within that key's account; faults (latency, throttling) applied first. Bodies
///          up to kMaxRequestBytes. Every non-200 answer, whatever went wrong
///          (unknown path or method, oversized body, parse error), is EC2's
///          XML error document (JSON for Service Quotas).
///  GET  /_gpubox/health          readiness ("ok"), no auth
///  POST /_gpubox/admin/<op>      status, faults, interrupt, shutdown, grant, revoke; auth:
///                                "Authorization: Bearer <secret access key>"

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "gpubox/local/access_registry.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/quotas_service.h"
#include "gpubox/local/sigv4_verifier.h"
#include "gpubox/sys/env.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace gpubox::local {

/// The largest request body served (EC2 takes 16 KiB of user data, base64'd,
/// and long id lists); beyond it, 413 with EC2's error document.
inline constexpr size_t kMaxRequestBytes = 2 * 1024 * 1024;

/// What the admin endpoint does beyond the service (the daemon provides it).
struct AdminHooks {
  /// Replaces the faults and persists them; returns the JSON now in force.
  std::function<Result<std::string>(std::string_view json)> set_faults;
  /// Asks the daemon to shut down (purge: delete everything).
  std::function<void(bool purge)> shutdown;
  /// Extra members for the status JSON (endpoint, state dir, pid).
  std::function<std::string()> status_json;
  /// Grants access ({"users": [...], "groups": [...]}) and revokes it ({"user": U}); return
  /// the JSON answer.
  std::function<Result<std::string>(std::string_view json)> grant;
  std::function<Result<std::string>(std::string_view json)> revoke;
};

class ApiServer {
 public:
  /// `access`, when given, holds the granted users' keys (it must outlive the server);
  /// without it only the account's own key is accepted.
  ApiServer(Env& env, Ec2Service& ec2, QuotasService& quotas, LocalAccount account,
            AdminHooks hooks, const AccessRegistry* access = nullptr);
  ~ApiServer();

  /// Binds 127.0.0.1:port (0 picks a free one); kEnvironment when it cannot.
  Result<int> Bind(int port);
  /// Serves until Stop(); call after Bind.
  void Serve();
  void Stop();

 private:
  /// Answers one API call; `body` is what was read (POST) or "" (GET).
  void HandleApi(const httplib::Request& request, const std::string& body,
                 httplib::Response& response);
  void HandleAdmin(const httplib::Request& request, httplib::Response& response);
  std::string NewRequestId();
  /// A uniform draw in [0, 1) for the injected faults.
  double Draw();

  Env& env_;
  Ec2Service& ec2_;
  QuotasService& quotas_;
  LocalAccount account_;
  AdminHooks hooks_;
  const AccessRegistry* access_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<uint64_t> request_counter_{0};
  std::mutex random_mutex_;
};

}  // namespace gpubox::local
