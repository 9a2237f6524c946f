#include "gpubox/local/access_registry.h"

#include <gtest/gtest.h>

#include "gpubox/aws/sigv4.h"
#include "unit/fakes/fake_clock.h"
#include "unit/fakes/fake_file_system.h"

namespace gpubox::local {
namespace {

/// A deterministic stream (an LCG): distinct keys for distinct grants.
class CountingRandom : public Random {
 public:
  double Uniform() override {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) * 0x1.0p-53;
  }
  uint64_t state_ = 42;
};

class AccessRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.clock = &clock_;
    env_.random = &random_;
    env_.files = &files_;
    registry_ = std::move(*AccessRegistry::Load(env_, kPath));
  }
  static constexpr char kPath[] = "/state/access.json";
  testing::FakeClock clock_{1798761600LL * 1000000};
  CountingRandom random_;
  testing::FakeFileSystem files_;
  Env env_;
  std::unique_ptr<AccessRegistry> registry_;
};

TEST_F(AccessRegistryTest, EachUserGetsAKeyAndAnAccountOfTheirOwn) {
  Principal u1 = *registry_->Grant("u1", "");
  Principal u2 = *registry_->Grant("u2", "");
  EXPECT_TRUE(u1.access_key_id.starts_with("AKIA"));
  EXPECT_EQ(u1.access_key_id.size(), 20u);
  EXPECT_EQ(u1.secret_access_key.size(), 40u);
  EXPECT_EQ(u1.account_id.size(), 12u);
  EXPECT_NE(u1.account_id, u2.account_id);
  EXPECT_NE(u1.access_key_id, u2.access_key_id);
  EXPECT_EQ(registry_->FindByKey(u1.access_key_id)->user, "u1");
  EXPECT_EQ(registry_->FindByKey(u2.access_key_id)->account_id, u2.account_id);
  EXPECT_FALSE(registry_->FindByKey("AKIANOTGRANTED000000"));
  EXPECT_EQ(files_.modes_[kPath], 0600);
}

TEST_F(AccessRegistryTest, GrantingAgainKeepsTheKeyAndAGroupSharesOneAccount) {
  Principal first = *registry_->Grant("u1", "");
  Principal again = *registry_->Grant("u1", "");
  EXPECT_EQ(first.access_key_id, again.access_key_id);
  Principal a = *registry_->Grant("alice", "ml");
  Principal b = *registry_->Grant("bob", "ml");
  EXPECT_EQ(a.account_id, b.account_id) << "a group's members share its account";
  EXPECT_NE(a.access_key_id, b.access_key_id) << "each with a key of their own";
  EXPECT_EQ(a.group, "ml");
  // Moved into the group's account: a new key, and the old one stops.
  Principal moved = *registry_->Grant("u1", "ml");
  EXPECT_EQ(moved.account_id, a.account_id);
  EXPECT_NE(moved.access_key_id, first.access_key_id);
  EXPECT_FALSE(registry_->FindByKey(first.access_key_id));
}

TEST_F(AccessRegistryTest, RevokedKeysStopAtOnceAndEverythingSurvivesAReload) {
  Principal u1 = *registry_->Grant("u1", "");
  Principal u2 = *registry_->Grant("u2", "g");
  ASSERT_TRUE(registry_->Revoke("u1"));
  EXPECT_FALSE(registry_->FindByKey(u1.access_key_id));
  EXPECT_EQ(registry_->Revoke("u1").error().code, ErrorCode::kNotFound);
  auto reloaded = std::move(*AccessRegistry::Load(env_, kPath));
  EXPECT_FALSE(reloaded->FindByKey(u1.access_key_id));
  auto found = reloaded->FindByKey(u2.access_key_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->secret_access_key, u2.secret_access_key);
  EXPECT_EQ(found->group, "g");
  EXPECT_EQ(reloaded->Grant("u3", "g")->account_id, u2.account_id) << "the group's account kept";
}

TEST_F(AccessRegistryTest, RefusesRootBadNamesAndABrokenFile) {
  EXPECT_EQ(registry_->Grant("root", "").error().code, ErrorCode::kUsage);
  for (const char* bad : {"", "../etc", "a b", "-x", "u1/..", "x;rm"}) {
    EXPECT_EQ(registry_->Grant(bad, "").error().code, ErrorCode::kUsage) << bad;
  }
  EXPECT_TRUE(registry_->empty());
  EXPECT_TRUE(IsValidUserName("gpubox_u1-2"));
  files_.files_[kPath] = "[1, 2]";
  EXPECT_FALSE(AccessRegistry::Load(env_, kPath));
}

TEST_F(AccessRegistryTest, TheVerifierAcceptsAGrantedKeyUntilItIsRevoked) {
  Principal u1 = *registry_->Grant("u1", "");
  KeyLookup keys = [&](std::string_view id) -> std::optional<LocalAccount> {
    auto found = registry_->FindByKey(id);
    if (!found) return std::nullopt;
    return LocalAccount{found->account_id, found->access_key_id, found->secret_access_key};
  };
  constexpr int64_t kNow = 1798761600;
  HttpRequest http;
  http.method = "POST";
  http.url = "http://127.0.0.1:4580/";
  http.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  http.body = "Action=DescribeRegions&Version=2016-11-15";
  aws::SignRequest(http, {u1.access_key_id, u1.secret_access_key, "", ""}, "us-east-1", "ec2",
                   kNow);
  aws::SignableRequest signable = aws::SignableFromHttp(http);
  ArrivedRequest request{"POST", signable.path, signable.query, signable.headers, http.body};
  auto region = VerifySigV4(request, keys, "ec2", kNow);
  ASSERT_TRUE(region) << region.error().message;
  ASSERT_TRUE(registry_->Revoke("u1"));
  auto refused = VerifySigV4(request, keys, "ec2", kNow);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "AuthFailure");
}

}  // namespace
}  // namespace gpubox::local
