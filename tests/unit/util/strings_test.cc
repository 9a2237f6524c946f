#include "gpubox/util/strings.h"

#include <gtest/gtest.h>

namespace gpubox {
namespace {

TEST(StringsTest, StableDigestIsFnv1aAndStable) {
  // FNV-1a 64 of "" is its offset basis; of "a", af63dc4c8601ec8c (published values).
  EXPECT_EQ(StableDigestHex("").substr(0, 16), "cbf29ce484222325");
  EXPECT_EQ(StableDigestHex("a").substr(0, 16), "af63dc4c8601ec8c");
  EXPECT_EQ(StableDigestHex("d2l|g4dn.xlarge").size(), 32u);
  EXPECT_EQ(StableDigestHex("d2l|g4dn.xlarge"), StableDigestHex("d2l|g4dn.xlarge"));
  EXPECT_NE(StableDigestHex("d2l|us-east-1a"), StableDigestHex("d2l|us-east-1b"));
}

}  // namespace
TEST(StringsTest, IsValidUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xb6"));              // a lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // cut short
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

}  // namespace gpubox
