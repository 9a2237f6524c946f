#include "gpubox/local/ec2_paging.h"

#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr std::string_view kTokenPrefix = "gpbx-";

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

std::optional<std::vector<std::string>> TagValues(const std::string& name,
                                                  const std::vector<aws::Tag>& tags) {
  std::vector<std::string> values;
  if (name.starts_with("tag:")) {
    std::string key = name.substr(4);
    for (const aws::Tag& tag : tags) {
      if (tag.key == key) values.push_back(tag.value);
    }
    return values;
  }
  if (name == "tag-key" || name == "tag-value") {
    for (const aws::Tag& tag : tags) values.push_back(name == "tag-key" ? tag.key : tag.value);
    return values;
  }
  return std::nullopt;
}

}  // namespace

bool MatchesFilters(const std::vector<Ec2Filter>& filters, const std::vector<aws::Tag>& tags,
                    const FilterValues& values) {
  for (const Ec2Filter& filter : filters) {
    auto have = TagValues(filter.name, tags);
    if (!have) have = values(filter.name);
    if (!have) continue;  // CheckFilterNames reported it
    bool matched = false;
    for (const std::string& pattern : filter.values) {
      for (const std::string& value : *have) {
        if (GlobMatch(pattern, value)) matched = true;
      }
    }
    if (!matched) return false;
  }
  return true;
}

Ec2Result<void> CheckFilterNames(const std::vector<Ec2Filter>& filters,
                                 const FilterValues& values) {
  for (const Ec2Filter& filter : filters) {
    if (TagValues(filter.name, {})) continue;
    if (!values(filter.name)) {
      return std::unexpected(
          Ec2Error{400, "InvalidParameterValue", "The filter '" + filter.name + "' is invalid"});
    }
  }
  return {};
}

Ec2Result<Page> PageOf(const Ec2Request& request, size_t total, size_t default_max,
                       size_t max_max) {
  size_t start = 0;
  if (const std::string& token = request.Get("NextToken"); !token.empty()) {
    auto offset = token.starts_with(kTokenPrefix)
                      ? ParseInt(std::string_view(token).substr(kTokenPrefix.size()))
                      : std::nullopt;
    if (!offset || *offset < 0) {
      return std::unexpected(
          Ec2Error{400, "InvalidNextToken", "The specified token is invalid: " + token});
    }
    start = static_cast<size_t>(*offset);
  }
  size_t limit = default_max;
  if (request.Has("MaxResults")) {
    auto max = ParseInt(request.Get("MaxResults"));
    if (!max || *max < 1 || static_cast<size_t>(*max) > max_max) {
      return std::unexpected(
          InvalidParameter("Value ( " + request.Get("MaxResults") +
                           " ) for parameter maxResults is invalid. Expecting a value between 1 "
                           "and " +
                           std::to_string(max_max) + "."));
    }
    limit = static_cast<size_t>(*max);
  }
  Page page;
  page.begin = std::min(start, total);
  page.end = limit == 0 ? total : std::min(total, page.begin + limit);
  page.next_token = page.end < total ? std::string(kTokenPrefix) + std::to_string(page.end) : "";
  return page;
}

}  // namespace gpubox::local
