// IMDSv2: token PUT with TTL, GETs with the token, 1 s timeouts, 404 as
// "no notice", token renewal on 401, the endpoint variable.

#include "gpubox/aws/imds_client.h"

#include <gtest/gtest.h>

#include "unit/fakes/fake_clock.h"
#include "unit/fakes/fake_http_transport.h"

namespace gpubox::aws {
namespace {

std::string Header(const HttpRequest& request, const std::string& name) {
  for (const auto& [header, value] : request.headers) {
    if (header == name) return value;
  }
  return "<absent>";
}

class ImdsClientTest : public ::testing::Test {
 protected:
  ImdsClientTest() {
    env_.http = &http_;
    env_.clock = &clock_;
  }
  testing::FakeHttpTransport http_;
  testing::FakeClock clock_;
  Env env_;
};

TEST_F(ImdsClientTest, PutsATokenThenGetsWithIt) {
  ImdsClient imds(env_);
  http_.Answer(200, "tok-123");
  http_.Answer(200, "i-0123456789abcdef0");
  http_.Answer(200, "g5.xlarge");
  http_.Answer(200, "us-east-1a");
  EXPECT_EQ(imds.InstanceId().value(), "i-0123456789abcdef0");
  EXPECT_EQ(imds.InstanceType().value(), "g5.xlarge");
  EXPECT_EQ(imds.AvailabilityZone().value(), "us-east-1a");
  ASSERT_EQ(http_.requests_sent_.size(), 4u);  // one token for all three
  const HttpRequest& put = http_.requests_sent_[0];
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(Header(put, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(http_.requests_sent_[i].method, "GET");
    EXPECT_EQ(Header(http_.requests_sent_[i], "X-aws-ec2-metadata-token"), "tok-123");
  }
  EXPECT_EQ(http_.requests_sent_[3].url,
            "http://169.254.169.254/latest/meta-data/placement/availability-zone");
  for (const HttpRequest& request : http_.requests_sent_) {
    EXPECT_EQ(request.connect_timeout_ms, 1000);
    EXPECT_EQ(request.total_timeout_ms, 1000);
  }
}

TEST_F(ImdsClientTest, SpotActionIsEmptyUntilANoticeExists) {
  env_.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:8111/";
  ImdsClient imds(env_);
  http_.Answer(200, "tok");
  http_.Answer(404, "");
  http_.Answer(200, R"({"action": "terminate", "time": "2017-09-18T08:22:00Z"})");
  auto none = imds.SpotAction();
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  auto notice = imds.SpotAction();
  ASSERT_TRUE(notice.has_value() && notice->has_value());
  EXPECT_EQ((*notice)->action, "terminate");
  EXPECT_EQ((*notice)->time, "2017-09-18T08:22:00Z");
  EXPECT_EQ(http_.requests_sent_[1].url,
            "http://127.0.0.1:8111/latest/meta-data/spot/instance-action");
}

TEST_F(ImdsClientTest, RenewsARejectedTokenOnceAndAnExpiredOneAlways) {
  ImdsClient imds(env_);
  http_.Answer(200, "old");
  http_.Answer(401, "");
  http_.Answer(200, "new");
  http_.Answer(200, "i-1");
  EXPECT_EQ(imds.InstanceId().value(), "i-1");
  EXPECT_EQ(Header(http_.requests_sent_[3], "X-aws-ec2-metadata-token"), "new");
  clock_.Advance(int64_t{ImdsClient::kTokenTtlSeconds} * 1000000);
  http_.Answer(200, "newer");
  http_.Answer(200, "i-1");
  EXPECT_EQ(imds.InstanceId().value(), "i-1");
  EXPECT_EQ(http_.requests_sent_[4].method, "PUT");
}

TEST_F(ImdsClientTest, UnreachableImdsIsANetworkError) {
  ImdsClient imds(env_);
  http_.FailWith("PUT http://169.254.169.254/latest/api/token: timed out");
  auto id = imds.InstanceId();
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, ErrorCode::kNetwork);
}

}  // namespace
}  // namespace gpubox::aws
