#pragma once
/// HTTP as gpubox needs it: one request, one response. The real transport is
/// libcurl (real_http_transport.h); tests use a recording fake.

#include <string>
#include <utility>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  ///< absolute: scheme://host[:port]/path?query
  HttpHeaders headers;
  std::string body;
  int connect_timeout_ms = 5000;
  int total_timeout_ms = 60000;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  ///< names lower-cased
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  /// Sends the request. A response with any status is a value; only a failure
  /// to get a response at all (DNS, connect, TLS, timeout) is an Error with
  /// code kNetwork.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace gpubox
