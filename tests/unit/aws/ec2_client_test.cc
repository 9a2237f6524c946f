// Ec2Client over a recording fake transport: pagination followed to the end,
// errors surfaced with their EC2 code.

#include "gpubox/aws/ec2_client.h"

#include <gtest/gtest.h>

#include "unit/fakes/fake_clock.h"
#include "unit/fakes/fake_http_transport.h"

namespace gpubox::aws {
namespace {

std::string Page(const std::string& instance_id, const std::string& next_token) {
  return "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
         "<requestId>p</requestId><reservationSet><item><reservationId>r-" +
         instance_id + "</reservationId><instancesSet><item><instanceId>" + instance_id +
         "</instanceId></item></instancesSet></item></reservationSet>" +
         (next_token.empty() ? "" : "<nextToken>" + next_token + "</nextToken>") +
         "</DescribeInstancesResponse>";
}

class Ec2ClientTest : public ::testing::Test {
 protected:
  Ec2ClientTest() {
    env_.http = &http_;
    env_.clock = &clock_;
    env_.random = &random_;
  }
  testing::FakeHttpTransport http_;
  testing::FakeClock clock_;
  testing::FakeRandom random_;
  Env env_;
  StaticCredentialsProvider credentials_{Credentials{"AKID", "SECRET", "", "test"}};
  AwsCaller caller_{env_, {"http://127.0.0.1:4000", "us-east-1", "ec2"}, credentials_};
  Ec2Client ec2_{caller_};
};

TEST_F(Ec2ClientTest, DescribeInstancesFollowsNextTokenToTheEnd) {
  http_.Answer(200, Page("i-1", "tok/1+="));
  http_.Answer(200, Page("i-2", "tok2"));
  http_.Answer(200, Page("i-3", ""));
  DescribeInstancesRequest request;
  request.filters = {{"tag-key", {"gpubox:box"}}};
  request.max_results = 5;
  auto all = ec2_.DescribeInstances(request);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->reservations.size(), 3u);
  EXPECT_EQ(all->reservations[2].instances.at(0).instance_id, "i-3");
  EXPECT_TRUE(all->next_token.empty());
  ASSERT_EQ(http_.requests_sent_.size(), 3u);
  EXPECT_EQ(http_.requests_sent_[0].body.find("NextToken"), std::string::npos);
  EXPECT_NE(http_.requests_sent_[1].body.find("NextToken=tok%2F1%2B%3D"), std::string::npos);
  EXPECT_NE(http_.requests_sent_[2].body.find("NextToken=tok2"), std::string::npos);
  EXPECT_NE(http_.requests_sent_[2].body.find("Filter.1.Name=tag-key"), std::string::npos);
  EXPECT_EQ(http_.requests_sent_[0].url, "http://127.0.0.1:4000/");
}

TEST_F(Ec2ClientTest, ARepeatedNextTokenStopsPagination) {
  http_.Answer(200, Page("i-1", "same"));
  http_.Answer(200, Page("i-2", "same"));
  auto all = ec2_.DescribeInstances({});
  ASSERT_FALSE(all.has_value());
  EXPECT_EQ(http_.requests_sent_.size(), 2u);
}

TEST_F(Ec2ClientTest, ApiErrorsCarryTheEc2Code) {
  http_.Answer(400,
               "<Response><Errors><Error><Code>InvalidKeyPair.Duplicate</Code><Message>The keypair "
               "already exists</Message></Error></Errors><RequestID>dup-1</RequestID></Response>");
  auto created = ec2_.ImportKeyPair({"gpubox-d2l", "ssh-ed25519 AAAA", {}});
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().cloud_code, "InvalidKeyPair.Duplicate");
  EXPECT_EQ(created.error().request_id, "dup-1");
  EXPECT_EQ(created.error().code, ErrorCode::kCloud);
  EXPECT_EQ(http_.requests_sent_.size(), 1u);
}

}  // namespace
}  // namespace gpubox::aws
