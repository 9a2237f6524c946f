#include "gpubox/sys/real_http_transport.h"

#include <curl/curl.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <type_traits>

namespace gpubox {
namespace {

/// libcurl, loaded with dlopen on first use: linking it would load some thirty
/// libraries (TLS, Kerberos, LDAP, ...) at the start of every gpubox command,
/// most of which never touch the network.
struct CurlApi {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  void (*easy_reset)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  bool loaded = false;
};

const CurlApi& Curl() {
  static const CurlApi api = [] {
    CurlApi loaded_api{};
    void* library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) return loaded_api;
    auto bind = [library](auto& slot, const char* symbol) {
      slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(dlsym(library, symbol));
      return slot != nullptr;
    };
    loaded_api.loaded = bind(loaded_api.global_init, "curl_global_init") &&
                        bind(loaded_api.easy_init, "curl_easy_init") &&
                        bind(loaded_api.easy_cleanup, "curl_easy_cleanup") &&
                        bind(loaded_api.easy_setopt, "curl_easy_setopt") &&
                        bind(loaded_api.easy_perform, "curl_easy_perform") &&
                        bind(loaded_api.easy_getinfo, "curl_easy_getinfo") &&
                        bind(loaded_api.easy_reset, "curl_easy_reset") &&
                        bind(loaded_api.easy_strerror, "curl_easy_strerror") &&
                        bind(loaded_api.slist_append, "curl_slist_append") &&
                        bind(loaded_api.slist_free_all, "curl_slist_free_all");
    return loaded_api;
  }();
  return api;
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

/// Collects "Name: value" lines of the final response (a 100-continue or
/// redirect block is discarded when the next status line arrives).
size_t AppendHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<HttpHeaders*>(user);
  std::string line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers->clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return size * count;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  size_t start = line.find_first_not_of(" \t", colon + 1);
  size_t end = line.find_last_not_of(" \t\r\n");
  std::string value =
      start == std::string::npos || end < start ? "" : line.substr(start, end - start + 1);
  headers->emplace_back(std::move(name), std::move(value));
  return size * count;
}

struct CurlGlobal {
  CurlGlobal() { Curl().global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

// libcurl (and the TLS library under it) is initialised on the first Send, so
// commands that never reach the network do not pay for it at start-up.
RealHttpTransport::RealHttpTransport(bool curl_for_http) : curl_for_http_(curl_for_http) {}

RealHttpTransport::~RealHttpTransport() = default;

RealHttpTransport::Connection::~Connection() {
  if (curl != nullptr) Curl().easy_cleanup(static_cast<CURL*>(curl));
}

Result<HttpResponse> RealHttpTransport::Send(const HttpRequest& request) {
  std::unique_ptr<Connection> connection;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!connection) connection = std::make_unique<Connection>();
  auto response = SendOn(*connection, request);
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(connection));
  return response;
}

Result<HttpResponse> RealHttpTransport::SendOn(Connection& connection, const HttpRequest& request) {
  if (!curl_for_http_ && request.url.starts_with("http://")) return connection.plain.Send(request);
  if (!Curl().loaded) {
    return Fail(ErrorCode::kEnvironment, "libcurl.so.4 could not be loaded",
                "install libcurl4 (apt-get install libcurl4)");
  }
  if (connection.curl == nullptr) {
    static CurlGlobal global;
    connection.curl = Curl().easy_init();
  }
  CURL* curl = static_cast<CURL*>(connection.curl);
  if (curl == nullptr) return Fail(ErrorCode::kInternal, "libcurl could not be initialised");
  Curl().easy_reset(curl);  // keeps the connection cache, drops the previous options

  HttpResponse response;
  curl_slist* headers = nullptr;
  bool has_expect = false;
  for (const auto& [name, value] : request.headers) {
    std::string line = name + (value.empty() ? ";" : ": " + value);
    headers = Curl().slist_append(headers, line.c_str());
    if (name.size() == 6 && std::equal(name.begin(), name.end(), "expect", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      has_expect = true;
    }
  }
  if (!has_expect) headers = Curl().slist_append(headers, "Expect:");  // no 100-continue wait

  Curl().easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  Curl().easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") Curl().easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    Curl().easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    Curl().easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
  }
  Curl().easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  Curl().easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(request.connect_timeout_ms));
  Curl().easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout_ms));
  Curl().easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  Curl().easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  Curl().easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  Curl().easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  Curl().easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  Curl().easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  Curl().easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  Curl().easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendHeader);
  Curl().easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

  CURLcode code = Curl().easy_perform(curl);
  Curl().slist_free_all(headers);
  if (code != CURLE_OK) {
    std::string message =
        std::string(request.method) + " " + request.url + ": " + Curl().easy_strerror(code);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      message = request.method + " " + request.url + ": timed out";
    }
    return Fail(ErrorCode::kNetwork, message);
  }
  long status = 0;
  Curl().easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace gpubox
