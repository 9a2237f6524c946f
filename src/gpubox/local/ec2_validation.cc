#include "gpubox/local/ec2_validation.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>

#include "gpubox/aws/crypto.h"
#include "gpubox/local/key_material.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr std::string_view kInvalid = "InvalidParameterValue";

/// At most 64 characters of a value, for messages.
std::string Shown(std::string_view value) {
  return value.size() <= 64 ? std::string(value) : std::string(value.substr(0, 64)) + "...";
}

Ec2Error Invalid(std::string_view name, std::string_view value, std::string_view expected) {
  return {400, std::string(kInvalid),
          "Value (" + Shown(value) + ") for parameter " + std::string(name) + " is invalid. " +
              std::string(expected)};
}

Ec2Error Error(std::string_view code, std::string message) {
  return {400, std::string(code), std::move(message)};
}

bool IsHex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

bool PrintableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

/// UTF-8 characters in `text` (bytes that are not continuation bytes).
size_t Characters(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool HasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Ec2Result<void> CheckResourceId(std::string_view value, std::string_view prefix,
                                std::string_view code) {
  std::string_view digits = value.substr(std::min(value.size(), prefix.size()));
  if (!value.starts_with(prefix) || (digits.size() != 8 && digits.size() != 17) || !IsHex(digits)) {
    return std::unexpected(Error(code, "Invalid id: \"" + Shown(value) + "\" (expecting \"" +
                                           std::string(prefix) + "...\")"));
  }
  return {};
}

Ec2Result<void> OneOf(std::string_view name, std::string_view value,
                      std::initializer_list<std::string_view> allowed) {
  for (std::string_view choice : allowed) {
    if (value == choice) return {};
  }
  std::string expected = "Expected: ";
  for (std::string_view choice : allowed) expected += "'" + std::string(choice) + "', ";
  expected.resize(expected.size() - 2);
  return std::unexpected(Invalid(name, value, expected + "."));
}

const std::vector<ParameterRule> kRules = {
    {"MinCount", ParamKind::kCount, "integer 1..1000, MinCount <= MaxCount", kInvalid},
    {"MaxCount", ParamKind::kCount, "integer 1..1000, MinCount <= MaxCount", kInvalid},
    {"InstanceType", ParamKind::kName255,
     "a type of the catalog offered in the request's region (else Unsupported)", kInvalid},
    {"Placement.AvailabilityZone", ParamKind::kName255, "a zone of the request's region", kInvalid},
    {"BlockDeviceMapping.N.Ebs.VolumeSize", ParamKind::kVolumeSize,
     "integer GiB in the type's range (gp2/gp3 1-16384, io1 4-16384, io2 4-65536, st1/sc1 "
     "125-16384, standard 1-1024); not below the image's snapshot (InvalidBlockDeviceMapping)",
     kInvalid},
    {"BlockDeviceMapping.N.Ebs.VolumeType", ParamKind::kVolumeType,
     "standard, gp2, gp3, io1, io2, st1, sc1", kInvalid},
    {"BlockDeviceMapping.N.Ebs.DeleteOnTermination", ParamKind::kBool, "true or false", kInvalid},
    {"BlockDeviceMapping.N.DeviceName", ParamKind::kName255, "1..255 printable ASCII", kInvalid},
    {"UserData", ParamKind::kUserData,
     "base64 (InvalidUserData.Malformed); at most 16384 bytes decoded (InvalidParameterValue)",
     "InvalidUserData.Malformed"},
    {"ClientToken", ParamKind::kClientToken, "1..64 printable ASCII", kInvalid},
    {"KeyName", ParamKind::kName255, "1..255 printable ASCII", kInvalid},
    {"KeyName.N", ParamKind::kName255, "1..255 printable ASCII", kInvalid},
    {"KeyType", ParamKind::kKeyType, "rsa or ed25519", kInvalid},
    {"KeyFormat", ParamKind::kKeyFormat, "pem or ppk", kInvalid},
    {"KeyPairId", ParamKind::kKeyPairId, "key- and 17 hex digits", "InvalidKeyPair.Malformed"},
    {"KeyPairId.N", ParamKind::kKeyPairId, "key- and 17 hex digits", "InvalidKeyPair.Malformed"},
    {"PublicKeyMaterial", ParamKind::kPublicKey,
     "exactly one OpenSSH public key (ssh-rsa or ssh-ed25519), as text or its base64",
     "InvalidKey.Format"},
    {"InstanceId", ParamKind::kInstanceId, "i- and 8 or 17 hex digits",
     "InvalidInstanceID.Malformed"},
    {"InstanceId.N", ParamKind::kInstanceId, "i- and 8 or 17 hex digits",
     "InvalidInstanceID.Malformed"},
    {"ImageId", ParamKind::kImageId, "ami- and 8 or 17 hex digits", "InvalidAMIID.Malformed"},
    {"ImageId.N", ParamKind::kImageId, "ami- and 8 or 17 hex digits", "InvalidAMIID.Malformed"},
    {"VolumeId", ParamKind::kVolumeId, "vol- and 8 or 17 hex digits", "InvalidVolumeID.Malformed"},
    {"VolumeId.N", ParamKind::kVolumeId, "vol- and 8 or 17 hex digits",
     "InvalidVolumeID.Malformed"},
    {"SnapshotId", ParamKind::kSnapshotId, "snap- and 8 or 17 hex digits",
     "InvalidSnapshotID.Malformed"},
    {"SnapshotId.N", ParamKind::kSnapshotId, "snap- and 8 or 17 hex digits",
     "InvalidSnapshotID.Malformed"},
    {"Name", ParamKind::kImageName,
     "3..128 of letters, digits, ( ) [ ] space . / - ' @ _ (image names)",
     "InvalidAMIName.Malformed"},
    {"Description", ParamKind::kDescription, "at most 255 characters, no control characters",
     kInvalid},
    {"GroupId", ParamKind::kGroupId, "sg- and 8 or 17 hex digits", "InvalidGroupId.Malformed"},
    {"GroupId.N", ParamKind::kGroupId, "sg- and 8 or 17 hex digits", "InvalidGroupId.Malformed"},
    {"SecurityGroupId.N", ParamKind::kGroupId, "sg- and 8 or 17 hex digits",
     "InvalidGroupId.Malformed"},
    {"GroupName", ParamKind::kName255, "1..255 printable ASCII", kInvalid},
    {"GroupName.N", ParamKind::kName255, "1..255 printable ASCII", kInvalid},
    {"SecurityGroup.N", ParamKind::kName255, "1..255 printable ASCII", kInvalid},
    {"GroupDescription", ParamKind::kDescription, "at most 255 characters, no control characters",
     kInvalid},
    {"IpProtocol", ParamKind::kProtocol, "tcp, udp, icmp, icmpv6, -1/all, or a number 0..255",
     kInvalid},
    {"IpPermissions.N.IpProtocol", ParamKind::kProtocol,
     "tcp, udp, icmp, icmpv6, -1/all, or a number 0..255", kInvalid},
    {"FromPort", ParamKind::kPort,
     "-1..65535; tcp/udp: both ports, from <= to; icmp: type and code -1..255", kInvalid},
    {"ToPort", ParamKind::kPort,
     "-1..65535; tcp/udp: both ports, from <= to; icmp: type and code -1..255", kInvalid},
    {"IpPermissions.N.FromPort", ParamKind::kPort,
     "-1..65535; tcp/udp: both ports, from <= to; icmp: type and code -1..255", kInvalid},
    {"IpPermissions.N.ToPort", ParamKind::kPort,
     "-1..65535; tcp/udp: both ports, from <= to; icmp: type and code -1..255", kInvalid},
    {"CidrIp", ParamKind::kCidrV4, "a.b.c.d/0..32 (host bits cleared when stored)", kInvalid},
    {"IpPermissions.N.IpRanges.N.CidrIp", ParamKind::kCidrV4,
     "a.b.c.d/0..32 (host bits cleared when stored)", kInvalid},
    {"IpPermissions.N.Ipv6Ranges.N.CidrIpv6", ParamKind::kCidrV6,
     "an IPv6 network/0..128, no host bits", kInvalid},
    {"IpPermissions.N.IpRanges.N.Description", ParamKind::kDescription, "at most 255 characters",
     kInvalid},
    {"IpPermissions.N.Ipv6Ranges.N.Description", ParamKind::kDescription, "at most 255 characters",
     kInvalid},
    {"IpPermissions.N.Groups.N.GroupId", ParamKind::kGroupId,
     "sg- and 8 or 17 hex digits, a group of the region (InvalidGroup.NotFound)",
     "InvalidGroupId.Malformed"},
    {"IpPermissions.N.Groups.N.GroupName", ParamKind::kName255,
     "a group of the region (InvalidGroup.NotFound)", kInvalid},
    {"IpPermissions.N.Groups.N.Description", ParamKind::kDescription, "at most 255 characters",
     kInvalid},
    {"Tag.N.Key", ParamKind::kTagKey, "1..128 characters, not starting with aws:; <= 50 tags",
     kInvalid},
    {"Tag.N.Value", ParamKind::kTagValue, "0..256 characters", kInvalid},
    {"TagSpecification.N.Tag.N.Key", ParamKind::kTagKey,
     "1..128 characters, not starting with aws:; <= 50 tags", kInvalid},
    {"TagSpecification.N.Tag.N.Value", ParamKind::kTagValue, "0..256 characters", kInvalid},
    {"InstanceMarketOptions.MarketType", ParamKind::kMarketType, "spot", kInvalid},
    {"InstanceMarketOptions.SpotOptions.MaxPrice", ParamKind::kPrice, "a decimal > 0", kInvalid},
    {"InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior", ParamKind::kInterruption,
     "stop or terminate", kInvalid},
    {"InstanceMarketOptions.SpotOptions.SpotInstanceType", ParamKind::kSpotType,
     "one-time or persistent", kInvalid},
    {"SpotInstanceRequestId.N", ParamKind::kSpotRequestId, "sir- and 8 letters or digits",
     "InvalidSpotInstanceRequestID.Malformed"},
    {"MetadataOptions.HttpTokens", ParamKind::kHttpTokens, "optional or required", kInvalid},
    {"InstanceInitiatedShutdownBehavior", ParamKind::kShutdownBehavior, "stop or terminate",
     kInvalid},
    {"InstanceInitiatedShutdownBehavior.Value", ParamKind::kShutdownBehavior, "stop or terminate",
     kInvalid},
    {"Attribute", ParamKind::kAttribute,
     "an instance attribute: instanceType, kernel, ramdisk, userData, disableApiTermination, "
     "instanceInitiatedShutdownBehavior, rootDeviceName, blockDeviceMapping, productCodes, "
     "sourceDestCheck, groupSet, ebsOptimized, sriovNetSupport, enaSupport, enclaveOptions, "
     "disableApiStop",
     kInvalid},
    {"DryRun", ParamKind::kBool, "true or false", kInvalid},
    {"IncludePublicKey", ParamKind::kBool, "true or false", kInvalid},
    {"IncludeAllInstances", ParamKind::kBool, "true or false", kInvalid},
    {"MaxResults", ParamKind::kMaxResults,
     "an integer in the operation's range (DescribeInstances 5..1000, ...)", kInvalid},
    {"Strategy", ParamKind::kStrategy, "cluster, spread or partition", kInvalid},
    {"PartitionCount", ParamKind::kPartitionCount, "integer 1..7 (strategy partition)", kInvalid},
    {"Placement.GroupName", ParamKind::kName255,
     "a placement group of the region (InvalidPlacementGroup.Unknown)", kInvalid},
};

const std::vector<ActionParameterRule> kActionRules = {
    {"DescribePlacementGroups",
     {"GroupId.N", ParamKind::kPlacementGroupId, "pg- and 17 hex digits",
      "InvalidPlacementGroupId.Malformed"}},
};

/// "IpPermissions.3.IpRanges.1.CidrIp" -> "IpPermissions.N.IpRanges.N.CidrIp",
/// or nullopt when an index is not 1..kMaxListIndex.
std::optional<std::string> Pattern(std::string_view name) {
  std::string out;
  for (std::string_view segment : Split(name, '.')) {
    if (!out.empty()) out += '.';
    bool digits = !segment.empty() && std::all_of(segment.begin(), segment.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) {
      out += segment;
      continue;
    }
    if (segment.size() > 5) return std::nullopt;
    auto index = ParseInt(segment);
    if (!index || *index < 1 || *index > kMaxListIndex) return std::nullopt;
    out += 'N';
  }
  return out;
}

}  // namespace

