#include "gpubox/local/xml_writer.h"

namespace gpubox::local {

XmlWriter::XmlWriter(std::string_view root, std::string_view xmlns) {
  out_.reserve(1024);
  out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  out_ += root;
  if (!xmlns.empty()) {
    out_ += " xmlns=\"";
    AppendXmlEscaped(out_, xmlns);
    out_ += '"';
  }
  out_ += '>';
  open_.emplace_back(root);
}

void XmlWriter::Open(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  open_.emplace_back(name);
}

void XmlWriter::Close() {
  if (open_.empty()) return;
  out_ += "</";
  out_ += open_.back();
  out_ += '>';
  open_.pop_back();
}

void XmlWriter::Text(std::string_view name, std::string_view value) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  AppendXmlEscaped(out_, value);
  out_ += "</";
  out_ += name;
  out_ += '>';
}

void XmlWriter::Int(std::string_view name, int64_t value) { Text(name, std::to_string(value)); }

void XmlWriter::Bool(std::string_view name, bool value) { Text(name, value ? "true" : "false"); }

void XmlWriter::TextIfSet(std::string_view name, std::string_view value) {
  if (!value.empty()) Text(name, value);
}

std::string XmlWriter::Finish() {
  while (!open_.empty()) Close();
  return std::move(out_);
}

}  // namespace gpubox::local
