#include "gpubox/aws/sigv4.h"

#include <algorithm>
#include <ctime>
#include <set>

#include "gpubox/aws/crypto.h"
#include "gpubox/aws/url.h"
#include "gpubox/util/strings.h"

namespace gpubox::aws {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

/// RFC 3986 5.2.4 plus the removal of empty segments, as botocore's
/// remove_dot_segments does; an empty path is "/".
std::string NormalizePath(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> output;
  for (std::string_view segment : Split(path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!output.empty()) output.pop_back();
    } else {
      output.push_back(segment);
    }
  }
  std::string out = path.front() == '/' ? "/" : "";
  for (size_t index = 0; index < output.size(); ++index) {
    if (index > 0) out += '/';
    out += output[index];
  }
  if (path.back() == '/' && !output.empty()) out += '/';
  return out;
}

/// Query pairs as botocore takes them from the URL (raw, not re-encoded),
/// sorted by key then value; bytes outside ASCII are percent-encoded so a raw
/// UTF-8 query signs as the one on the wire would.
std::string CanonicalQuery(std::string_view query) {
  if (query.empty()) return "";
  auto encode_non_ascii = [](std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
      if (c >= 0x80) {
        static constexpr char kHex[] = "0123456789ABCDEF";
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
      } else {
        out += static_cast<char>(c);
      }
    }
    return out;
  };
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string_view pair : Split(query, '&')) {
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    pairs.emplace_back(encode_non_ascii(key), encode_non_ascii(value));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out += '&';
    out += key + "=" + value;
  }
  return out;
}

