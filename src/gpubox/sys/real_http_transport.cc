#include "gpubox/sys/real_http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace gpubox {
namespace {

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
  std::string value = start == std::string::npos || end < start ? "" : line.substr(start, end - start + 1);
  headers->emplace_back(std::move(name), std::move(value));
  return size * count;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

RealHttpTransport::RealHttpTransport() {
  static CurlGlobal global;
  curl_ = curl_easy_init();
}

RealHttpTransport::~RealHttpTransport() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpResponse> RealHttpTransport::Send(const HttpRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return Fail(ErrorCode::kInternal, "libcurl could not be initialised");
  curl_easy_reset(curl);  // keeps the connection cache, drops the previous options

  HttpResponse response;
  curl_slist* headers = nullptr;
  bool has_expect = false;
  for (const auto& [name, value] : request.headers) {
    std::string line = name + (value.empty() ? ";" : ": " + value);
    headers = curl_slist_append(headers, line.c_str());
    if (name.size() == 6 && std::equal(name.begin(), name.end(), "expect", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      has_expect = true;
    }
  }
  if (!has_expect) headers = curl_slist_append(headers, "Expect:");  // no 100-continue wait

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    std::string message = std::string(request.method) + " " + request.url + ": " +
                          curl_easy_strerror(code);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      message = request.method + " " + request.url + ": timed out";
    }
    return Fail(ErrorCode::kNetwork, message);
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace gpubox
