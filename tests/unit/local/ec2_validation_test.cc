#include "gpubox/local/ec2_validation.h"

#include <gtest/gtest.h>

namespace gpubox::local {
namespace {

std::string CodeOf(const Ec2Result<void>& result) { return result ? "" : result.error().code; }

Ec2Request RequestWith(std::map<std::string, std::string> params) {
  return {"Any", "us-east-1", "req", std::move(params)};
}

TEST(Ec2ValidationTest, EveryTableRowNamesAKnownCodeAndIsFoundByItsPattern) {
  for (const ParameterRule& rule : ParameterRules()) {
    EXPECT_FALSE(rule.rule.empty()) << rule.pattern;
    EXPECT_FALSE(rule.code.empty()) << rule.pattern;
    std::string concrete(rule.pattern);
    for (size_t at; (at = concrete.find(".N")) != std::string::npos;) concrete.replace(at, 2, ".7");
    ASSERT_NE(RuleFor(concrete), nullptr) << concrete;
    EXPECT_EQ(RuleFor(concrete)->pattern, rule.pattern);
  }
  EXPECT_EQ(RuleFor("IpPermissions.0.FromPort"), nullptr);
  EXPECT_EQ(RuleFor("Unknown"), nullptr);
}

TEST(Ec2ValidationTest, CountsPortsAndProtocols) {
  EXPECT_EQ(*ParseCount("MinCount", "3"), 3);
  for (const char* bad : {"0", "-1", "abc", "1001", "", "2x", "99999999999999999999"}) {
    EXPECT_EQ(ParseCount("MinCount", bad).error().code, "InvalidParameterValue") << bad;
  }
  EXPECT_EQ(*ParsePort("FromPort", "-1"), -1);
  EXPECT_EQ(*ParsePort("FromPort", "65535"), 65535);
  for (const char* bad : {"65536", "-2", "22a", ""}) EXPECT_FALSE(ParsePort("ToPort", bad));
  EXPECT_EQ(*ParseProtocol("TCP"), "tcp");
  EXPECT_EQ(*ParseProtocol("6"), "tcp");
  EXPECT_EQ(*ParseProtocol("all"), "-1");
  EXPECT_EQ(*ParseProtocol("47"), "47");
  for (const char* bad : {"256", "gre ", "tcp;drop", "0047", ""}) EXPECT_FALSE(ParseProtocol(bad));
}

TEST(Ec2ValidationTest, CidrsAreStrictAndStoredCanonical) {
  EXPECT_EQ(*ParseCidrV4("10.1.2.3/8"), "10.0.0.0/8");
  EXPECT_EQ(*ParseCidrV4("0.0.0.0/0"), "0.0.0.0/0");
  for (const char* bad : {"10.0.0.0", "10.0.0/8", "10.0.0.256/32", "10.0.0.1/33", "a.b.c.d/1",
                          "1.2.3.4/8 }", "01.2.3.4/8", "1.2.3.4/-1"}) {
    EXPECT_EQ(ParseCidrV4(bad).error().code, "InvalidParameterValue") << bad;
  }
  EXPECT_EQ(*ParseCidrV6("2001:db8::/32"), "2001:db8::/32");
  EXPECT_FALSE(ParseCidrV6("2001:db8::1/32"));  // host bits
  EXPECT_FALSE(ParseCidrV6("::/129"));
}

TEST(Ec2ValidationTest, PermissionsThatNoFirewallCouldExpressAreRefused) {
  aws::IpPermission ssh;
  ssh.ip_protocol = "6";
  ssh.from_port = 22;
  ssh.to_port = 22;
  ssh.ip_ranges.push_back({"192.168.1.7/24", std::nullopt});
  auto normal = NormalizePermission(ssh);
  ASSERT_TRUE(normal);
  EXPECT_EQ(normal->ip_protocol, "tcp");
  EXPECT_EQ(normal->ip_ranges[0].cidr_ip, "192.168.1.0/24");
  aws::IpPermission reversed = ssh;
  reversed.from_port = 30;
  reversed.to_port = 20;
  EXPECT_FALSE(NormalizePermission(reversed));
  aws::IpPermission no_ports = ssh;
  no_ports.to_port.reset();
  EXPECT_FALSE(NormalizePermission(no_ports));
  aws::IpPermission icmp;
  icmp.ip_protocol = "icmp";
  icmp.from_port = 300;
  EXPECT_FALSE(NormalizePermission(icmp));
}

TEST(Ec2ValidationTest, UserDataKeysTagsAndIds) {
  EXPECT_EQ(*DecodeUserData("aGk="), "hi");
  EXPECT_EQ(DecodeUserData("not base64!").error().code, "InvalidUserData.Malformed");
  EXPECT_TRUE(DecodeUserData(std::string(16 * 1024 / 3 * 4, 'A')));  // 16383 bytes decoded
  std::string too_big((16 * 1024 + 3) / 3 * 4 + 4, 'A');                // 16389 bytes decoded
  EXPECT_EQ(DecodeUserData(too_big).error().code, "InvalidParameterValue");
  const std::string key =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFCNk+woNgJ+aOBoQoiAvcElO/PXIQNUwNC9Y5yioKUw me@host";
  EXPECT_TRUE(CheckValue(ParamKind::kPublicKey, "PublicKeyMaterial", key));
  EXPECT_EQ(CodeOf(CheckValue(ParamKind::kPublicKey, "PublicKeyMaterial", key + "\n" + key)),
            "InvalidKey.Format");
  EXPECT_EQ(CodeOf(CheckValue(ParamKind::kPublicKey, "PublicKeyMaterial", "ssh-dss AAAA")),
            "InvalidKey.Format");
  EXPECT_EQ(CodeOf(CheckValue(ParamKind::kInstanceId, "InstanceId.1", "i-123")),
            "InvalidInstanceID.Malformed");
  EXPECT_EQ(CodeOf(CheckValue(ParamKind::kImageId, "ImageId", "ami-0123456789abcdef0")), "");
  EXPECT_EQ(CodeOf(CheckValue(ParamKind::kImageName, "Name", "a\nb")), "InvalidAMIName.Malformed");
  EXPECT_EQ(CodeOf(CheckValue(ParamKind::kTagKey, "Tag.1.Key", "aws:x")), "InvalidParameterValue");
  EXPECT_EQ(CodeOf(CheckValue(ParamKind::kTagKey, "Tag.1.Key", std::string(129, 'k'))),
            "InvalidParameterValue");
  EXPECT_EQ(CodeOf(CheckValue(ParamKind::kTagValue, "Tag.1.Value", std::string(256, 'v'))), "");
  std::vector<aws::Tag> many(51, aws::Tag{"k", "v"});
  EXPECT_EQ(CodeOf(CheckTags(many)), "TagLimitExceeded");
  EXPECT_EQ(CodeOf(CheckVolumeSize("gp3", 16385)), "InvalidParameterValue");
  EXPECT_EQ(CodeOf(CheckVolumeSize("st1", 100)), "InvalidParameterValue");
  EXPECT_EQ(CodeOf(CheckVolumeSize("io2", 20000)), "");
}

TEST(Ec2ValidationTest, RequestsAreCheckedWholeWithBoundedListsAndFilters) {
  EXPECT_TRUE(ValidateParameters(RequestWith({{"MinCount", "1"}, {"MaxCount", "2"}})));
  EXPECT_EQ(CodeOf(ValidateParameters(RequestWith({{"MinCount", "3"}, {"MaxCount", "2"}}))),
            "InvalidParameterValue");
  EXPECT_EQ(CodeOf(ValidateParameters(RequestWith({{"InstanceId.0", "i-0123456789abcdef0"}}))),
            "InvalidParameterValue");
  EXPECT_EQ(CodeOf(ValidateParameters(RequestWith({{"DryRun", "maybe"}}))),
            "InvalidParameterValue");
  std::map<std::string, std::string> filters;
  for (int index = 1; index <= 51; ++index) {
    filters["Filter." + std::to_string(index) + ".Name"] = "instance-id";
  }
  EXPECT_EQ(CodeOf(ValidateParameters(RequestWith(filters))), "FilterLimitExceeded");
  std::map<std::string, std::string> values;
  for (int index = 1; index <= 201; ++index) {
    values["Filter.1.Value." + std::to_string(index)] = "x";
  }
  EXPECT_EQ(CodeOf(ValidateParameters(RequestWith(values))), "FilterLimitExceeded");
  EXPECT_EQ(DryRunSucceeded().status, 412);
}

}  // namespace
}  // namespace gpubox::local
