#pragma once
/// The EC2 Query protocol's wire pieces: the form body (as botocore writes it)
/// and XML reading/writing helpers over pugixml.

#include <map>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox::aws {

inline constexpr char kEc2ApiVersion[] = "2016-11-15";
inline constexpr char kEc2XmlNamespace[] = "http://ec2.amazonaws.com/doc/2016-11-15/";

/// Form parameters in the order they are sent.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// application/x-www-form-urlencoded exactly as botocore sends it (Python's
/// urlencode: A-Z a-z 0-9 - _ . ~ kept, ' ' -> '+', the rest %XX upper-case).
std::string EncodeForm(const QueryParams& params);

/// Decodes a form body ('+' is a space, %XX a byte) into pairs in order.
/// kUsage on a malformed %-escape.
Result<QueryParams> DecodeForm(std::string_view body);

/// DecodeForm into a map (a repeated name keeps the last value).
Result<std::map<std::string, std::string>> DecodeFormMap(std::string_view body);

/// Builds a parameter list with botocore's EC2 rules: lists flattened as
/// Name.1, Name.2 (an empty list sends nothing), nested members as
/// Prefix.Member, booleans "true"/"false", integers in decimal.
class QueryWriter {
 public:
  /// Starts with Action=<action>&Version=2016-11-15.
  explicit QueryWriter(std::string_view action);

  void Add(const std::string& name, std::string value);
  void Add(const std::string& name, const std::optional<std::string>& value);
  void AddInt(const std::string& name, std::optional<long long> value);
  void AddBool(const std::string& name, std::optional<bool> value);
  /// name.1=..., name.2=...
  void AddList(const std::string& name, const std::vector<std::string>& values);

  const QueryParams& params() const { return params_; }
  QueryParams Take() { return std::move(params_); }

 private:
  QueryParams params_;
};

/// Reading a flat parameter map back into structures (server side):
/// how many consecutive Name.1, Name.2, ... entries exist under a prefix.
int CountListItems(const std::map<std::string, std::string>& params, const std::string& prefix);

// ---------------------------------------------------------------- XML

/// Text of the first child element with this name; "" when absent.
std::string ChildText(const pugi::xml_node& node, const char* name);
/// Integer / boolean child; `fallback` when absent or unparsable.
long long ChildInt(const pugi::xml_node& node, const char* name, long long fallback = 0);
bool ChildBool(const pugi::xml_node& node, const char* name, bool fallback = false);
/// The <item> children of the named list element (<tagSet><item>...).
std::vector<pugi::xml_node> ChildItems(const pugi::xml_node& node, const char* list_name);

/// Parses an XML document into `document`; kCloud naming `what` if malformed.
Result<void> ParseXml(std::string_view text, pugi::xml_document& document, std::string_view what);

/// Serialises a document as EC2 does (UTF-8, XML declaration, no indent).
std::string XmlToString(const pugi::xml_document& document);

}  // namespace gpubox::aws