const std::vector<ParameterRule>& ParameterRules() { return kRules; }

const std::vector<ActionParameterRule>& ActionParameterRules() { return kActionRules; }

const ParameterRule* RuleFor(std::string_view parameter, std::string_view action) {
  auto pattern = Pattern(parameter);
  if (!pattern) return nullptr;
  for (const ActionParameterRule& row : kActionRules) {
    if (row.action == action && row.rule.pattern == *pattern) return &row.rule;
  }
  for (const ParameterRule& rule : kRules) {
    if (rule.pattern == *pattern) return &rule;
  }
  return nullptr;
}

Ec2Result<int> ParseCount(std::string_view name, std::string_view value) {
  auto number = ParseInt(value);
  if (!number || *number < 1 || *number > kMaxCount) {
    return std::unexpected(Invalid(name, value, "Expecting an integer from 1 to 1000."));
  }
  return static_cast<int>(*number);
}

Ec2Result<int> ParsePort(std::string_view name, std::string_view value) {
  auto number = ParseInt(value);
  if (!number || *number < -1 || *number > 65535) {
    return std::unexpected(Invalid(name, value, "Expecting -1 or a port from 0 to 65535."));
  }
  return static_cast<int>(*number);
}

Ec2Result<std::string> ParseProtocol(std::string_view value) {
  std::string protocol = ToLower(value);
  if (protocol == "6") return std::string("tcp");
  if (protocol == "17") return std::string("udp");
  if (protocol == "1") return std::string("icmp");
  if (protocol == "58") return std::string("icmpv6");
  if (protocol == "all" || protocol == "-1") return std::string("-1");
  if (protocol == "tcp" || protocol == "udp" || protocol == "icmp" || protocol == "icmpv6") {
    return protocol;
  }
  auto number = ParseInt(protocol);
  if (number && *number >= 0 && *number <= 255 && protocol.size() <= 3) {
    return std::to_string(*number);
  }
  return std::unexpected(
      Error(kInvalid, "Invalid value '" + Shown(value) + "' for IP protocol. Unknown protocol."));
}

