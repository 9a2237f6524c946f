#include "gpubox/aws/query_protocol.h"

#include <sstream>

#include "gpubox/aws/sigv4.h"
#include "gpubox/util/strings.h"

namespace gpubox::aws {
namespace {

std::string FormEncode(std::string_view text) {
  std::string out;
  for (char c : text) out += c == ' ' ? std::string("+") : UriEncode(std::string_view(&c, 1));
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> FormDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (pos + 2 >= text.size()) {
        return Fail(ErrorCode::kUsage, "truncated %-escape in form body");
      }
      int high = HexValue(text[pos + 1]);
      int low = HexValue(text[pos + 2]);
      if (high < 0 || low < 0) return Fail(ErrorCode::kUsage, "bad %-escape in form body");
      out += static_cast<char>(high * 16 + low);
      pos += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string EncodeForm(const QueryParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += FormEncode(name);
    out += '=';
    out += FormEncode(value);
  }
  return out;
}

Result<QueryParams> DecodeForm(std::string_view body) {
  QueryParams params;
  if (body.empty()) return params;
  for (std::string_view pair : Split(body, '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string name = GPUBOX_TRY(FormDecode(pair.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) value = GPUBOX_TRY(FormDecode(pair.substr(eq + 1)));
    params.emplace_back(std::move(name), std::move(value));
  }
  return params;
}

Result<std::map<std::string, std::string>> DecodeFormMap(std::string_view body) {
  QueryParams params = GPUBOX_TRY(DecodeForm(body));
  std::map<std::string, std::string> map;
  for (auto& [name, value] : params) map[name] = std::move(value);
  return map;
}

QueryWriter::QueryWriter(std::string_view action) {
  params_.emplace_back("Action", std::string(action));
  params_.emplace_back("Version", kEc2ApiVersion);
}

void QueryWriter::Add(const std::string& name, std::string value) {
  params_.emplace_back(name, std::move(value));
}

void QueryWriter::Add(const std::string& name, const std::optional<std::string>& value) {
  if (value) params_.emplace_back(name, *value);
}

void QueryWriter::AddInt(const std::string& name, std::optional<long long> value) {
  if (value) params_.emplace_back(name, std::to_string(*value));
}

void QueryWriter::AddBool(const std::string& name, std::optional<bool> value) {
  if (value) params_.emplace_back(name, *value ? "true" : "false");
}

void QueryWriter::AddList(const std::string& name, const std::vector<std::string>& values) {
  for (size_t index = 0; index < values.size(); ++index) {
    params_.emplace_back(name + "." + std::to_string(index + 1), values[index]);
  }
}

int CountListItems(const std::map<std::string, std::string>& params, const std::string& prefix) {
  int count = 0;
  while (true) {
    std::string item = prefix + "." + std::to_string(count + 1);
    auto found = params.lower_bound(item);
    // Present either as a scalar (item) or as a structure (item.Member).
    if (found == params.end() || (found->first != item && !found->first.starts_with(item + "."))) {
      return count;
    }
    ++count;
  }
}

std::string ChildText(const pugi::xml_node& node, const char* name) {
  return node.child(name).text().as_string();
}

long long ChildInt(const pugi::xml_node& node, const char* name, long long fallback) {
  pugi::xml_node child = node.child(name);
  if (!child) return fallback;
  auto value = ParseInt(Trim(child.text().as_string()));
  return value ? *value : fallback;
}

bool ChildBool(const pugi::xml_node& node, const char* name, bool fallback) {
  pugi::xml_node child = node.child(name);
  if (!child) return fallback;
  std::string_view text = Trim(child.text().as_string());
  if (text == "true") return true;
  if (text == "false") return false;
  return fallback;
}

std::vector<pugi::xml_node> ChildItems(const pugi::xml_node& node, const char* list_name) {
  std::vector<pugi::xml_node> items;
  for (pugi::xml_node item : node.child(list_name).children("item")) items.push_back(item);
  return items;
}

Result<void> ParseXml(std::string_view text, pugi::xml_document& document, std::string_view what) {
  pugi::xml_parse_result parsed = document.load_buffer(text.data(), text.size());
  if (!parsed) {
    return Fail(ErrorCode::kCloud,
                "malformed XML in " + std::string(what) + ": " + parsed.description());
  }
  return {};
}

std::string XmlToString(const pugi::xml_document& document) {
  std::ostringstream out;
  document.save(out, "", pugi::format_raw, pugi::encoding_utf8);
  return out.str();
}

}  // namespace gpubox::aws
