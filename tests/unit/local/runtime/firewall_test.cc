#include "gpubox/local/runtime/firewall.h"

#include <gtest/gtest.h>

namespace gpubox::local {
namespace {

TEST(FirewallTest, DropsByDefaultAndAdmitsLoopbackAndReplies) {
  auto text = RenderFirewall({});
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("flush ruleset"), std::string::npos);
  EXPECT_NE(text->find("policy drop;"), std::string::npos);
  EXPECT_NE(text->find("ct state established,related accept"), std::string::npos);
  EXPECT_NE(text->find("iif \"lo\" accept"), std::string::npos);
  EXPECT_EQ(text->find("dport"), std::string::npos);
}

TEST(FirewallTest, RendersPortsRangesProtocolsAndBothFamilies) {
  std::vector<IngressRule> rules = {
      {"tcp", 22, 22, {"203.0.113.7/32"}}, {"tcp", 8000, 8100, {"10.0.0.0/8", "::/0"}},
      {"udp", -1, -1, {"0.0.0.0/0"}},      {"icmp", 8, -1, {"0.0.0.0/0"}},
      {"-1", -1, -1, {"192.168.1.0/24"}},
  };
  auto text = RenderFirewall(rules);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->find("ip saddr { 203.0.113.7/32 } tcp dport 22 accept"), std::string::npos);
  EXPECT_NE(text->find("ip saddr { 10.0.0.0/8 } tcp dport 8000-8100 accept"), std::string::npos);
  EXPECT_NE(text->find("ip6 saddr { ::/0 } tcp dport 8000-8100 accept"), std::string::npos);
  EXPECT_NE(text->find("ip saddr { 0.0.0.0/0 } udp dport 0-65535 accept"), std::string::npos);
  EXPECT_NE(text->find("ip saddr { 0.0.0.0/0 } meta l4proto icmp icmp type 8 accept"),
            std::string::npos);
  EXPECT_NE(text->find("ip saddr { 192.168.1.0/24 } accept"), std::string::npos);
}

TEST(FirewallTest, RejectsWhatItCannotSay) {
  EXPECT_FALSE(RenderFirewall({{"tcp", 10, 5, {"0.0.0.0/0"}}}));
  EXPECT_FALSE(RenderFirewall({{"gre-ish", -1, -1, {"0.0.0.0/0"}}}));
  EXPECT_FALSE(RenderFirewall({{"tcp", 22, 22, {"10.0.0.0/8; flush ruleset"}}}));
  EXPECT_FALSE(RenderFirewall({{"tcp", 22, 22, {"300.1.1.1/32"}}}));
}

}  // namespace
}  // namespace gpubox::local