Ec2Result<std::string> ParseCidrV4(std::string_view value) {
  auto malformed = [&] {
    return std::unexpected(Error(kInvalid, "CIDR block " + Shown(value) + " is malformed"));
  };
  size_t slash = value.find('/');
  if (slash == std::string_view::npos) return malformed();
  std::string_view address = value.substr(0, slash);
  std::string_view length_text = value.substr(slash + 1);
  auto length = ParseInt(length_text);
  if (!length || *length < 0 || *length > 32 || length_text.size() > 2) return malformed();
  auto parts = Split(address, '.');
  if (parts.size() != 4) return malformed();
  uint32_t bits = 0;
  for (std::string_view part : parts) {
    auto octet = ParseInt(part);
    if (part.empty() || part.size() > 3 || !octet || *octet < 0 || *octet > 255 ||
        (part.size() > 1 && part[0] == '0')) {
      return malformed();
    }
    bits = (bits << 8) | static_cast<uint32_t>(*octet);
  }
  uint32_t mask = *length == 0 ? 0 : ~uint32_t{0} << (32 - *length);
  bits &= mask;
  return std::to_string(bits >> 24) + "." + std::to_string((bits >> 16) & 0xff) + "." +
         std::to_string((bits >> 8) & 0xff) + "." + std::to_string(bits & 0xff) + "/" +
         std::to_string(*length);
}

