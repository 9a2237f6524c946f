#include "gpubox/util/sha256.h"

#include <gtest/gtest.h>

#include "gpubox/aws/crypto.h"

namespace gpubox {
namespace {

std::string Hex(const std::string& bytes) { return aws::HexEncode(bytes); }

TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(Hex(Sha256Digest("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256Digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256Digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Hex(Sha256Digest(std::string(1'000'000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, EveryTailLengthAgreesWithItself) {
  // Lengths around the padding boundaries (55, 56, 63, 64 bytes) hash without error and
  // differ from their neighbours.
  for (size_t length = 50; length < 130; ++length) {
    EXPECT_NE(Sha256Digest(std::string(length, 'x')), Sha256Digest(std::string(length + 1, 'x')))
        << length;
  }
}

TEST(Sha256Test, HmacRfc4231Vectors) {
  EXPECT_EQ(Hex(HmacSha256Digest(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(HmacSha256Digest("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block is hashed first (test case 6).
  EXPECT_EQ(Hex(HmacSha256Digest(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

}  // namespace
}  // namespace gpubox
