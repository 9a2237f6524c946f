#pragma once
/// HttpTransport over libcurl: one easy handle reused across requests (so
/// connections are kept alive and reused), TLS peer and host verification on,
/// connect and total timeouts from each request. Thread-safe (one request at
/// a time per transport).

#include <memory>
#include <mutex>

#include "gpubox/sys/http_transport.h"

namespace gpubox {

class RealHttpTransport : public HttpTransport {
 public:
  RealHttpTransport();
  ~RealHttpTransport() override;
  RealHttpTransport(const RealHttpTransport&) = delete;
  RealHttpTransport& operator=(const RealHttpTransport&) = delete;

  /// A timeout's kNetwork message contains "timed out".
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  std::mutex mutex_;
  void* curl_ = nullptr;  // CURL*
};

}  // namespace gpubox
