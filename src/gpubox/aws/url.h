#pragma once
/// Splitting an absolute URL the way Python's urlsplit does (what botocore
/// signs over).

#include <optional>
#include <string>
#include <string_view>

#include "gpubox/util/result.h"

namespace gpubox::aws {

struct Url {
  std::string scheme;  ///< lower-case: "https"
  std::string host;    ///< lower-case; IPv6 without brackets
  std::optional<int> port;
  std::string path;   ///< raw, may be empty
  std::string query;  ///< raw, without '?'

  /// "host" or "host:port" when the port is not the scheme's default;
  /// IPv6 hosts in brackets. What a Host header carries.
  std::string HostHeader() const;
};

/// kUsage when the text has no "scheme://" or a bad port.
Result<Url> ParseUrl(std::string_view text);

}  // namespace gpubox::aws
