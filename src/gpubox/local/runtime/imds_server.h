#pragma once
/// Serves an ImdsService at 169.254.169.254:80 inside one instance's network
/// namespace: a thread of the daemon joins the namespace and binds there, so
/// IMDS costs no process per instance and never appears on a host interface.

#include <memory>
#include <string>
#include <thread>

#include "gpubox/local/runtime/imds_service.h"
#include "gpubox/util/result.h"

namespace httplib {
class Server;
}

namespace gpubox::local {

inline constexpr char kImdsAddress[] = "169.254.169.254";

class ImdsServer {
 public:
  explicit ImdsServer(std::shared_ptr<ImdsService> service);
  ~ImdsServer();  ///< stops serving

  /// Binds kImdsAddress:80 inside the namespace at netns_path (the address
  /// must already be on the namespace's lo) and serves on a thread. Returns
  /// once it is listening; kEnvironment when the bind fails.
  Result<void> Start(const std::string& netns_path);
  void Stop();

 private:
  std::shared_ptr<ImdsService> service_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace gpubox::local
