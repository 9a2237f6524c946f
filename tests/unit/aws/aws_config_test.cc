// Profile, region, endpoint and credential resolution with a fake file system
// and fake environment variables (nothing from the real process).

#include "gpubox/aws/aws_config.h"

#include <gtest/gtest.h>

#include "unit/fakes/fake_clock.h"
#include "unit/fakes/fake_file_system.h"
#include "unit/fakes/fake_http_transport.h"

namespace gpubox::aws {
namespace {

class AwsConfigTest : public ::testing::Test {
 protected:
  AwsConfigTest() {
    env_.files = &files_;
    env_.http = &http_;
    env_.clock = &clock_;
    env_.vars["HOME"] = "/home/u";
  }
  testing::FakeFileSystem files_;
  testing::FakeHttpTransport http_;
  testing::FakeClock clock_;
  Env env_;
};

TEST_F(AwsConfigTest, RegionFromFlagThenAwsRegionThenDefaultRegionThenProfile) {
  files_.files_["/home/u/.aws/config"] = "[default]\nregion = eu-central-1\n";
  EXPECT_EQ(ResolveAwsConfig(env_, {})->region, "eu-central-1");
  env_.vars["AWS_DEFAULT_REGION"] = "us-west-2";
  EXPECT_EQ(ResolveAwsConfig(env_, {})->region, "us-west-2");
  env_.vars["AWS_REGION"] = "ap-south-1";
  EXPECT_EQ(ResolveAwsConfig(env_, {})->region, "ap-south-1");
  EXPECT_EQ(ResolveAwsConfig(env_, {std::nullopt, "sa-east-1", std::nullopt})->region, "sa-east-1");
}

TEST_F(AwsConfigTest, RetryModeAndAttemptsFromVariablesThenTheProfileAsTheSdksDo) {
  env_.vars["AWS_REGION"] = "us-east-1";
  auto retry = [&] { return ResolveAwsConfig(env_, {})->retry; };
  EXPECT_EQ(retry().mode, RetryMode::kAdaptive);  // gpubox's default
  EXPECT_EQ(retry().max_attempts, 3);
  files_.files_["/home/u/.aws/config"] =
      "[default]\nretry_mode = legacy\n[profile slow]\nretry_mode = standard\nmax_attempts = 7\n";
  EXPECT_EQ(retry().mode, RetryMode::kLegacy);
  EXPECT_EQ(retry().max_attempts, 5);  // legacy's own default
  env_.vars["AWS_PROFILE"] = "slow";
  EXPECT_EQ(retry().mode, RetryMode::kStandard);
  EXPECT_EQ(retry().max_attempts, 7);
  env_.vars["AWS_RETRY_MODE"] = "adaptive";  // the variables win over the file
  env_.vars["AWS_MAX_ATTEMPTS"] = "10";
  EXPECT_EQ(retry().mode, RetryMode::kAdaptive);
  EXPECT_EQ(retry().max_attempts, 10);
}

TEST_F(AwsConfigTest, UnknownRetryModeOrBadAttemptsAreUsageErrors) {
  env_.vars["AWS_REGION"] = "us-east-1";
  env_.vars["AWS_RETRY_MODE"] = "aggressive";
  auto config = ResolveAwsConfig(env_, {});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, ErrorCode::kUsage);
  EXPECT_NE(config.error().message.find("aggressive"), std::string::npos);
  EXPECT_NE(config.error().hint.find("legacy, standard or adaptive"), std::string::npos);
  env_.vars.erase("AWS_RETRY_MODE");
  for (const char* bad : {"0", "-1", "three", "1.5"}) {
    env_.vars["AWS_MAX_ATTEMPTS"] = bad;
    auto attempts = ResolveRetryOptions(env_, nullptr);
    ASSERT_FALSE(attempts.has_value()) << bad;
    EXPECT_EQ(attempts.error().code, ErrorCode::kUsage);
  }
  env_.vars["AWS_MAX_ATTEMPTS"] = "1";
  EXPECT_EQ(ResolveRetryOptions(env_, nullptr)->max_attempts, 1);
}

TEST_F(AwsConfigTest, NoRegionAnywhereIsAUsageError) {
  auto config = ResolveAwsConfig(env_, {});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, ErrorCode::kUsage);
  EXPECT_NE(config.error().message.find("AWS_REGION"), std::string::npos);
}

