#pragma once
/// The local cloud's HTTP endpoint on 127.0.0.1 (cpp-httplib, a thread pool):
///  POST /  EC2 Query API (form body) or Service Quotas (X-Amz-Target), every
///          request SigV4-verified against the local account's keys; faults
///          (latency, throttling) applied first.
///  GET  /_gpubox/health          readiness ("ok"), no auth
///  POST /_gpubox/admin/<op>      status, faults, interrupt, shutdown; auth:
///                                "Authorization: Bearer <secret access key>"

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "gpubox/local/ec2_service.h"
#include "gpubox/local/quotas_service.h"
#include "gpubox/sys/env.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace gpubox::local {

struct LocalAccount {
  std::string account_id;
  std::string access_key_id;
  std::string secret_access_key;
};

/// What the admin endpoint does beyond the service (the daemon provides it).
struct AdminHooks {
  /// Replaces the faults and persists them; returns the JSON now in force.
  std::function<Result<std::string>(std::string_view json)> set_faults;
  /// Asks the daemon to shut down (purge: delete everything).
  std::function<void(bool purge)> shutdown;
  /// Extra members for the status JSON (endpoint, state dir, pid).
  std::function<std::string()> status_json;
};

class ApiServer {
 public:
  ApiServer(Env& env, Ec2Service& ec2, QuotasService& quotas, LocalAccount account,
            AdminHooks hooks);
  ~ApiServer();

  /// Binds 127.0.0.1:port (0 picks a free one); kEnvironment when it cannot.
  Result<int> Bind(int port);
  /// Serves until Stop(); call after Bind.
  void Serve();
  void Stop();

 private:
  void HandleApi(const httplib::Request& request, httplib::Response& response);
  void HandleAdmin(const httplib::Request& request, httplib::Response& response);
  std::string NewRequestId();

  Env& env_;
  Ec2Service& ec2_;
  QuotasService& quotas_;
  LocalAccount account_;
  AdminHooks hooks_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<uint64_t> request_counter_{0};
  std::mutex random_mutex_;
};

}  // namespace gpubox::local
