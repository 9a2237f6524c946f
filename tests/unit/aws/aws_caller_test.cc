// Retries, proven with a fake transport and a fake clock: standard mode's delays, attempt
// limit and retry quota, what retries and what not; adaptive mode's rate limiter; legacy
// mode; and the persistence until a command's deadline.

#include "gpubox/aws/aws_caller.h"

#include <gtest/gtest.h>

#include "gpubox/aws/ec2_client.h"
#include "unit/fakes/fake_clock.h"
#include "unit/fakes/fake_http_transport.h"

namespace gpubox::aws {
namespace {

using testing::FakeClock;
using testing::FakeHttpTransport;
using testing::FakeRandom;

std::string Ec2Error(const std::string& code) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + code +
         "</Code><Message>msg for " + code +
         "</Message></Error></Errors><RequestID>req-42</RequestID></Response>";
}

constexpr char kOk[] =
    "<DeleteKeyPairResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
    "<requestId>ok-1</requestId><return>true</return></DeleteKeyPairResponse>";

class AwsCallerTest : public ::testing::Test {
 protected:
  AwsCallerTest() {
    env_.clock = &clock_;
    env_.random = &random_;
    env_.http = &http_;
  }
  AwsCaller MakeCaller(RetryOptions options = {}) {
    return AwsCaller(env_, {"https://ec2.us-east-1.amazonaws.com", "us-east-1", "ec2"},
                     credentials_, options);
  }
  Result<HttpResponse> Post(AwsCaller& caller, bool retry_allowed = true) {
    return caller.Post("Action=DeleteKeyPair&Version=2016-11-15&KeyName=k",
                       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                       WireProtocol::kEc2Query, retry_allowed);
  }