Ec2Result<std::string> ParseCidrV6(std::string_view value) {
  auto malformed = [&] {
    return std::unexpected(Error(kInvalid, "CIDR block " + Shown(value) + " is malformed"));
  };
  size_t slash = value.find('/');
  if (slash == std::string_view::npos || value.size() > 64) return malformed();
  std::string address(value.substr(0, slash));
  std::string_view length_text = value.substr(slash + 1);
  auto length = ParseInt(length_text);
  if (!length || *length < 0 || *length > 128 || length_text.size() > 3) return malformed();
  unsigned char bytes[16];
  if (inet_pton(AF_INET6, address.c_str(), bytes) != 1) return malformed();
  for (int bit = static_cast<int>(*length); bit < 128; ++bit) {
    if (bytes[bit / 8] & (0x80 >> (bit % 8))) return malformed();  // host bits set
  }
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, bytes, text, sizeof text);
  return std::string(text) + "/" + std::to_string(*length);
}

Ec2Result<std::string> DecodeUserData(std::string_view base64) {
  auto decoded = aws::Base64Decode(base64);
  if (!decoded) {
    return std::unexpected(
        Error("InvalidUserData.Malformed", "Invalid BASE64 encoding of user data."));
  }
  if (decoded->size() > kMaxUserDataBytes) {
    return std::unexpected(Error(kInvalid, "User data is limited to 16384 bytes"));
  }
  return std::move(*decoded);
}

