#pragma once
/// Validation with one home: every EC2 parameter the local cloud reads is
/// checked here, before anything is stored or launched, with EC2's own error
/// code and status. Two layers, both used by decoding and by tests:
///  - `ParameterRules()`: the table, parameter name pattern (list indexes as
///    N, M) -> kind of value -> rule -> EC2 error code. `ValidateParameters`
///    applies it to every parameter of a request (Ec2Service::Handle does, for
///    every action) and bounds lists and filters;
///  - small typed parsers per kind (ParseCount, ParsePort, ParseProtocol,
///    ParseCidr, ...) that the table and the handlers share, for the checks
///    that need more than one parameter (port ranges per protocol, volume
///    size per volume type) or the service's state.
/// Anything accepted here can be stored and later turned into a firewall,
/// a disk or user data without failing.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/aws/model.h"
#include "gpubox/local/ec2_request.h"

namespace gpubox::local {

/// The kinds of values EC2 parameters hold.
enum class ParamKind {
  kCount,             ///< MinCount, MaxCount
  kVolumeSize,        ///< GiB
  kVolumeType,        ///< standard, gp2, gp3, io1, io2, st1, sc1
  kPort,              ///< -1..65535
  kProtocol,          ///< tcp, udp, icmp, icmpv6, -1/all, or 0..255
  kCidrV4,            ///< a.b.c.d/n
  kCidrV6,            ///< x:x::/n
  kInstanceId,        ///< i- and 8 or 17 hex digits
  kImageId,           ///< ami- and 8 or 17 hex digits
  kGroupId,           ///< sg- and 8 or 17 hex digits
  kKeyPairId,         ///< key- and 17 hex digits
  kVolumeId,          ///< vol- and 8 or 17 hex digits
  kSnapshotId,        ///< snap- and 8 or 17 hex digits
  kName255,           ///< key pair names, group names: 1..255 printable ASCII
  kDescription,       ///< 0..255 characters
  kImageName,         ///< 3..128 of letters, digits ( ) [ ] space . / - ' @ _
  kTagKey,            ///< 1..128 characters, not aws:
  kTagValue,          ///< 0..256 characters
  kUserData,          ///< base64, at most 16 KiB decoded
  kPublicKey,         ///< exactly one OpenSSH public key (base64 of it too)
  kBool,              ///< true, false
  kClientToken,       ///< 1..64 printable ASCII
  kPrice,             ///< a decimal > 0
  kHttpTokens,        ///< optional, required
  kShutdownBehavior,  ///< stop, terminate
  kAttribute,         ///< an instance attribute's name (instanceType, userData, ...)
  kMarketType,        ///< spot
  kInterruption,      ///< stop, terminate
  kSpotType,          ///< one-time, persistent
  kSpotRequestId,     ///< sir- and 8 letters or digits
  kKeyType,           ///< rsa, ed25519
  kKeyFormat,         ///< pem, ppk
  kMaxResults,        ///< positive integer (each operation's range: PageOf)
  kStrategy,          ///< cluster, spread, partition
  kPartitionCount,    ///< 1..7
  kPlacementGroupId,  ///< pg- and 17 hex digits
};

/// One row of the table.
struct ParameterRule {
  std::string_view pattern;  ///< "IpPermissions.N.FromPort": N, M stand for list indexes
  ParamKind kind;
  std::string_view rule;  ///< what is accepted, in words
  std::string_view code;  ///< EC2's error code when it is not
};

/// The validation table (also printed in the closing notes).
const std::vector<ParameterRule>& ParameterRules();

/// Rows that hold for one action only, before the table's (a name two actions read
/// differently: DescribePlacementGroups' GroupId.N is a placement group's id).
struct ActionParameterRule {
  std::string_view action;
  ParameterRule rule;
};
const std::vector<ActionParameterRule>& ActionParameterRules();

/// The row for a parameter name (of `action`: its own rows first), or nullptr (a parameter
/// the table does not know).
const ParameterRule* RuleFor(std::string_view parameter, std::string_view action = "");

/// Checks every parameter of `request` against the table, the list indexes
/// (1..kMaxListIndex), and the bounds on filters (kMaxFilters names,
/// kMaxFilterValues values each) and id lists (kMaxIds).
Ec2Result<void> ValidateParameters(const Ec2Request& request);

inline constexpr int kMaxListIndex = 10000;
inline constexpr size_t kMaxFilters = 50;
inline constexpr size_t kMaxFilterValues = 200;
inline constexpr size_t kMaxIds = 1000;
inline constexpr size_t kMaxUserDataBytes = 16 * 1024;
inline constexpr int kMaxCount = 1000;
inline constexpr size_t kMaxTagsPerResource = 50;

// ---- typed parsers; `name` is the parameter, for the message.
Ec2Result<void> CheckValue(ParamKind kind, std::string_view name, std::string_view value);
Ec2Result<int> ParseCount(std::string_view name, std::string_view value);
Ec2Result<int> ParsePort(std::string_view name, std::string_view value);
/// Canonical protocol: tcp, udp, icmp, icmpv6, -1, or a number 0..255.
Ec2Result<std::string> ParseProtocol(std::string_view value);
/// Canonical CIDR (IPv4 host bits cleared).
Ec2Result<std::string> ParseCidrV4(std::string_view value);
Ec2Result<std::string> ParseCidrV6(std::string_view value);
/// Decoded user data (base64, at most kMaxUserDataBytes).
Ec2Result<std::string> DecodeUserData(std::string_view base64);
/// The GiB range of a volume type; InvalidParameterValue outside it.
Ec2Result<void> CheckVolumeSize(std::string_view volume_type, int gib);
/// A permission as stored: protocol canonical, ports checked for the
/// protocol, CIDRs canonical. Group references are the caller's to resolve.
Ec2Result<aws::IpPermission> NormalizePermission(aws::IpPermission permission);
/// Tags: keys and values within EC2's lengths, at most kMaxTagsPerResource.
Ec2Result<void> CheckTags(const std::vector<aws::Tag>& tags);

/// DryRun=true: EC2's answer once the request is valid (412, DryRunOperation).
Ec2Error DryRunSucceeded();

}  // namespace gpubox::local
