#pragma once
/// HttpTransport over libcurl for https: one easy handle reused across requests (so
/// connections are kept alive and reused), TLS peer and host verification on,
/// connect and total timeouts from each request. Plain http:// goes through
/// PlainHttpClient (plain_http.h), so talking to the local cloud never loads libcurl.
/// Thread-safe: concurrent requests each take a connection of their own (an idle one when
/// there is one, else a new one), so threads (`ls --all-regions`' regions) run in parallel.

#include <memory>
#include <mutex>
#include <vector>

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
  /// One request at a time: a kept-alive plain connection and a libcurl handle.
  struct Connection {
    ~Connection();
    PlainHttpClient plain;
    void* curl = nullptr;  ///< CURL*, made at its first https request
  };
  Result<HttpResponse> SendOn(Connection& connection, const HttpRequest& request);

  bool curl_for_http_ = false;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;  ///< GUARDED_BY(mutex_)
};

}  // namespace gpubox
