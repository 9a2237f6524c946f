#include "gpubox/local/runtime/ipv4_subnet.h"

#include <gtest/gtest.h>

#include "gpubox/local/runtime/instance_record.h"
#include "gpubox/local/runtime/runtime_config.h"

namespace gpubox::local {
namespace {

TEST(Ipv4SubnetTest, HostsAndIndexes) {
  auto subnet = Ipv4Subnet::Parse("10.213.0.0/24");
  ASSERT_TRUE(subnet);
  EXPECT_EQ(subnet->HostCount(), 254u);
  EXPECT_EQ(subnet->Host(1), "10.213.0.1");
  EXPECT_EQ(subnet->IndexOf("10.213.0.5"), 5u);
  EXPECT_EQ(subnet->IndexOf("10.213.0.255"), 0u);
  EXPECT_EQ(subnet->IndexOf("10.214.0.5"), 0u);
  auto wide = Ipv4Subnet::Parse("10.213.7.9/16");
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->Host(256), "10.213.1.0");
  EXPECT_FALSE(Ipv4Subnet::Parse("10.213.0.0"));
  EXPECT_FALSE(Ipv4Subnet::Parse("10.213.0.0/31"));
  EXPECT_FALSE(Ipv4Subnet::Parse("10.213.0/24"));
}

TEST(RuntimeConfigTest, NamesFitTheKernelsLimits) {
  RuntimeConfig config;
  EXPECT_TRUE(config.Validate());
  EXPECT_EQ(config.BridgeName(), "gbx-br0");
  EXPECT_EQ(config.NetnsPath("i-0abc"), "/run/netns/gbx-i-0abc");
  config.name_prefix = "gbxt9";
  std::string veth = config.VethName("i-0123456789abcdef0");
  EXPECT_LE(veth.size(), 15u);
  EXPECT_EQ(veth, config.VethName("i-0123456789abcdef0"));
  EXPECT_NE(veth, config.VethName("i-0123456789abcdef1"));
  config.name_prefix = "toolong";
  EXPECT_FALSE(config.Validate());
  EXPECT_FALSE(ValidateInstanceId("../etc"));
  EXPECT_FALSE(ValidateInstanceId("I-UPPER"));
  EXPECT_TRUE(ValidateInstanceId("i-0123456789abcdef0"));
}

TEST(InstanceRecordTest, RoundTrips) {
  RuntimeInstanceRecord record;
  record.spec.instance_id = "i-0abc";
  record.spec.private_ip = "10.213.0.4";
  record.spec.user_data = "#!/bin/sh\necho 'hi'\n";
  record.spec.has_gpu = true;
  record.spec.ingress = {{"tcp", 22, 22, {"1.2.3.4/32", "::/0"}}};
  record.keeper_pid = 4242;
  record.pid_namespace = 4026532000ull;
  auto decoded = DecodeRuntimeRecord(EncodeRuntimeRecord(record));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(EncodeRuntimeRecord(*decoded), EncodeRuntimeRecord(record));
  EXPECT_EQ(decoded->spec.ingress[0].cidrs[1], "::/0");
  EXPECT_FALSE(DecodeRuntimeRecord("{}"));
}

}  // namespace
}  // namespace gpubox::local
