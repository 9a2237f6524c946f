#include "gpubox/util/xml_escape.h"

#include "gpubox/util/strings.h"

namespace gpubox {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

/// The length of the well-formed UTF-8 character at `at` that XML 1.0 allows (not
/// U+FFFE/U+FFFF either), or 0.
size_t XmlCharLength(std::string_view text, size_t at) {
  size_t length = Utf8CharLength(text, at);
  bool noncharacter = length == 3 && static_cast<unsigned char>(text[at]) == 0xEF &&
                      static_cast<unsigned char>(text[at + 1]) == 0xBF &&
                      static_cast<unsigned char>(text[at + 2]) >= 0xBE;
  return noncharacter ? 0 : length;
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
