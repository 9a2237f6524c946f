#include "gpubox/util/strings.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace gpubox {

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string_view Trim(std::string_view text) {
  auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t part_idx = 0; part_idx < parts.size(); ++part_idx) {
    if (part_idx > 0) out += sep;
    out += parts[part_idx];
  }
  return out;
}

std::optional<long long> ParseInt(std::string_view text) {
  long long value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> ParseDouble(std::string_view text) {
  double value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string FormatDouble(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, ec == std::errc() ? end : buf);
}

std::string FormatFixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

std::string StableDigestHex(std::string_view text) {
  constexpr uint64_t kPrime = 0x100000001b3ULL;
  uint64_t first = 0xcbf29ce484222325ULL;   // FNV-1a's offset basis
  uint64_t second = 0x84222325cbf29ce4ULL;  // a second basis, for 128 bits in all
  for (unsigned char byte : text) {
    first = (first ^ byte) * kPrime;
    second = (second ^ byte) * kPrime;
  }
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(second));
  return hex;
}

size_t Utf8CharLength(std::string_view text, size_t at) {
  auto byte = [&](size_t offset) -> unsigned {
    return at + offset < text.size() ? static_cast<unsigned char>(text[at + offset]) : 0;
  };
  auto continuation = [&](size_t offset) { return (byte(offset) & 0xC0) == 0x80; };
  unsigned first = byte(0);
  if (at < text.size() && first < 0x80) return 1;
  if (first >= 0xC2 && first <= 0xDF) return continuation(1) ? 2 : 0;
  if (first >= 0xE0 && first <= 0xEF) {
    unsigned second = byte(1);
    bool ok = continuation(1) && continuation(2) && !(first == 0xE0 && second < 0xA0) &&
              !(first == 0xED && second >= 0xA0);
    return ok ? 3 : 0;
  }
  if (first >= 0xF0 && first <= 0xF4) {
    unsigned second = byte(1);
    bool ok = continuation(1) && continuation(2) && continuation(3) &&
              !(first == 0xF0 && second < 0x90) && !(first == 0xF4 && second >= 0x90);
    return ok ? 4 : 0;
  }
  return 0;
}

bool IsValidUtf8(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    size_t length = Utf8CharLength(text, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

}  // namespace gpubox
