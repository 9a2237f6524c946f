#include "gpubox/local/iso_time.h"

#include <cstdio>
#include <ctime>

#include "gpubox/util/strings.h"

namespace gpubox::local {

std::string IsoTime(int64_t micros) {
  time_t seconds = static_cast<time_t>(micros / 1000000);
  int millis = static_cast<int>((micros / 1000) % 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, millis);
  return text;
}

std::optional<int64_t> ParseIsoTime(std::string_view text) {
  if (auto seconds = ParseDouble(text)) return static_cast<int64_t>(*seconds * 1e6);
  std::tm parts{};
  int consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  int64_t micros = static_cast<int64_t>(timegm(&parts)) * 1000000;
  std::string_view rest = text.substr(consumed);
  if (rest.starts_with('.')) {
    size_t digits = 1;
    int64_t fraction = 0, scale = 1000000;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
      scale /= 10;
      if (scale > 0) fraction += (rest[digits] - '0') * scale;
      ++digits;
    }
    micros += fraction;
    rest = rest.substr(digits);
  }
  if (!(rest.empty() || rest == "Z" || rest == "+00:00" || rest == "z")) return std::nullopt;
  return micros;
}

}  // namespace gpubox::local