TEST_F(AwsConfigTest, EndpointsFromFlagServiceVariableGlobalVariableOrDefault) {
  env_.vars["AWS_REGION"] = "us-east-1";
  auto ec2 = [&](const AwsFlags& flags, const std::string& region) {
    return ResolveAwsConfig(env_, flags)->Endpoint("ec2", region).url;
  };
  auto quotas = [&](const AwsFlags& flags, const std::string& region) {
    return ResolveAwsConfig(env_, flags)->Endpoint("servicequotas", region).url;
  };
  EXPECT_EQ(ec2({}, "us-east-1"), "https://ec2.us-east-1.amazonaws.com");
  EXPECT_EQ(quotas({}, "us-east-1"), "https://servicequotas.us-east-1.amazonaws.com");
  // Every region from the one resolver, China's with its own domain.
  EXPECT_EQ(ec2({}, "eu-west-1"), "https://ec2.eu-west-1.amazonaws.com");
  EXPECT_EQ(ec2({}, "cn-north-1"), "https://ec2.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(quotas({}, "cn-northwest-1"), "https://servicequotas.cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(ResolveAwsConfig(env_, {})->Endpoint("ec2", "eu-west-1").region, "eu-west-1");
  env_.vars["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4000";
  EXPECT_EQ(ec2({}, "us-east-1"), "http://127.0.0.1:4000");
  EXPECT_EQ(quotas({}, "us-west-2"), "http://127.0.0.1:4000");
  env_.vars["AWS_ENDPOINT_URL_EC2"] = "http://127.0.0.1:5000";
  EXPECT_EQ(ec2({}, "us-east-1"), "http://127.0.0.1:5000");
  EXPECT_EQ(quotas({}, "us-east-1"), "http://127.0.0.1:4000");
  AwsFlags flagged{std::nullopt, std::nullopt, "http://127.0.0.1:6000"};
  EXPECT_EQ(ec2(flagged, "us-east-1"), "http://127.0.0.1:6000");
  EXPECT_EQ(quotas(flagged, "us-east-1"), "http://127.0.0.1:6000");
}

TEST_F(AwsConfigTest, EnvironmentCredentialsWinWithSessionToken) {
  env_.vars["AWS_REGION"] = "us-east-1";
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "secret-env";
  env_.vars["AWS_SESSION_TOKEN"] = "token-env";
  files_.files_["/home/u/.aws/credentials"] =
      "[default]\naws_access_key_id=AKIAFILE\n"
      "aws_secret_access_key=secret-file\n";
  auto credentials = ResolveCredentials(env_, *ResolveAwsConfig(env_, {}));
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ(credentials->access_key_id, "AKIAENV");
  EXPECT_EQ(credentials->session_token, "token-env");
  EXPECT_EQ(credentials->source, "environment");
}

TEST_F(AwsConfigTest, ProfilesFromCredentialsFileThenConfigFile) {
  env_.vars["AWS_PROFILE"] = "work";
  env_.vars["AWS_SHARED_CREDENTIALS_FILE"] = "/etc/creds";
  env_.vars["AWS_CONFIG_FILE"] = "/etc/conf";
  files_.files_["/etc/creds"] =
      "# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s0\n"
      "[work]\n  aws_access_key_id = AKIAWORK  \naws_secret_access_key = s1\n"
      "aws_session_token = t1\n";
  files_.files_["/etc/conf"] =
      "[profile work]\nregion = eu-west-1\n"
      "[profile other]\nregion = us-east-2\n"
      "aws_access_key_id = AKIAOTHER\naws_secret_access_key = s2\n";
  auto config = ResolveAwsConfig(env_, {});
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->region, "eu-west-1");
  auto work = ResolveCredentials(env_, *config);
  ASSERT_TRUE(work.has_value());
  EXPECT_EQ(work->access_key_id, "AKIAWORK");
  EXPECT_EQ(work->secret_access_key, "s1");
  EXPECT_EQ(work->session_token, "t1");

  auto other_config = ResolveAwsConfig(env_, {"other", std::nullopt, std::nullopt});
  ASSERT_TRUE(other_config.has_value());
  EXPECT_EQ(other_config->region, "us-east-2");
  auto other = ResolveCredentials(env_, *other_config);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->access_key_id, "AKIAOTHER");

  auto missing = ResolveAwsConfig(env_, {"nope", "us-east-1", std::nullopt});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("'nope' not found"), std::string::npos);
}

TEST_F(AwsConfigTest, MissingCredentialsNameEveryPlaceLookedAndNeverAskImdsOffEc2) {
  env_.vars["AWS_REGION"] = "us-east-1";
  auto credentials = ResolveCredentials(env_, *ResolveAwsConfig(env_, {}));
  ASSERT_FALSE(credentials.has_value());
  const Error& error = credentials.error();
  EXPECT_EQ(error.code, ErrorCode::kCredentials);
  EXPECT_NE(error.message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_NE(error.message.find("/home/u/.aws/credentials [default]"), std::string::npos);
  EXPECT_NE(error.message.find("/home/u/.aws/config [default]"), std::string::npos);
  EXPECT_NE(error.message.find("not on an EC2 instance"), std::string::npos);
  EXPECT_TRUE(http_.requests_sent_.empty());
}

TEST_F(AwsConfigTest, PartialEnvironmentCredentialsAreAnError) {
  env_.vars["AWS_REGION"] = "us-east-1";
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  auto credentials = ResolveCredentials(env_, *ResolveAwsConfig(env_, {}));
  ASSERT_FALSE(credentials.has_value());
  EXPECT_NE(credentials.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST_F(AwsConfigTest, InstanceRoleFromImdsOnAnInstance) {
  env_.vars["AWS_REGION"] = "us-east-1";
  files_.files_["/sys/devices/virtual/dmi/id/sys_vendor"] = "Amazon EC2\n";
  http_.Answer(200, "tok-1");
  http_.Answer(200, "my-role\n");
  http_.Answer(200, R"({"Code":"Success","AccessKeyId":"ASIAROLE","SecretAccessKey":"s3",
                        "Token":"role-token","Expiration":"2099-01-01T00:00:00Z"})");
  auto credentials = ResolveCredentials(env_, *ResolveAwsConfig(env_, {}));
  ASSERT_TRUE(credentials.has_value()) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "ASIAROLE");
  EXPECT_EQ(credentials->session_token, "role-token");
  EXPECT_EQ(credentials->source, "instance role my-role");
  ASSERT_EQ(http_.requests_sent_.size(), 3u);
  EXPECT_EQ(http_.requests_sent_[2].url,
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role");

  env_.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  EXPECT_FALSE(ImdsAvailable(env_));
}

}  // namespace
}  // namespace gpubox::aws
