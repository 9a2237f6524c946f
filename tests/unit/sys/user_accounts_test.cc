#include "gpubox/sys/user_accounts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

namespace gpubox {
namespace {

TEST(UserAccountsTest, LooksUpUsersGroupsAndWhoRunsThis) {
  auto root = LookupUser("root");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->uid, 0u);
  EXPECT_FALSE(LookupUser("no-such-user-gpubox"));
  EXPECT_FALSE(LookupUser(""));
  auto me = CurrentUser();
  ASSERT_TRUE(me);
  EXPECT_EQ(me->uid, ::geteuid());
  // root's primary group lists root, though /etc/group names no members for it.
  auto members = GroupMembers("root");
  ASSERT_TRUE(members);
  EXPECT_NE(std::find(members->begin(), members->end(), "root"), members->end());
  EXPECT_EQ(GroupMembers("no-such-group-gpubox").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace gpubox
