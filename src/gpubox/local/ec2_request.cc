#include "gpubox/local/ec2_request.h"

#include <set>

#include "gpubox/local/xml_writer.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {

const std::string& Ec2Request::Get(std::string_view name) const {
  static const std::string kEmpty;
  auto found = params.find(std::string(name));
  return found == params.end() ? kEmpty : found->second;
}

bool Ec2Request::Has(std::string_view name) const { return params.count(std::string(name)) != 0; }

std::vector<std::string> Ec2Request::List(std::string_view prefix) const {
  std::vector<std::string> values;
  for (int index = 1;; ++index) {
    auto found = params.find(std::string(prefix) + "." + std::to_string(index));
    if (found == params.end()) break;
    values.push_back(found->second);
  }
  return values;
}

std::vector<int> Ec2Request::Members(std::string_view prefix) const {
  std::set<int> indexes;
  std::string start = std::string(prefix) + ".";
  for (auto it = params.lower_bound(start); it != params.end(); ++it) {
    if (!it->first.starts_with(start)) break;
    std::string_view rest = std::string_view(it->first).substr(start.size());
    size_t dot = rest.find('.');
    if (auto index = ParseInt(rest.substr(0, dot))) indexes.insert(static_cast<int>(*index));
  }
  return {indexes.begin(), indexes.end()};
}

std::vector<Ec2Filter> Ec2Request::Filters() const {
  std::vector<Ec2Filter> filters;
  for (int index : Members("Filter")) {
    std::string member = "Filter." + std::to_string(index);
    filters.push_back({Get(member + ".Name"), List(member + ".Value")});
  }
  return filters;
}

std::string Ec2ErrorXml(const Ec2Error& error, std::string_view request_id) {
  XmlWriter xml("Response", "");
  xml.Open("Errors");
  xml.Open("Error");
  xml.Text("Code", error.code);
  xml.Text("Message", error.message);
  xml.Close();
  xml.Close();
  xml.Text("RequestID", request_id);
  return xml.Finish();
}

Ec2Reply ErrorReply(const Ec2Error& error, const Ec2Request& request) {
  return {error.status, Ec2ErrorXml(error, request.request_id)};
}

Ec2Error InvalidParameter(std::string message) {
  return {400, "InvalidParameterValue", std::move(message)};
}

Ec2Error MissingParameter(std::string_view name) {
  return {400, "MissingParameter", "The request must contain the parameter " + std::string(name)};
}

}  // namespace gpubox::local