Ec2Result<void> CheckVolumeSize(std::string_view volume_type, int gib) {
  int low = 1, high = 16384;
  if (volume_type == "io1") low = 4;
  if (volume_type == "io2") low = 4, high = 65536;
  if (volume_type == "st1" || volume_type == "sc1") low = 125;
  if (volume_type == "standard") high = 1024;
  if (gib < low || gib > high) {
    return std::unexpected(Error(
        kInvalid, "Volume of " + std::to_string(gib) + " GiB is out of range for volume type " +
                      std::string(volume_type.empty() ? "gp3" : volume_type) + " (" +
                      std::to_string(low) + " to " + std::to_string(high) + " GiB)."));
  }
  return {};
}

Ec2Result<aws::IpPermission> NormalizePermission(aws::IpPermission permission) {
  permission.ip_protocol = GPUBOX_TRY(ParseProtocol(permission.ip_protocol));
  const std::string& protocol = permission.ip_protocol;
  auto range = [&](int low, int high) {
    for (const auto& port : {permission.from_port, permission.to_port}) {
      if (port && (*port < low || *port > high)) return false;
    }
    return true;
  };
  if (protocol == "tcp" || protocol == "udp") {
    if (!permission.from_port || !permission.to_port) {
      return std::unexpected(Error(kInvalid,
                                   "Invalid value 'Must specify both from and to ports with "
                                   "TCP/UDP.' for portRange."));
    }
    bool all = *permission.from_port == -1 && *permission.to_port == -1;
    if (!all && (!range(0, 65535) || *permission.from_port > *permission.to_port)) {
      return std::unexpected(
          Error(kInvalid, "Invalid TCP/UDP port range: " + std::to_string(*permission.from_port) +
                              " to " + std::to_string(*permission.to_port) + "."));
    }
  } else if (protocol == "icmp" || protocol == "icmpv6") {
    if (!range(-1, 255)) {
      return std::unexpected(Error(kInvalid, "Invalid ICMP type or code: expecting -1 to 255."));
    }
  }
  for (aws::IpRange& cidr : permission.ip_ranges)
    cidr.cidr_ip = GPUBOX_TRY(ParseCidrV4(cidr.cidr_ip));
  for (aws::Ipv6Range& cidr : permission.ipv6_ranges) {
    cidr.cidr_ipv6 = GPUBOX_TRY(ParseCidrV6(cidr.cidr_ipv6));
  }
  return permission;
}

Ec2Result<void> CheckTags(const std::vector<aws::Tag>& tags) {
  if (tags.size() > kMaxTagsPerResource) {
    return std::unexpected(Error("TagLimitExceeded", "The maximum number of tags per resource (" +
                                                         std::to_string(kMaxTagsPerResource) +
                                                         ") has been exceeded."));
  }
  for (const aws::Tag& tag : tags) {
    GPUBOX_TRY_VOID(CheckValue(ParamKind::kTagKey, "Tag.Key", tag.key));
    GPUBOX_TRY_VOID(CheckValue(ParamKind::kTagValue, "Tag.Value", tag.value));
  }
  return {};
}