  FakeClock clock_;
  FakeRandom random_{{0.5, 0.25, 0.75, 0.1}};
  FakeHttpTransport http_;
  StaticCredentialsProvider credentials_{
      Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", "test"}};
  Env env_;
};

TEST_F(AwsCallerTest, SuccessIsOneSignedAttemptAndGivesOneTokenBack) {
  AwsCaller caller = MakeCaller();
  caller.retry_quota().Acquire(10);
  http_.Answer(200, kOk);
  auto response = Post(caller);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(caller.last_attempts(), 1);
  ASSERT_EQ(http_.requests_sent_.size(), 1u);
  const HttpRequest& sent = http_.requests_sent_[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://ec2.us-east-1.amazonaws.com/");
  bool signed_request = false;
  for (const auto& [name, value] : sent.headers) {
    if (name == "Authorization") {
      signed_request = value.starts_with(
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request");
    }
  }
  EXPECT_TRUE(signed_request);
  EXPECT_EQ(caller.retry_quota().available(), 491);
  EXPECT_TRUE(clock_.sleeps_micros_.empty());
}

TEST_F(AwsCallerTest, ThrottlingRetriesWithJitteredExponentialDelays) {
  AwsCaller caller = MakeCaller(RetryOptions{5, 20, RetryMode::kStandard});
  http_.Answer(400, Ec2Error("RequestLimitExceeded"));
  http_.Answer(503, Ec2Error("Unavailable"));
  http_.Answer(500, "");
  http_.Answer(200, kOk);
  auto response = Post(caller);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(caller.last_attempts(), 4);
  // rand × min(2^(attempt-1), 20): 0.5×1, 0.25×2, 0.75×4 seconds.
  EXPECT_EQ(clock_.sleeps_micros_, (std::vector<int64_t>{500000, 500000, 3000000}));
  // Three retries took 15 tokens; the success gave the last retry's 5 back.
  EXPECT_EQ(caller.retry_quota().available(), 490);
}

TEST_F(AwsCallerTest, EachAttemptIsSignedAtItsOwnTime) {
  AwsCaller caller = MakeCaller();
  random_ = FakeRandom({0.9});  // 0.9 s: the clock moves on by the sleep
  clock_.Advance(59'500'000);   // 12:36:59.5, the retry signs at 12:37:00
  http_.Answer(503, "");
  http_.Answer(200, kOk);
  ASSERT_TRUE(Post(caller).has_value());
  auto date_of = [](const HttpRequest& request) {
    for (const auto& [name, value] : request.headers) {
      if (name == "X-Amz-Date") return value;
    }
    return std::string();
  };
  EXPECT_EQ(date_of(http_.requests_sent_[0]), "20150830T123659Z");
  EXPECT_EQ(date_of(http_.requests_sent_[1]), "20150830T123700Z");
}

TEST_F(AwsCallerTest, GivesUpAfterMaxAttemptsWithTheLastError) {
  AwsCaller caller = MakeCaller({.mode = RetryMode::kStandard});  // default: 3 attempts
  for (int i = 0; i < 5; ++i) http_.Answer(400, Ec2Error("Throttling"));
  auto response = Post(caller);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(http_.requests_sent_.size(), 3u);
  EXPECT_EQ(clock_.sleeps_micros_.size(), 2u);
  EXPECT_EQ(response.error().cloud_code, "Throttling");
  EXPECT_EQ(response.error().request_id, "req-42");
  EXPECT_EQ(response.error().http_status, 400);
  EXPECT_EQ(caller.retry_quota().available(), 490);
  // The error line names the call, where, and how often it was tried.
  EXPECT_EQ(response.error().message.find("DeleteKeyPair (us-east-1) failed after 3 attempts"), 0u)
      << response.error().message;
  EXPECT_NE(response.error().message.find("Throttling: msg for Throttling"), std::string::npos);
  EXPECT_NE(response.error().hint.find("run the same command again"), std::string::npos);
}

TEST_F(AwsCallerTest, BackoffIsCappedAtTwentySeconds) {
  EXPECT_DOUBLE_EQ(BackoffSeconds(1, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(BackoffSeconds(5, 1.0), 16);
  EXPECT_DOUBLE_EQ(BackoffSeconds(6, 1.0), 20);
  EXPECT_DOUBLE_EQ(BackoffSeconds(10, 0.5), 10);
  EXPECT_DOUBLE_EQ(BackoffSeconds(3, 0.0), 0);
}

TEST_F(AwsCallerTest, ConnectionErrorsRetryAndTimeoutsCostTen) {
  AwsCaller caller = MakeCaller();
  http_.FailWith("connect to 127.0.0.1 refused");
  http_.FailWith(std::string("request timed out after 60000 ms"));
  http_.FailWith("connect refused again");
  auto response = Post(caller);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, ErrorCode::kNetwork);
  EXPECT_EQ(http_.requests_sent_.size(), 3u);
  EXPECT_EQ(caller.retry_quota().available(), 500 - 5 - 10);
}

TEST_F(AwsCallerTest, NonRetryableCodesAreReturnedAtOnce) {
  for (const char* code : {"InsufficientInstanceCapacity", "InvalidParameterValue",
                           "UnauthorizedOperation", "AuthFailure", "InvalidKeyPair.Duplicate"}) {
    SCOPED_TRACE(code);
    http_.requests_sent_.clear();
    AwsCaller caller = MakeCaller();
    http_.Answer(400, Ec2Error(code));
    auto response = Post(caller);
    ASSERT_FALSE(response.has_value());
    EXPECT_EQ(http_.requests_sent_.size(), 1u);
    EXPECT_EQ(response.error().cloud_code, code);
  }
  EXPECT_TRUE(clock_.sleeps_micros_.empty());
}

TEST_F(AwsCallerTest, WhichOutcomesRetry) {
  for (int status : {500, 502, 503, 504}) EXPECT_TRUE(IsRetryable({nullptr, false, status, ""}));
  for (int status : {400, 401, 403, 404, 501})
    EXPECT_FALSE(IsRetryable({nullptr, false, status, ""}));
  for (const char* code :
       {"RequestLimitExceeded", "Throttling", "ThrottlingException", "EC2ThrottledException",
        "RequestTimeout", "PriorRequestNotComplete", "TooManyRequestsException", "SlowDown"}) {
    EXPECT_TRUE(IsRetryable({nullptr, false, 400, code})) << code;
  }
  for (const char* code : {"InsufficientInstanceCapacity", "VcpuLimitExceeded", "AuthFailure",
                           "InvalidAMIID.NotFound", "DryRunOperation"}) {
    EXPECT_FALSE(IsRetryable({nullptr, false, 400, code})) << code;
  }
}

TEST_F(AwsCallerTest, EmptyRetryQuotaStopsRetrying) {
  AwsCaller caller = MakeCaller();
  ASSERT_TRUE(caller.retry_quota().Acquire(496));  // 4 left: less than a retry costs
  http_.Answer(503, Ec2Error("Unavailable"));
  http_.Answer(200, kOk);
  auto response = Post(caller);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(http_.requests_sent_.size(), 1u);
  EXPECT_NE(response.error().hint.find("retry quota"), std::string::npos);
  EXPECT_EQ(caller.retry_quota().available(), 4);
}

TEST_F(AwsCallerTest, RetryQuotaDrainsAcrossCallsAndRefills) {
  AwsCaller caller = MakeCaller(RetryOptions{2, 20});
  // Each failing call: one retry of 5 tokens; 100 calls drain 500.
  http_.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{503, {}, ""};
  });
  for (int call = 0; call < 100; ++call) ASSERT_FALSE(Post(caller).has_value());
  EXPECT_EQ(caller.retry_quota().available(), 0);
  EXPECT_EQ(http_.requests_sent_.size(), 200u);
  ASSERT_FALSE(Post(caller).has_value());
  EXPECT_EQ(http_.requests_sent_.size(), 201u);  // no retry without quota
  http_.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, {}, kOk};
  });
  for (int call = 0; call < 7; ++call) ASSERT_TRUE(Post(caller).has_value());
  EXPECT_EQ(caller.retry_quota().available(), 7);
}

