#include "gpubox/sys/plain_http.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace gpubox {
namespace {

using Clock = std::chrono::steady_clock;

struct Target {
  std::string host;       ///< without brackets
  std::string port;       ///< "80" when the URL names none
  std::string authority;  ///< the Host header: host[:port], port left out when 80
  std::string path;       ///< "/..." with the query
};

Result<Target> ParseTarget(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return Fail(ErrorCode::kInternal, "not an http:// URL: " + url);
  size_t start = kScheme.size();
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  Target target;
  target.path = end == std::string::npos ? "/" : url.substr(end);
  if (target.path.front() != '/') target.path = "/" + target.path;
  if (size_t hash = target.path.find('#'); hash != std::string::npos) target.path.resize(hash);
  size_t colon = authority.rfind(':');
  size_t bracket = authority.rfind(']');
  bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  target.host = has_port ? authority.substr(0, colon) : authority;
  target.port = has_port ? authority.substr(colon + 1) : "80";
  if (target.host.starts_with('[') && target.host.ends_with(']')) {
    target.host = target.host.substr(1, target.host.size() - 2);
  }
  target.authority = target.port == "80" && has_port ? authority.substr(0, colon) : authority;
  if (target.host.empty()) return Fail(ErrorCode::kNetwork, "no host in " + url);
  return target;
}

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

std::unexpected<Error> NetworkError(const std::string& what) {
  return Fail(ErrorCode::kNetwork, what);
}

/// Reads what the socket has (waiting until `deadline`); 0 bytes read means the peer closed.
Result<size_t> ReadSome(int fd, std::string& into, Clock::time_point deadline) {
  pollfd ready{fd, POLLIN, 0};
  int polled = ::poll(&ready, 1, MillisLeft(deadline));
  if (polled == 0) return NetworkError("timed out waiting for the response");
  if (polled < 0) return NetworkError(std::string("poll: ") + std::strerror(errno));
  char buffer[65536];
  ssize_t got = ::read(fd, buffer, sizeof buffer);
  if (got < 0) return NetworkError(std::string("read: ") + std::strerror(errno));
  into.append(buffer, static_cast<size_t>(got));
  return static_cast<size_t>(got);
}

Result<void> WriteAll(int fd, const std::string& text, Clock::time_point deadline) {
  size_t written = 0;
  while (written < text.size()) {
    pollfd ready{fd, POLLOUT, 0};
    if (::poll(&ready, 1, MillisLeft(deadline)) != 1) return NetworkError("timed out sending");
    ssize_t put = ::send(fd, text.data() + written, text.size() - written, MSG_NOSIGNAL);
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) return NetworkError(std::string("send: ") + std::strerror(errno));
    written += static_cast<size_t>(put);
  }
  return {};
}

/// Reads from `fd` into `buffer` until it holds at least `size` bytes.
Result<void> Fill(int fd, std::string& buffer, size_t size, Clock::time_point deadline) {
  while (buffer.size() < size) {
    if (GPUBOX_TRY(ReadSome(fd, buffer, deadline)) == 0) {
      return NetworkError("the server closed the connection mid-response");
    }
  }
  return {};
}

/// Decodes a chunked body that starts at buffer[0]; reads more as needed.
Result<std::string> ReadChunked(int fd, std::string& buffer, Clock::time_point deadline) {
  std::string body;
  size_t at = 0;
  while (true) {
    size_t line_end;
    while ((line_end = buffer.find("\r\n", at)) == std::string::npos) {
      GPUBOX_TRY_VOID(Fill(fd, buffer, buffer.size() + 1, deadline));
    }
    size_t size = std::strtoul(buffer.substr(at, line_end - at).c_str(), nullptr, 16);
    at = line_end + 2;
    if (size == 0) return body;  // trailers, if any, are left unread; the connection closes
    GPUBOX_TRY_VOID(Fill(fd, buffer, at + size + 2, deadline));
    body.append(buffer, at, size);
    at += size + 2;
  }
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string HeaderValue(const HttpHeaders& headers, const std::string& name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

std::string RequestHead(const HttpRequest& request, const Target& target) {
  std::string head = request.method + " " + target.path + " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    std::string lower = Lower(name);
    if (lower == "content-length") continue;
    has_host = has_host || lower == "host";
    head += name + ": " + value + "\r\n";
  }
  if (!has_host) head += "Host: " + target.authority + "\r\n";
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  return head + "\r\n";
}

/// Reads the status line and headers (names lower-cased) of the response, passing over
/// any 1xx; `buffer` keeps what followed them. False when the server closed the connection
/// before sending anything.
Result<bool> ReadHead(int fd, std::string& buffer, HttpResponse& response,
                      Clock::time_point deadline) {
  while (true) {
    size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (GPUBOX_TRY(ReadSome(fd, buffer, deadline)) == 0) {
        if (buffer.empty()) return false;
        return NetworkError("the server closed the connection mid-response");
      }
    }
    size_t line_end = buffer.find("\r\n");
    size_t space = buffer.find(' ');
    response.status = space < line_end ? std::atoi(buffer.c_str() + space + 1) : 0;
    response.headers.clear();
    for (size_t at = line_end + 2; at < header_end;) {
      size_t next = buffer.find("\r\n", at);
      std::string line = buffer.substr(at, next - at);
      at = next + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      size_t value_start = line.find_first_not_of(" \t", colon + 1);
      response.headers.emplace_back(Lower(line.substr(0, colon)), value_start == std::string::npos
                                                                      ? ""
                                                                      : line.substr(value_start));
    }
    buffer.erase(0, header_end + 4);
    if (response.status >= 200 || response.status < 100) return true;
  }
}

