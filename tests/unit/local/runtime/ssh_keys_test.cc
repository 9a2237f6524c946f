// GenerateEd25519KeyPair judged by OpenSSH itself: ssh-keygen reads the private key back to
// the same public key, and two keys are never alike.
#include "gpubox/local/runtime/ssh_keys.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace gpubox::local {
namespace {

TEST(SshKeysTest, WireEncodingIsBigEndianLengthThenBytes) {
  std::string out;
  AppendSshU32(out, 0x01020304);
  AppendSshString(out, "ab");
  EXPECT_EQ(out, std::string("\x01\x02\x03\x04\x00\x00\x00\x02"
                             "ab",
                             10));
}

TEST(SshKeysTest, Ed25519KeyPairIsWhatSshKeygenReadsBack) {
  auto pair = GenerateEd25519KeyPair("root@ip-10-0-0-4");
  ASSERT_TRUE(pair) << pair.error().message;
  EXPECT_EQ(pair->public_line.rfind("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", 0), 0u);
  EXPECT_TRUE(pair->public_line.ends_with(" root@ip-10-0-0-4"));
  EXPECT_TRUE(pair->private_key.ends_with("-----END OPENSSH PRIVATE KEY-----\n"));
  std::string dir = "/tmp/gpubox-keys-" + std::to_string(getpid());
  std::string key = dir + "/key";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  {
    std::ofstream out(key);
    out << pair->private_key;
  }
  ASSERT_EQ(std::system(("chmod 600 " + key + " && ssh-keygen -y -f " + key + " > " + dir +
                         "/pub 2> " + dir + "/err")
                            .c_str()),
            0);
  std::ifstream derived(dir + "/pub");
  std::string line;
  std::getline(derived, line);
  std::system(("rm -rf " + dir).c_str());
  // ssh-keygen -y prints the key with the private file's comment.
  EXPECT_EQ(line, pair->public_line);
  auto other = GenerateEd25519KeyPair("root@ip-10-0-0-4");
  ASSERT_TRUE(other);
  EXPECT_NE(other->public_line, pair->public_line);
  EXPECT_NE(other->private_key, pair->private_key);
}

}  // namespace
}  // namespace gpubox::local