/// Length of the UTF-8 whitespace character at `pos` (as Python's str.split
/// sees whitespace), or 0.
size_t WhitespaceAt(std::string_view text, size_t pos) {
  unsigned char c = static_cast<unsigned char>(text[pos]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
  auto byte = [&](size_t offset) -> unsigned char {
    return pos + offset < text.size() ? static_cast<unsigned char>(text[pos + offset]) : 0;
  };
  if (c == 0xc2 && (byte(1) == 0x85 || byte(1) == 0xa0)) return 2;
  if (c == 0xe1 && byte(1) == 0x9a && byte(2) == 0x80) return 3;  // U+1680
  if (c == 0xe2 && byte(1) == 0x80 &&
      ((byte(2) >= 0x80 && byte(2) <= 0x8a) || byte(2) == 0xa8 || byte(2) == 0xa9 ||
       byte(2) == 0xaf)) {
    return 3;  // U+2000..200A, U+2028, U+2029, U+202F
  }
  if (c == 0xe2 && byte(1) == 0x81 && byte(2) == 0x9f) return 3;  // U+205F
  if (c == 0xe3 && byte(1) == 0x80 && byte(2) == 0x80) return 3;  // U+3000
  return 0;
}

/// ' '.join(value.split()): trims and collapses whitespace runs.
std::string TrimAll(std::string_view value) {
  std::string out;
  bool pending_space = false;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t width = WhitespaceAt(value, pos);
    if (width > 0) {
      pending_space = !out.empty();
      pos += width;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += value[pos++];
  }
  return out;
}

bool HasHeader(const HttpHeaders& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

void RemoveHeader(HttpHeaders& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

/// email.utils.formatdate(t): "Sun, 30 Aug 2015 12:36:00 -0000".
std::string FormatHttpDate(int64_t unix_seconds) {
  std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d -0000",
                kDays[parts.tm_wday], parts.tm_mday, kMonths[parts.tm_mon], parts.tm_year + 1900,
                parts.tm_hour, parts.tm_min, parts.tm_sec);
  return buffer;
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string FormatAmzDate(int64_t unix_seconds) {
  std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &parts);
  return buffer;
}

SignableRequest SignableFromHttp(const HttpRequest& request) {
  SignableRequest signable;
  signable.method = request.method;
  signable.headers = request.headers;
  signable.body = request.body;
  auto url = ParseUrl(request.url);
  if (url) {
    signable.path = url->path;
    signable.query = url->query;
    if (!HasHeader(signable.headers, "host"))
      signable.headers.emplace_back("host", url->HostHeader());
  }
  return signable;
}

std::vector<std::string> HeadersToSign(const SignableRequest& request) {
  std::set<std::string> names;
  for (const auto& [name, value] : request.headers) {
    std::string lower = ToLower(name);
    if (lower == "user-agent" || lower == "expect" || lower == "x-amzn-trace-id") continue;
    names.insert(lower);
  }
  return {names.begin(), names.end()};
}

SignatureParts ComputeSignature(const SignableRequest& request,
                                const std::vector<std::string>& signed_headers,
                                std::string_view access_key_id, std::string_view secret_access_key,
                                std::string_view amz_date, std::string_view region,
                                std::string_view service) {
  std::set<std::string> names;
  for (const auto& name : signed_headers) names.insert(ToLower(name));

  std::string canonical_headers;
  std::string signed_list;
  for (const auto& name : names) {
    std::vector<std::string> values;
    for (const auto& [header_name, header_value] : request.headers) {
      if (ToLower(header_name) == name) values.push_back(TrimAll(header_value));
    }
    canonical_headers += name + ":" + Join(values, ",") + "\n";
    if (!signed_list.empty()) signed_list += ';';
    signed_list += name;
  }

  std::string payload_hash;
  for (const auto& [header_name, header_value] : request.headers) {
    if (EqualsIgnoreCase(header_name, "x-amz-content-sha256")) {
      payload_hash = header_value;
      break;
    }
  }
  if (payload_hash.empty()) payload_hash = Sha256Hex(request.body);

  SignatureParts parts;
  std::string method = request.method;
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  parts.canonical_request = method + "\n" + UriEncode(NormalizePath(request.path), true) + "\n" +
                            CanonicalQuery(request.query) + "\n" + canonical_headers + "\n" +
                            signed_list + "\n" + payload_hash;

  std::string date(amz_date.substr(0, 8));
  std::string scope =
      date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  parts.string_to_sign = std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + scope +
                         "\n" + Sha256Hex(parts.canonical_request);

  std::string key = HmacSha256("AWS4" + std::string(secret_access_key), date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  parts.signature = HexEncode(HmacSha256(key, parts.string_to_sign));
  parts.signed_headers = signed_list;
  parts.authorization = std::string(kAlgorithm) + " Credential=" + std::string(access_key_id) +
                        "/" + scope + ", SignedHeaders=" + signed_list +
                        ", Signature=" + parts.signature;
  return parts;
}

SignatureParts SignRequest(HttpRequest& request, const Credentials& credentials,
                           std::string_view region, std::string_view service,
                           int64_t unix_seconds) {
  std::string amz_date = FormatAmzDate(unix_seconds);
  RemoveHeader(request.headers, "Authorization");
  if (HasHeader(request.headers, "Date")) {
    RemoveHeader(request.headers, "Date");
    request.headers.emplace_back("Date", FormatHttpDate(unix_seconds));
    RemoveHeader(request.headers, "X-Amz-Date");
  } else {
    RemoveHeader(request.headers, "X-Amz-Date");
    request.headers.emplace_back("X-Amz-Date", amz_date);
  }
  if (!credentials.session_token.empty()) {
    RemoveHeader(request.headers, "X-Amz-Security-Token");
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  SignableRequest signable = SignableFromHttp(request);
  SignatureParts parts =
      ComputeSignature(signable, HeadersToSign(signable), credentials.access_key_id,
                       credentials.secret_access_key, amz_date, region, service);
  request.headers.emplace_back("Authorization", parts.authorization);
  return parts;
}

Result<ParsedAuthorization> ParseAuthorization(std::string_view header_value) {
  auto bad = [&](std::string_view why) {
    return Fail(ErrorCode::kCredentials, "malformed Authorization header: " + std::string(why));
  };
  std::string_view text = Trim(header_value);
  std::string_view prefix = kAlgorithm;
  if (!text.starts_with(prefix) || text.size() == prefix.size() || text[prefix.size()] != ' ') {
    return bad("expected AWS4-HMAC-SHA256");
  }
  text.remove_prefix(prefix.size());
  ParsedAuthorization parsed;
  bool have_credential = false, have_headers = false, have_signature = false;
  for (std::string_view field : Split(text, ',')) {
    field = Trim(field);
    size_t eq = field.find('=');
    if (eq == std::string_view::npos) return bad("field without '='");
    std::string_view name = field.substr(0, eq);
    std::string_view value = field.substr(eq + 1);
    if (name == "Credential") {
      auto scope = Split(value, '/');
      if (scope.size() != 5 || scope[4] != "aws4_request" || scope[0].empty() ||
          scope[1].size() != 8) {
        return bad("bad Credential scope");
      }
      parsed.access_key_id = scope[0];
      parsed.date = scope[1];
      parsed.region = scope[2];
      parsed.service = scope[3];
      have_credential = true;
    } else if (name == "SignedHeaders") {
      for (std::string_view header : Split(value, ';')) {
        if (header.empty()) return bad("empty name in SignedHeaders");
        parsed.signed_headers.emplace_back(header);
      }
      have_headers = true;
    } else if (name == "Signature") {
      if (value.size() != 64) return bad("signature is not 64 hex digits");
      parsed.signature = value;
      have_signature = true;
    } else {
      return bad("unknown field '" + std::string(name) + "'");
    }
  }
  if (!have_credential || !have_headers || !have_signature) return bad("missing field");
  return parsed;
}

}  // namespace gpubox::aws
