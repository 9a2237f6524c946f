#pragma once
/// One AWS service endpoint, called the way botocore calls it: each attempt
/// signed afresh with SigV4 (time from the Env's clock), errors decoded into
/// cloud Errors, retries in the configured mode (aws/retry_policy.h: adaptive by
/// default) with a retry quota and a rate limiter shared by every call through this
/// caller, and, when the options carry a deadline, persistence past the SDK's attempts.
/// Clock, randomness and HTTP come from the Env.

#include <memory>
#include <string>

#include "gpubox/aws/credentials_provider.h"
#include "gpubox/aws/retry_policy.h"
#include "gpubox/sys/env.h"
#include "gpubox/sys/http_transport.h"

namespace gpubox::aws {

/// Where and how to reach one AWS service.
struct ServiceEndpoint {
  std::string url;      ///< "https://ec2.us-east-1.amazonaws.com" (path "/" added)
  std::string region;   ///< the signing region
  std::string service;  ///< the signing name: "ec2", "servicequotas"
};

enum class WireProtocol {
  kEc2Query,  ///< form body, XML answers, <Response><Errors> errors
  kJson11,    ///< awsJson1.1 body, JSON answers, {"__type"} errors
};

class AwsCaller {
 public:
  /// `env` needs clock, random and http; `credentials` must outlive this.
  AwsCaller(Env& env, ServiceEndpoint endpoint, CredentialsProvider& credentials,
            RetryOptions options = {});

  /// POSTs `body` with `headers` (Content-Type and any X-Amz-Target) and
  /// returns the 2xx response. Any other status is a cloud Error (cloud_code,
  /// request_id, http_status set); no response at all is kNetwork. Retries
  /// retryable failures unless `retry_allowed` is false (RunInstances without
  /// a ClientToken). An error after retries names the operation, the region and the
  /// attempts in its message, and says what to do in its hint.
  Result<HttpResponse> Post(const std::string& body, const HttpHeaders& headers,
                            WireProtocol protocol, bool retry_allowed = true);

  const ServiceEndpoint& endpoint() const { return endpoint_; }
  RetryQuota& retry_quota() { return quota_; }
  ClientRateLimiter& rate_limiter() { return limiter_; }
  /// Attempts made by the last Post (1 when it did not retry).
  int last_attempts() const { return last_attempts_; }

 private:
  double NowSeconds() const { return env_.clock->NowMicros() / 1e6; }
  void Sleep(double seconds);

  Env& env_;
  ServiceEndpoint endpoint_;
  CredentialsProvider& credentials_;
  RetryOptions options_;
  RetryQuota quota_;
  ClientRateLimiter limiter_;
  int last_attempts_ = 0;
};

/// The operation a request body or target names: "DescribeInstances" from an EC2 form
/// ("Action=DescribeInstances&..."), "GetServiceQuota" from an X-Amz-Target
/// ("ServiceQuotasV20190624.GetServiceQuota"); "" when neither says.
std::string OperationOf(const std::string& body, const HttpHeaders& headers);

/// The marker real transports put in a kNetwork Error's message when the
/// request timed out (it makes a retry cost more quota).
inline constexpr char kTimeoutMarker[] = "timed out";

}  // namespace gpubox::aws