Ec2Result<void> CheckValue(ParamKind kind, std::string_view name, std::string_view value) {
  auto fail = [&](std::string_view expected) {
    return std::unexpected(Invalid(name, value, expected));
  };
  switch (kind) {
    case ParamKind::kCount:
      GPUBOX_TRY_VOID(ParseCount(name, value));
      return {};
    case ParamKind::kVolumeSize: {
      auto gib = ParseInt(value);
      if (!gib || *gib < 1 || *gib > 65536) return fail("Expecting a size in GiB.");
      return {};
    }
    case ParamKind::kVolumeType:
      return OneOf(name, value, {"standard", "io1", "io2", "gp2", "sc1", "st1", "gp3"});
    case ParamKind::kPort:
      GPUBOX_TRY_VOID(ParsePort(name, value));
      return {};
    case ParamKind::kProtocol:
      GPUBOX_TRY_VOID(ParseProtocol(value));
      return {};
    case ParamKind::kCidrV4:
      GPUBOX_TRY_VOID(ParseCidrV4(value));
      return {};
    case ParamKind::kCidrV6:
      GPUBOX_TRY_VOID(ParseCidrV6(value));
      return {};
    case ParamKind::kInstanceId:
      return CheckResourceId(value, "i-", "InvalidInstanceID.Malformed");
    case ParamKind::kImageId:
      return CheckResourceId(value, "ami-", "InvalidAMIID.Malformed");
    case ParamKind::kGroupId:
      return CheckResourceId(value, "sg-", "InvalidGroupId.Malformed");
    case ParamKind::kKeyPairId:
      return CheckResourceId(value, "key-", "InvalidKeyPair.Malformed");
    case ParamKind::kVolumeId:
      return CheckResourceId(value, "vol-", "InvalidVolumeID.Malformed");
    case ParamKind::kSnapshotId:
      return CheckResourceId(value, "snap-", "InvalidSnapshotID.Malformed");
    case ParamKind::kName255:
      if (value.empty() || value.size() > 255 || !PrintableAscii(value)) {
        return fail("Expecting 1 to 255 printable ASCII characters.");
      }
      return {};
    case ParamKind::kDescription:
      if (Characters(value) > 255 || HasControl(value)) {
        return fail("Expecting at most 255 characters and no control characters.");
      }
      return {};
    case ParamKind::kImageName: {
      bool ok = value.size() >= 3 && value.size() <= 128 &&
                std::all_of(value.begin(), value.end(), [](char c) {
                  return std::isalnum(static_cast<unsigned char>(c)) ||
                         std::string_view("()[] ./-'@_").find(c) != std::string_view::npos;
                });
      if (!ok) {
        return std::unexpected(
            Error("InvalidAMIName.Malformed",
                  "AMI names must be between 3 and 128 characters long, and may contain letters, "
                  "numbers, '(', ')', '[', ']', ' ', '.', '/', '-', ''', '@' and '_'"));
      }
      return {};
    }
    case ParamKind::kTagKey:
      if (value.empty() || Characters(value) > 128 || HasControl(value)) {
        return fail("Tag keys are 1 to 128 characters, without control characters.");
      }
      if (value.starts_with("aws:")) return fail("Tag keys starting with 'aws:' are reserved.");
      return {};
    case ParamKind::kTagValue:
      if (Characters(value) > 256 || HasControl(value)) {
        return fail("Tag values are at most 256 characters, without control characters.");
      }
      return {};
    case ParamKind::kUserData:
      GPUBOX_TRY_VOID(DecodeUserData(value));
      return {};
    case ParamKind::kPublicKey: {
      auto bad = [] {
        return std::unexpected(
            Error("InvalidKey.Format", "Key is not in valid OpenSSH public key format"));
      };
      auto decoded = aws::Base64Decode(value);
      std::string text = decoded && decoded->starts_with("ssh-") ? *decoded : std::string(value);
      std::string_view line = Trim(text);
      if (line.find_first_of("\r\n") != std::string_view::npos || HasControl(line)) return bad();
      if (!ParsePublicKey(line)) return bad();
      return {};
    }
    case ParamKind::kBool:
      if (!EqualsIgnoreCase(value, "true") && !EqualsIgnoreCase(value, "false")) {
        return fail("Expecting true or false.");
      }
      return {};
    case ParamKind::kClientToken:
      if (value.empty() || value.size() > 64 || !PrintableAscii(value)) {
        return fail("Expecting 1 to 64 printable ASCII characters.");
      }
      return {};
    case ParamKind::kPrice: {
      auto price = ParseDouble(value);
      if (!price || !(*price > 0) || *price > 1e6) return fail("Expecting a price above 0.");
      return {};
    }
    case ParamKind::kHttpTokens:
      return OneOf(name, value, {"optional", "required"});
    case ParamKind::kShutdownBehavior:
      return OneOf(name, value, {"stop", "terminate"});
    case ParamKind::kAttribute:
      return OneOf(name, value,
                   {"instanceType", "kernel", "ramdisk", "userData", "disableApiTermination",
                    "instanceInitiatedShutdownBehavior", "rootDeviceName", "blockDeviceMapping",
                    "productCodes", "sourceDestCheck", "groupSet", "ebsOptimized",
                    "sriovNetSupport", "enaSupport", "enclaveOptions", "disableApiStop"});
    case ParamKind::kMarketType:
      return OneOf(name, value, {"spot"});
    case ParamKind::kInterruption:
      return OneOf(name, value, {"stop", "terminate"});
    case ParamKind::kSpotType:
      return OneOf(name, value, {"one-time", "persistent"});
    case ParamKind::kSpotRequestId: {
      std::string_view rest = value.substr(std::min<size_t>(value.size(), 4));
      bool ok = value.starts_with("sir-") && rest.size() == 8 &&
                std::all_of(rest.begin(), rest.end(), [](char c) {
                  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
                });
      if (!ok) {
        return std::unexpected(
            Error("InvalidSpotInstanceRequestID.Malformed",
                  "Invalid id: \"" + Shown(value) + "\" (expecting \"sir-...\")"));
      }
      return {};
    }
    case ParamKind::kKeyType:
      return OneOf(name, value, {"rsa", "ed25519"});
    case ParamKind::kKeyFormat:
      return OneOf(name, value, {"pem", "ppk"});
    case ParamKind::kStrategy:
      return OneOf(name, value, {"cluster", "spread", "partition"});
    case ParamKind::kPartitionCount: {
      auto number = ParseInt(value);
      if (!number || *number < 1 || *number > 7) return fail("Expecting an integer from 1 to 7.");
      return {};
    }
    case ParamKind::kPlacementGroupId: {
      std::string_view digits = value.substr(std::min<size_t>(value.size(), 3));
      if (!value.starts_with("pg-") || digits.size() != 17 || !IsHex(digits)) {
        return std::unexpected(
            Error("InvalidPlacementGroupId.Malformed",
                  "Invalid id: \"" + Shown(value) + "\" (expecting \"pg-...\")"));
      }
      return {};
    }
    case ParamKind::kMaxResults: {
      auto number = ParseInt(value);
      if (!number || *number < 1 || *number > 100000) return fail("Expecting a positive integer.");
      return {};
    }
  }
  return {};
}