TEST_F(AwsCallerTest, RunInstancesRetriesOnlyWithAClientToken) {
  AwsCaller caller = MakeCaller();
  Ec2Client ec2(caller);
  RunInstancesRequest request;
  request.image_id = "ami-1";
  request.instance_type = "g5.xlarge";
  constexpr char kLaunched[] =
      "<RunInstancesResponse><requestId>r</requestId><reservationId>r-1</reservationId>"
      "<instancesSet><item><instanceId>i-1</instanceId></item></instancesSet>"
      "</RunInstancesResponse>";
  http_.Answer(503, Ec2Error("Unavailable"));
  http_.Answer(200, kLaunched);
  auto without_token = ec2.RunInstances(request);
  ASSERT_FALSE(without_token.has_value());
  EXPECT_EQ(http_.requests_sent_.size(), 1u);
  EXPECT_EQ(http_.answers_left(), 1u);  // the launch that a retry would have made

  http_.requests_sent_.clear();
  request.client_token = "gpubox-d2l-1";
  http_.Answer(503, Ec2Error("Unavailable"));          // after the leftover 200 ...
  ASSERT_TRUE(ec2.RunInstances(request).has_value());  // ... which this one takes
  http_.requests_sent_.clear();
  http_.Answer(200, kLaunched);
  auto with_token = ec2.RunInstances(request);
  ASSERT_TRUE(with_token.has_value()) << with_token.error().message;
  ASSERT_EQ(http_.requests_sent_.size(), 2u);
  EXPECT_EQ(http_.requests_sent_[0].body, http_.requests_sent_[1].body);
  EXPECT_NE(http_.requests_sent_[1].body.find("ClientToken=gpubox-d2l-1"), std::string::npos);
  EXPECT_EQ(with_token->reservation.instances.at(0).instance_id, "i-1");
}

TEST_F(AwsCallerTest, OperationComesFromTheFormOrTheTarget) {
  EXPECT_EQ(OperationOf("Action=DescribeInstances&Version=2016-11-15", {}), "DescribeInstances");
  EXPECT_EQ(OperationOf("Version=2016-11-15&Action=RunInstances", {}), "RunInstances");
  EXPECT_EQ(OperationOf("{}", {{"X-Amz-Target", "ServiceQuotasV20190624.GetServiceQuota"}}),
            "GetServiceQuota");
  EXPECT_EQ(OperationOf("KeyName=k", {}), "");
}