/// Reads the body after the head: by Content-Length, chunked, or until the server closes
/// (then *keep is false, as it is for "Connection: close").
Result<void> ReadBody(int fd, std::string& buffer, const std::string& method,
                      HttpResponse& response, bool* keep, Clock::time_point deadline) {
  *keep = Lower(HeaderValue(response.headers, "connection")) != "close";
  if (method == "HEAD" || response.status == 204 || response.status == 304) return {};
  if (Lower(HeaderValue(response.headers, "transfer-encoding")).find("chunked") !=
      std::string::npos) {
    response.body = GPUBOX_TRY(ReadChunked(fd, buffer, deadline));
    *keep = false;  // trailers may follow: this connection is not reused
    return {};
  }
  std::string length = HeaderValue(response.headers, "content-length");
  if (!length.empty()) {
    size_t size = std::strtoull(length.c_str(), nullptr, 10);
    GPUBOX_TRY_VOID(Fill(fd, buffer, size, deadline));
    buffer.resize(size);
    response.body = std::move(buffer);
    return {};
  }
  while (GPUBOX_TRY(ReadSome(fd, buffer, deadline)) > 0) {
  }
  response.body = std::move(buffer);
  *keep = false;
  return {};
}

}  // namespace

PlainHttpClient::~PlainHttpClient() { Close(); }

void PlainHttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  connected_to_.clear();
}

Result<void> PlainHttpClient::Connect(const std::string& host, const std::string& port,
                                      int timeout_ms) {
  Close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return NetworkError("cannot resolve " + host + ": " + ::gai_strerror(rc));
  }
  std::string why = "no address";
  for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
    int fd = ::socket(address->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) continue;
    int connected = ::connect(fd, address->ai_addr, address->ai_addrlen);
    if (connected != 0 && errno == EINPROGRESS) {
      pollfd ready{fd, POLLOUT, 0};
      int error = ETIMEDOUT;
      socklen_t length = sizeof error;
      if (::poll(&ready, 1, timeout_ms) == 1) {
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      }
      connected = error == 0 ? 0 : -1;
      errno = error;
    }
    if (connected == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fd_ = fd;
      break;
    }
    why = errno == ETIMEDOUT ? "connection timed out" : std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (fd_ < 0) return NetworkError("cannot connect to " + host + ":" + port + ": " + why);
  connected_to_ = host + ":" + port;
  return {};
}

Result<HttpResponse> PlainHttpClient::Send(const HttpRequest& request) {
  Target target = GPUBOX_TRY(ParseTarget(request.url));
  auto deadline = Clock::now() + std::chrono::milliseconds(request.total_timeout_ms);
  std::string message = RequestHead(request, target) + request.body;
  for (int attempt = 0;; ++attempt) {
    bool reused = fd_ >= 0 && connected_to_ == target.host + ":" + target.port;
    if (!reused) GPUBOX_TRY_VOID(Connect(target.host, target.port, request.connect_timeout_ms));
    std::string buffer;
    HttpResponse response;
    auto sent = WriteAll(fd_, message, deadline);
    Result<bool> head = sent ? ReadHead(fd_, buffer, response, deadline)
                             : Result<bool>(std::unexpected(sent.error()));
    if (!head || !*head) {
      Close();
      bool timed_out = !head && head.error().message.find("timed out") != std::string::npos;
      // A kept connection the server had closed meanwhile: once more on a fresh one.
      if (reused && attempt == 0 && buffer.empty() && !timed_out) continue;
      if (!head) return std::unexpected(head.error());
      return NetworkError("the server closed the connection without a response");
    }
    bool keep = true;
    if (auto body = ReadBody(fd_, buffer, request.method, response, &keep, deadline); !body) {
      Close();
      return std::unexpected(body.error());
    }
    if (!keep) Close();
    return response;
  }
}

}  // namespace gpubox
