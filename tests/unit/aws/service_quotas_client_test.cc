// Service Quotas over awsJson1.1: the request body and target as botocore's
// serializer makes them, answers and __type errors as botocore's parser reads
// them (tests/oracles/quotas_oracle.py).

#include "gpubox/aws/service_quotas_client.h"

#include <gtest/gtest.h>

#include "unit/aws/oracle.h"
#include "unit/fakes/fake_clock.h"
#include "unit/fakes/fake_http_transport.h"

namespace gpubox::aws {
namespace {

using nlohmann::json;

std::string Header(const HttpRequest& request, const std::string& name) {
  for (const auto& [header, value] : request.headers) {
    if (header == name) return value;
  }
  return "";
}

class ServiceQuotasClientTest : public ::testing::Test {
 protected:
  ServiceQuotasClientTest() {
    env_.http = &http_;
    env_.clock = &clock_;
    env_.random = &random_;
  }
  testing::FakeHttpTransport http_;
  testing::FakeClock clock_;
  testing::FakeRandom random_;
  Env env_;
  StaticCredentialsProvider credentials_{Credentials{"AKID", "SECRET", "", "test"}};
  AwsCaller caller_{env_,
                    {"https://servicequotas.us-east-1.amazonaws.com", "us-east-1", "servicequotas"},
                    credentials_};
  ServiceQuotasClient quotas_{caller_};
};

TEST_F(ServiceQuotasClientTest, RequestsAndAnswersAgreeWithBotocore) {
  const std::string quota_answer =
      R"json({"Quota":{"ServiceCode":"ec2","ServiceName":"Amazon Elastic Compute Cloud (Amazon EC2)",
          "QuotaArn":"arn:aws:servicequotas:us-east-1:123456789012:ec2/L-DB2E81BA",
          "QuotaCode":"L-DB2E81BA","QuotaName":"Running On-Demand G and VT instances",
          "Value":64.0,"Unit":"None","Adjustable":true,"GlobalQuota":false}})json";
  const std::string increase_answer =
      R"({"RequestedQuota":{"Id":"req-1","CaseId":"case-9","ServiceCode":"ec2",
          "QuotaCode":"L-DB2E81BA","DesiredValue":96.0,"Status":"PENDING",
          "Created":1.7040672E9,"Requester":"arn:aws:iam::123456789012:root"}})";
  http_.Answer(200, quota_answer, {{"x-amzn-requestid", "q-1"}});
  http_.Answer(200, increase_answer, {{"x-amzn-requestid", "q-2"}});
  auto quota = quotas_.GetServiceQuota("ec2", "L-DB2E81BA");
  ASSERT_TRUE(quota.has_value()) << quota.error().message;
  auto change = quotas_.RequestServiceQuotaIncrease("ec2", "L-DB2E81BA", 96);
  ASSERT_TRUE(change.has_value()) << change.error().message;

  json oracle = testing::RunOracle(
      "quotas_oracle.py",
      json::array(
          {{{"serialize", "GetServiceQuota"},
            {"params", {{"ServiceCode", "ec2"}, {"QuotaCode", "L-DB2E81BA"}}}},
           {{"serialize", "RequestServiceQuotaIncrease"},
            {"params",
             {{"ServiceCode", "ec2"}, {"QuotaCode", "L-DB2E81BA"}, {"DesiredValue", 96.0}}}},
           {{"parse", "GetServiceQuota"},
            {"status", 200},
            {"headers", json::object()},
            {"body", quota_answer}},
           {{"parse", "RequestServiceQuotaIncrease"},
            {"status", 200},
            {"headers", json::object()},
            {"body", increase_answer}}}));
  ASSERT_TRUE(oracle.is_array()) << oracle.dump();
  ASSERT_EQ(http_.requests_sent_.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const HttpRequest& sent = http_.requests_sent_[i];
    EXPECT_EQ(json::parse(sent.body), json::parse(oracle[i]["body"].get<std::string>()));
    EXPECT_EQ(Header(sent, "X-Amz-Target"), oracle[i]["headers"]["X-Amz-Target"]);
    EXPECT_EQ(Header(sent, "Content-Type"), oracle[i]["headers"]["Content-Type"]);
    EXPECT_NE(Header(sent, "Authorization").find("/us-east-1/servicequotas/aws4_request"),
              std::string::npos);
  }
  const json& q = oracle[2]["Quota"];
  EXPECT_EQ(quota->quota_code, q["QuotaCode"]);
  EXPECT_EQ(quota->quota_name, q["QuotaName"]);
  EXPECT_DOUBLE_EQ(quota->value, q["Value"].get<double>());
  EXPECT_EQ(quota->adjustable, q["Adjustable"]);
  const json& r = oracle[3]["RequestedQuota"];
  EXPECT_EQ(change->id, r["Id"]);
  EXPECT_EQ(change->case_id, r["CaseId"]);
  EXPECT_EQ(change->status, r["Status"]);
  EXPECT_DOUBLE_EQ(change->desired_value, r["DesiredValue"].get<double>());
}

TEST_F(ServiceQuotasClientTest, JsonErrorsCarryTheTypeLikeBotocore) {
  const std::vector<std::string> bodies = {
      R"({"__type":"com.amazonaws.servicequotas.model#NoSuchResourceException","Message":"no quota"})",
      R"({"__type":"ResourceAlreadyExistsException","message":"already requested"})"};
  for (const std::string& body : bodies) {
    http_.Answer(400, body, {{"x-amzn-requestid", "err-req"}});
  }
  auto first = quotas_.GetServiceQuota("ec2", "L-NOPE");
  auto second = quotas_.RequestServiceQuotaIncrease("ec2", "L-DB2E81BA", 96);
  ASSERT_FALSE(first.has_value());
  ASSERT_FALSE(second.has_value());
  json oracle = testing::RunOracle("quotas_oracle.py",
                                   json::array({{{"parse", "GetServiceQuota"},
                                                 {"status", 400},
                                                 {"headers", {{"x-amzn-requestid", "err-req"}}},
                                                 {"body", bodies[0]}},
                                                {{"parse", "RequestServiceQuotaIncrease"},
                                                 {"status", 400},
                                                 {"headers", {{"x-amzn-requestid", "err-req"}}},
                                                 {"body", bodies[1]}}}));
  ASSERT_TRUE(oracle.is_array()) << oracle.dump();
  EXPECT_EQ(first.error().cloud_code, oracle[0]["Error"]["Code"]);
  EXPECT_EQ(first.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(first.error().request_id, oracle[0]["ResponseMetadata"]["RequestId"]);
  EXPECT_EQ(second.error().cloud_code, oracle[1]["Error"]["Code"]);
  EXPECT_NE(second.error().message.find(oracle[1]["Error"]["Message"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(second.error().http_status, 400);
}

}  // namespace
}  // namespace gpubox::aws