TEST_F(AwsCallerTest, AdaptiveModeWaitsForARateLimitTokenAfterAThrottle) {
  AwsCaller caller = MakeCaller();  // adaptive is the default
  http_.Answer(200, kOk);
  http_.Answer(400, Ec2Error("RequestLimitExceeded"));
  http_.Answer(200, kOk);
  ASSERT_TRUE(Post(caller).has_value());
  EXPECT_FALSE(caller.rate_limiter().enabled());
  EXPECT_TRUE(clock_.sleeps_micros_.empty());  // no throttle yet: no limiter
  ASSERT_TRUE(Post(caller).has_value());
  EXPECT_TRUE(caller.rate_limiter().enabled());
  // The backoff (0.5 × 1 s), then a token at the floor rate of 0.5/s: nothing was measured
  // yet within the first half second, so the bucket starts empty at its minimum rate.
  EXPECT_EQ(clock_.sleeps_micros_, (std::vector<int64_t>{500000, 2000000}));
}

TEST(ClientRateLimiterTest, CutsTheRateOnThrottlingAndGrowsItBackAlongTheCubic) {
  ClientRateLimiter limiter(1000.0);
  double now = 1000.0;
  EXPECT_DOUBLE_EQ(limiter.SendDelay(now), 0);  // off until a throttle
  // A client sending 20 requests a second for 5 s, then throttled.
  for (int request = 0; request < 100; ++request) {
    now += 0.05;
    limiter.OnResponse(now, false);
  }
  EXPECT_NEAR(limiter.measured_rate(), 20, 3);
  limiter.OnResponse(now, true);
  EXPECT_TRUE(limiter.enabled());
  double cut = limiter.fill_rate();
  EXPECT_NEAR(cut, 0.7 * limiter.measured_rate(), 0.01);  // beta = 0.7 of the measured rate
  // Sending as fast as the bucket allows: the waits pace the client at the cut rate ...
  double waited = 0;
  int sent = 0;
  while (waited < 3) {
    double wait = limiter.SendDelay(now);
    waited += wait;
    now += wait;
    ++sent;
    limiter.OnResponse(now, false);
  }
  EXPECT_LE(sent, static_cast<int>(3 * 20 * 1.2) + 15);
  // ... and the rate grows back past where it was cut along the cubic curve.
  for (int step = 0; step < 200; ++step) {
    now += limiter.SendDelay(now);
    limiter.OnResponse(now, false);
  }
  EXPECT_GT(limiter.fill_rate(), cut);
  // Never below the floor, even when throttled with nothing measured.
  ClientRateLimiter cold(5.0);
  cold.OnResponse(5.1, true);
  EXPECT_DOUBLE_EQ(cold.fill_rate(), ClientRateLimiter::kMinFillRate);
  EXPECT_DOUBLE_EQ(cold.SendDelay(5.1), 2.0);
}

TEST_F(AwsCallerTest, LegacyModeMakesFiveAttemptsWithoutAQuota) {
  AwsCaller caller = MakeCaller({.max_attempts = 5, .mode = RetryMode::kLegacy});
  for (int i = 0; i < 6; ++i) http_.Answer(503, Ec2Error("Unavailable"));
  ASSERT_FALSE(Post(caller).has_value());
  EXPECT_EQ(http_.requests_sent_.size(), 5u);
  EXPECT_EQ(caller.retry_quota().available(), 500);
}

