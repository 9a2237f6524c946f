#include "gpubox/local/sigv4_verifier.h"

#include <gtest/gtest.h>

#include "gpubox/aws/sigv4.h"
#include "gpubox/local/xml_writer.h"

namespace gpubox::local {
namespace {

constexpr int64_t kNow = 1798761600;  // 2027-01-01T00:00:00Z
const LocalAccount kAccount{"123456789012", "AKIALOCAL", "secret"};

ArrivedRequest Signed(int64_t when, std::string_view service = "ec2",
                      const LocalAccount& as = kAccount) {
  HttpRequest http;
  http.method = "POST";
  http.url = "http://127.0.0.1:4580/";
  http.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  http.body = "Action=DescribeRegions&Version=2016-11-15";
  aws::SignRequest(http, {as.access_key_id, as.secret_access_key, "", ""}, "us-east-1", service,
                   when);
  aws::SignableRequest signable = aws::SignableFromHttp(http);
  return {"POST", signable.path, signable.query, signable.headers, http.body};
}

TEST(Sigv4VerifierTest, AcceptsASignatureWithinTheSkewAndReturnsTheRegion) {
  auto region = VerifySigV4(Signed(kNow - 14 * 60), kAccount, "ec2", kNow);
  ASSERT_TRUE(region) << region.error().message;
  EXPECT_EQ(*region, "us-east-1");
}

TEST(Sigv4VerifierTest, RefusesOldFutureMisScopedAndForgedSignaturesAsEc2Does) {
  EXPECT_EQ(VerifySigV4(Signed(kNow - 16 * 60), kAccount, "ec2", kNow).error().code,
            "RequestExpired");
  EXPECT_EQ(VerifySigV4(Signed(kNow + 16 * 60), kAccount, "ec2", kNow).error().code,
            "RequestExpired");
  auto other_service = VerifySigV4(Signed(kNow, "s3"), kAccount, "ec2", kNow);
  EXPECT_EQ(other_service.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(other_service.error().status, 403);
  auto quotas_for_ec2 = VerifySigV4(Signed(kNow, "servicequotas"), kAccount, "ec2", kNow);
  EXPECT_FALSE(quotas_for_ec2);
  LocalAccount wrong_secret = kAccount;
  wrong_secret.secret_access_key = "other";
  LocalAccount unknown_key = kAccount;
  unknown_key.access_key_id = "AKIAOTHER";
  auto forged = VerifySigV4(Signed(kNow, "ec2", wrong_secret), kAccount, "ec2", kNow);
  auto unknown = VerifySigV4(Signed(kNow, "ec2", unknown_key), kAccount, "ec2", kNow);
  EXPECT_EQ(forged.error().code, "AuthFailure");
  EXPECT_EQ(forged.error().status, unknown.error().status);
  EXPECT_EQ(forged.error().message, unknown.error().message);
}

TEST(Sigv4VerifierTest, PresignedQueryNeedsEveryPartAndASaneExpiry) {
  ArrivedRequest request{"GET", "/", "Action=DescribeRegions&X-Amz-Algorithm=AWS4-HMAC-SHA256",
                         {{"Host", "127.0.0.1:4580"}}, ""};
  ASSERT_TRUE(IsPresigned(request.query));
  auto missing = VerifySigV4(request, kAccount, "ec2", kNow);
  EXPECT_EQ(missing.error().code, "IncompleteSignature");
  EXPECT_FALSE(IsPresigned("Action=DescribeRegions&Version=2016-11-15"));
}

TEST(Sigv4VerifierTest, ConstantTimeEqualsComparesBytesAndLengths) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(XmlEscapeTest, ControlCharactersAndBrokenUtf8BecomeReplacementCharacters) {
  std::string out;
  AppendXmlEscaped(out, std::string("a\x01<b>\t\xff\xc3\xa9\x00z", 11));
  EXPECT_EQ(out, "a\xEF\xBF\xBD&lt;b&gt;\t\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBDz");
}

}  // namespace
}  // namespace gpubox::local
