#pragma once
/// HTTP/1.1 over a plain TCP socket, for `http://` URLs (the local cloud on 127.0.0.1, its
/// health and admin endpoints, an EC2-compatible endpoint on the LAN). It spares a command
/// that talks only to such an endpoint the cost of loading libcurl and its thirty libraries;
/// `https://` stays with libcurl (real_http_transport.h), which calls this for `http://`.
///
/// One connection is kept alive per host and port and reused; a reused connection the
/// server has closed is replaced once, transparently. Bodies are read by Content-Length,
/// chunked transfer coding, or until the server closes. Not thread-safe: the owner
/// serializes calls.

#include <string>

#include "gpubox/sys/http_transport.h"

namespace gpubox {

class PlainHttpClient {
 public:
  PlainHttpClient() = default;
  ~PlainHttpClient();
  PlainHttpClient(const PlainHttpClient&) = delete;
  PlainHttpClient& operator=(const PlainHttpClient&) = delete;

  /// Sends `request` (its url must start with "http://"). A response with any status is a
  /// value; no response at all is kNetwork ("timed out" in the message on a timeout).
  Result<HttpResponse> Send(const HttpRequest& request);

 private:
  Result<void> Connect(const std::string& host, const std::string& port, int timeout_ms);
  void Close();

  int fd_ = -1;
  std::string connected_to_;  ///< "host:port" of fd_
};

}  // namespace gpubox
