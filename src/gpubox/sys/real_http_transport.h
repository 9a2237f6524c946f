#pragma once
/// HttpTransport over libcurl for https: one easy handle reused across requests (so
/// connections are kept alive and reused), TLS peer and host verification on,
/// connect and total timeouts from each request. Plain http:// goes through
/// PlainHttpClient (plain_http.h), so talking to the local cloud never loads libcurl.
/// Thread-safe (one request at a time per transport).

#include <memory>
#include <mutex>

#include "gpubox/sys/http_transport.h"
#include "gpubox/sys/plain_http.h"

namespace gpubox {

class RealHttpTransport : public HttpTransport {
 public:
  /// `curl_for_http`: send http:// through libcurl too (tests hold both paths to one spec).
  explicit RealHttpTransport(bool curl_for_http = false);
  ~RealHttpTransport() override;
  RealHttpTransport(const RealHttpTransport&) = delete;
  RealHttpTransport& operator=(const RealHttpTransport&) = delete;

  /// A timeout's kNetwork message contains "timed out".
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  std::mutex mutex_;
  bool curl_for_http_ = false;
  PlainHttpClient plain_;  ///< GUARDED_BY(mutex_)
  void* curl_ = nullptr;   ///< CURL*, GUARDED_BY(mutex_)
};

}  // namespace gpubox
