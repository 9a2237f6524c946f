#include "gpubox/aws/url.h"

#include "gpubox/util/strings.h"

namespace gpubox::aws {

std::string Url::HostHeader() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  if (port && !default_port) out += ":" + std::to_string(*port);
  return out;
}

Result<Url> ParseUrl(std::string_view text) {
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return Fail(ErrorCode::kUsage, "not an absolute URL: '" + std::string(text) + "'");
  }
  Url url;
  url.scheme = ToLower(text.substr(0, scheme_end));
  std::string_view rest = text.substr(scheme_end + 3);
  size_t fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  size_t netloc_end = rest.find_first_of("/?");
  std::string_view netloc = rest.substr(0, netloc_end);
  rest = netloc_end == std::string_view::npos ? std::string_view() : rest.substr(netloc_end);
  size_t at = netloc.rfind('@');
  if (at != std::string_view::npos) netloc = netloc.substr(at + 1);
  std::string_view port_text;
  if (!netloc.empty() && netloc.front() == '[') {
    size_t close = netloc.find(']');
    if (close == std::string_view::npos) return Fail(ErrorCode::kUsage, "bad IPv6 host in URL");
    url.host = ToLower(netloc.substr(1, close - 1));
    if (close + 1 < netloc.size() && netloc[close + 1] == ':') port_text = netloc.substr(close + 2);
  } else {
    size_t colon = netloc.rfind(':');
    url.host = ToLower(netloc.substr(0, colon));
    if (colon != std::string_view::npos) port_text = netloc.substr(colon + 1);
  }
  if (!port_text.empty()) {
    auto port = ParseInt(port_text);
    if (!port || *port < 0 || *port > 65535) {
      return Fail(ErrorCode::kUsage, "bad port in URL: '" + std::string(text) + "'");
    }
    url.port = static_cast<int>(*port);
  }
  size_t question = rest.find('?');
  url.path = std::string(rest.substr(0, question));
  if (question != std::string_view::npos) url.query = std::string(rest.substr(question + 1));
  return url;
}

}  // namespace gpubox::aws
