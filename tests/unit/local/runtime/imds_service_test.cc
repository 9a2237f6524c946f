#include "gpubox/local/runtime/imds_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "unit/fakes/fake_clock.h"

namespace gpubox::local {
namespace {

using gpubox::testing::FakeClock;

class ImdsServiceTest : public ::testing::Test {
 protected:
  ImdsServiceTest()
      : service_({"i-0abc", "g4dn.xlarge", "ami-0123", "us-east-1", "us-east-1a", "10.213.0.4",
                  "ip-10-213-0-4.ec2.internal", "d2l", "ssh-ed25519 AAAA d2l", ""},
                 &clock_) {}

  std::string Token(int ttl = 60) {
    ImdsReply reply =
        service_.Handle({"PUT",
                         "/latest/api/token",
                         {{"x-aws-ec2-metadata-token-ttl-seconds", std::to_string(ttl)}}});
    EXPECT_EQ(reply.status, 200);
    return reply.body;
  }
  ImdsReply Get(const std::string& path, const std::string& token) {
    return service_.Handle({"GET", path, {{"x-aws-ec2-metadata-token", token}}});
  }

  FakeClock clock_{1'700'000'000'000'000};
  ImdsService service_;
};

TEST_F(ImdsServiceTest, ServesMetadataOnlyWithAValidToken) {
  EXPECT_EQ(Get("/latest/meta-data/instance-id", "").status, 401);
  EXPECT_EQ(Get("/latest/meta-data/instance-id", "forged").status, 401);
  std::string token = Token();
  EXPECT_EQ(Get("/latest/meta-data/instance-id", token).body, "i-0abc");
  EXPECT_EQ(Get("/latest/meta-data/instance-type", token).body, "g4dn.xlarge");
  EXPECT_EQ(Get("/latest/meta-data/placement/availability-zone", token).body, "us-east-1a");
  EXPECT_EQ(Get("/latest/meta-data/local-ipv4", token).body, "10.213.0.4");
  EXPECT_EQ(Get("/latest/meta-data/hostname", token).body, "ip-10-213-0-4.ec2.internal");
  EXPECT_EQ(Get("/latest/meta-data/public-keys/", token).body, "0=d2l");
  EXPECT_EQ(Get("/latest/meta-data/public-keys/0/openssh-key", token).body, "ssh-ed25519 AAAA d2l");
  EXPECT_EQ(Get("/latest/user-data", token).status, 404);
  EXPECT_EQ(Get("/latest/meta-data/nope", token).status, 404);
}

TEST_F(ImdsServiceTest, TokensExpireAndTtlIsChecked) {
  std::string token = Token(2);
  clock_.SleepMicros(1'000'000);
  EXPECT_EQ(Get("/latest/meta-data/instance-id", token).status, 200);
  clock_.SleepMicros(1'500'000);
  EXPECT_EQ(Get("/latest/meta-data/instance-id", token).status, 401);
  for (const char* ttl : {"0", "21601", "abc"}) {
    EXPECT_EQ(
        service_
            .Handle({"PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", ttl}}})
            .status,
        400)
        << ttl;
  }
  EXPECT_EQ(service_.Handle({"PUT", "/latest/api/token", {}}).status, 400);
  EXPECT_EQ(service_
                .Handle({"PUT",
                         "/latest/api/token",
                         {{"x-aws-ec2-metadata-token-ttl-seconds", "60"},
                          {"x-forwarded-for", "1.2.3.4"}}})
                .status,
            403);
}

TEST_F(ImdsServiceTest, SpotNoticeAppearsWhenSet) {
  std::string token = Token();
  EXPECT_EQ(Get("/latest/meta-data/spot/instance-action", token).status, 404);
  service_.SetInstanceAction("terminate", "2026-05-01T12:00:00Z");
  ImdsReply notice = Get("/latest/meta-data/spot/instance-action", token);
  EXPECT_EQ(notice.status, 200);
  EXPECT_EQ(notice.body, R"({"action":"terminate","time":"2026-05-01T12:00:00Z"})");
  EXPECT_EQ(Get("/latest/meta-data/spot/termination-time", token).body, "2026-05-01T12:00:00Z");
  service_.SetInstanceAction("", "");
  EXPECT_EQ(Get("/latest/meta-data/spot/instance-action", token).status, 404);
}

TEST_F(ImdsServiceTest, RebalanceRecommendationComesWithTheNoticeAndGoesWithIt) {
  std::string token = Token();
  const std::string rebalance = "/latest/meta-data/events/recommendations/rebalance";
  EXPECT_EQ(Get(rebalance, token).status, 404);
  EXPECT_EQ(Get("/latest/meta-data/", token).body.find("events/"), std::string::npos);
  service_.SetInstanceAction("stop", "2026-05-01T12:02:00Z");
  ImdsReply recommendation = Get(rebalance, token);
  EXPECT_EQ(recommendation.status, 200);
  EXPECT_EQ(recommendation.headers["Content-Type"], "application/json");
  auto document = nlohmann::json::parse(recommendation.body);
  ASSERT_TRUE(document.contains("noticeTime"));
  EXPECT_EQ(document["noticeTime"].get<std::string>().size(), 20u);  // 2026-05-01T12:00:00Z
  EXPECT_NE(Get("/latest/meta-data/", token).body.find("events/"), std::string::npos);
  EXPECT_EQ(Get("/latest/meta-data/events/recommendations", token).body, "rebalance");
  EXPECT_EQ(Get("/latest/meta-data/spot/termination-time", token).status, 404);  // stop
  service_.SetInstanceAction("", "");
  EXPECT_EQ(Get(rebalance, token).status, 404);
}

}  // namespace
}  // namespace gpubox::local
