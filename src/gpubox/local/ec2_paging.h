#pragma once
/// Describe* helpers: EC2 filters (with * and ? wildcards) and
/// MaxResults/NextToken pagination over a sorted result list.

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/aws/model.h"
#include "gpubox/local/ec2_request.h"

namespace gpubox::local {

/// Shell-style match: '*' any run, '?' one character.
bool GlobMatch(std::string_view pattern, std::string_view text);

/// The values a record has for a filter name; nullopt when the name is not a
/// filter the operation supports.
using FilterValues = std::function<std::optional<std::vector<std::string>>(const std::string&)>;

/// Whether every filter has a value matching one of its patterns. Tag filters
/// ("tag:Name", "tag-key", "tag-value") are answered from `tags`.
bool MatchesFilters(const std::vector<Ec2Filter>& filters, const std::vector<aws::Tag>& tags,
                    const FilterValues& values);
/// Whether `list` (a Describe call's ids or names) holds `value`.
inline bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}
/// An error naming the first filter `values` does not know, if any.
Ec2Result<void> CheckFilterNames(const std::vector<Ec2Filter>& filters, const FilterValues& values);

/// A page of `total` results: [begin, end) and the token for the next page
/// ("" when this is the last).
struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::string next_token;
};

/// Reads MaxResults and NextToken. `default_max` applies without MaxResults
/// (0: everything). Errors: a malformed token, MaxResults out of 1..max_max.
Ec2Result<Page> PageOf(const Ec2Request& request, size_t total, size_t default_max, size_t max_max);

}  // namespace gpubox::local