Ec2Result<void> ValidateParameters(const Ec2Request& request) {
  size_t filters = 0;
  std::map<std::string, size_t> list_sizes;
  for (const auto& [name, value] : request.params) {
    if (!IsValidUtf8(name) || !IsValidUtf8(value)) {
      // EC2 takes text as UTF-8; what is not UTF-8 is never stored (its JSON could not be).
      return std::unexpected(
          Error(kInvalid, "The parameter " + Shown(name) + " is not valid UTF-8 text."));
    }
    auto pattern = Pattern(name);
    if (!pattern) {
      return std::unexpected(Error(kInvalid, "The list index in parameter " + Shown(name) +
                                                 " is out of range (1.." +
                                                 std::to_string(kMaxListIndex) + ")."));
    }
    if (*pattern == "Filter.N.Name") ++filters;
    if (pattern->ends_with(".N")) ++list_sizes[name.substr(0, name.rfind('.'))];
    if (const ParameterRule* rule = RuleFor(name, request.action)) {
      GPUBOX_TRY_VOID(CheckValue(rule->kind, name, value));
    }
  }
  if (filters > kMaxFilters) {
    return std::unexpected(Error(
        "FilterLimitExceeded",
        "The maximum number of filters (" + std::to_string(kMaxFilters) + ") has been exceeded."));
  }
  for (const auto& [list, size] : list_sizes) {
    bool filter_values = list.starts_with("Filter.") && list.ends_with(".Value");
    size_t limit = filter_values ? kMaxFilterValues : kMaxIds;
    if (size > limit) {
      return std::unexpected(Error(
          filter_values ? "FilterLimitExceeded" : kInvalid,
          "The list " + Shown(list) + " has more than " + std::to_string(limit) + " members."));
    }
  }
  if (request.Has("MinCount") && request.Has("MaxCount")) {
    int min = *ParseInt(request.Get("MinCount"));
    int max = *ParseInt(request.Get("MaxCount"));
    if (min > max) {
      return std::unexpected(
          Error(kInvalid, "Value (" + std::to_string(max) +
                              ") for parameter maxCount is invalid. Expecting a value greater "
                              "than or equal to minCount (" +
                              std::to_string(min) + ")."));
    }
  }
  return {};
}

Ec2Error DryRunSucceeded() {
  return {412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."};
}

}  // namespace gpubox::local
