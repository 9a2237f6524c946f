#pragma once
/// Builds XML documents the way EC2 writes its responses: elements opened and
/// closed in order, text escaped, no pretty printing. Cheap enough to run on
/// every response of the local cloud.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/util/xml_escape.h"

namespace gpubox::local {

class XmlWriter {
 public:
  /// Starts the document with `<root xmlns="xmlns">` (no xmlns when empty).
  XmlWriter(std::string_view root, std::string_view xmlns);

  void Open(std::string_view name);
  /// Closes the innermost open element.
  void Close();
  /// `<name>value</name>` with the value escaped.
  void Text(std::string_view name, std::string_view value);
  void Int(std::string_view name, int64_t value);
  void Bool(std::string_view name, bool value);
  /// Omits the element when `value` is empty.
  void TextIfSet(std::string_view name, std::string_view value);

  /// Closes every open element (the root too) and returns the document.
  std::string Finish();

 private:
  std::string out_;
  std::vector<std::string> open_;
};

using gpubox::AppendXmlEscaped;  // util/xml_escape.h

}  // namespace gpubox::local
