// Standard-mode retries, proven with a fake transport and a fake clock:
// the delays, the attempt limit, the retry quota, what retries and what not.

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
  AwsCaller caller = MakeCaller(RetryOptions{5, 20});
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
  AwsCaller caller = MakeCaller();  // default: 3 attempts
  for (int i = 0; i < 5; ++i) http_.Answer(400, Ec2Error("Throttling"));
  auto response = Post(caller);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(http_.requests_sent_.size(), 3u);
  EXPECT_EQ(clock_.sleeps_micros_.size(), 2u);
  EXPECT_EQ(response.error().cloud_code, "Throttling");
  EXPECT_EQ(response.error().request_id, "req-42");
  EXPECT_EQ(response.error().http_status, 400);
  EXPECT_EQ(caller.retry_quota().available(), 490);
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

}  // namespace
}  // namespace gpubox::aws
