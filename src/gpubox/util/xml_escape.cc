#include "gpubox/util/xml_escape.h"

namespace gpubox {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

/// The length of the well-formed UTF-8 character at `at` that XML 1.0 allows
/// (no surrogates, no U+FFFE/U+FFFF), or 0.
size_t XmlCharLength(std::string_view text, size_t at) {
  auto byte = [&](size_t offset) -> unsigned {
    return at + offset < text.size() ? static_cast<unsigned char>(text[at + offset]) : 0;
  };
  auto continuation = [&](size_t offset) { return (byte(offset) & 0xC0) == 0x80; };
  unsigned first = byte(0);
  if (first >= 0xC2 && first <= 0xDF) return continuation(1) ? 2 : 0;
  if (first >= 0xE0 && first <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    unsigned code = ((first & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
    if (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF) || code >= 0xFFFE) return 0;
    return 3;
  }
  if (first >= 0xF0 && first <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    unsigned code = ((first & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
                    (byte(3) & 0x3F);
    return code >= 0x10000 && code <= 0x10FFFF ? 4 : 0;
  }
  return 0;
}

}  // namespace

void AppendXmlEscaped(std::string& out, std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    char c = text[at];
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      size_t length = XmlCharLength(text, at);
      if (length == 0) {
        out += kReplacement;
        ++at;
      } else {
        out.append(text.substr(at, length));
        at += length;
      }
      continue;
    }
    ++at;
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\t':
      case '\n':
        out += c;
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (byte < 0x20) {
          out += kReplacement;  // not an XML 1.0 character
        } else {
          out += c;
        }
    }
  }
}

std::string XmlEscaped(std::string_view text) {
  std::string out;
  AppendXmlEscaped(out, text);
  return out;
}

}  // namespace gpubox