TEST_F(AwsCallerTest, PersistsPastTheSdkAttemptsUntilTheDeadlineSayingWhy) {
  std::vector<RetryNotice> notices;
  RetryOptions options{.mode = RetryMode::kStandard,
                       .persist_until_us = clock_.NowMicros() + 120'000'000,
                       .on_wait = [&](const RetryNotice& notice) { notices.push_back(notice); }};
  AwsCaller caller = MakeCaller(options);
  for (int i = 0; i < 4; ++i) http_.Answer(400, Ec2Error("RequestLimitExceeded"));
  http_.Answer(503, "");
  http_.Answer(200, kOk);
  auto response = Post(caller);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(caller.last_attempts(), 6);
  ASSERT_EQ(notices.size(), 3u);  // attempts 4, 5 and 6 went past the SDK's three
  EXPECT_EQ(notices[0].operation, "DeleteKeyPair");
  EXPECT_EQ(notices[0].region, "us-east-1");
  EXPECT_EQ(notices[0].reason, "RequestLimitExceeded");
  EXPECT_EQ(notices[0].next_attempt, 4);
  EXPECT_GT(notices[0].seconds_left, 100);
  EXPECT_EQ(notices[2].reason, "HTTP 503");
}

TEST_F(AwsCallerTest, TheDeadlineEndsPersistenceWithTheCallAndAHint) {
  RetryOptions options{.mode = RetryMode::kStandard,
                       .persist_until_us = clock_.NowMicros() + 30'000'000};
  AwsCaller caller = MakeCaller(options);
  random_ = FakeRandom({0.9});
  http_.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{503, {}, Ec2Error("RequestLimitExceeded")};
  });
  int64_t began = clock_.NowMicros();
  auto response = Post(caller);
  ASSERT_FALSE(response.has_value());
  EXPECT_LT(clock_.NowMicros() - began, 30'000'000);  // never slept past the deadline
  EXPECT_GT(caller.last_attempts(), 3);
  EXPECT_EQ(response.error().cloud_code, "RequestLimitExceeded");
  EXPECT_NE(response.error().message.find("DeleteKeyPair (us-east-1) failed after " +
                                          std::to_string(caller.last_attempts()) + " attempts"),
            std::string::npos);
  EXPECT_NE(response.error().hint.find("--timeout"), std::string::npos);
}

TEST_F(AwsCallerTest, PersistenceSkipsWhatIsNotTransient) {
  RetryOptions options{.mode = RetryMode::kStandard,
                       .persist_until_us = clock_.NowMicros() + 600'000'000};
  {
    AwsCaller caller = MakeCaller(options);
    http_.Answer(400, Ec2Error("InvalidParameterValue"));
    ASSERT_FALSE(Post(caller).has_value());
    EXPECT_EQ(http_.requests_sent_.size(), 1u);
  }
  {
    http_.requests_sent_.clear();
    AwsCaller caller = MakeCaller(options);  // a capacity error is for failover, not waiting
    for (int i = 0; i < 3; ++i) http_.Answer(500, Ec2Error("InsufficientInstanceCapacity"));
    ASSERT_FALSE(Post(caller).has_value());
    EXPECT_EQ(http_.requests_sent_.size(), 3u);
  }
  {
    http_.requests_sent_.clear();
    AwsCaller caller = MakeCaller(options);  // nothing listens: the SDK's attempts only
    for (int i = 0; i < 3; ++i) http_.FailWith("cannot connect to 127.0.0.1:1: refused");
    auto response = Post(caller);
    ASSERT_FALSE(response.has_value());
    EXPECT_EQ(response.error().code, ErrorCode::kNetwork);
    EXPECT_EQ(http_.requests_sent_.size(), 3u);
    EXPECT_EQ(http_.answers_left(), 0u);
  }
  {
    http_.requests_sent_.clear();
    AwsCaller caller = MakeCaller(options);  // a reset connection is transient
    for (int i = 0; i < 4; ++i) http_.FailWith("the server closed the connection mid-response");
    http_.Answer(200, kOk);
    ASSERT_TRUE(Post(caller).has_value());
    EXPECT_EQ(http_.requests_sent_.size(), 5u);
  }
  {
    http_.requests_sent_.clear();
    AwsCaller caller = MakeCaller(options);  // RunInstances without a token: sent once
    http_.Answer(503, Ec2Error("Unavailable"));
    ASSERT_FALSE(Post(caller, false).has_value());
    EXPECT_EQ(http_.requests_sent_.size(), 1u);
  }
}

}  // namespace
}  // namespace gpubox::aws
