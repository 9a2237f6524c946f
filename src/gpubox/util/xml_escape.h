#pragma once
/// XML 1.0 text and attribute escaping, the one home for every XML and SVG gpubox writes.

#include <string>
#include <string_view>

namespace gpubox {

/// Appends `text` escaped for element text and attribute values: &, <, >, " and ' as
/// entities, CR as &#13;, and what XML 1.0 cannot hold (other control characters, broken or
/// disallowed UTF-8) as U+FFFD, so that the document always parses.
void AppendXmlEscaped(std::string& out, std::string_view text);

/// AppendXmlEscaped into a new string.
std::string XmlEscaped(std::string_view text);

}  // namespace gpubox
