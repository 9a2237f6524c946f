#pragma once
/// IMDSv2, the instance metadata service: a session token PUT with a TTL,
/// then GETs carrying it; 1 s timeouts (a host that is not an instance must
/// not stall). Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT, else
/// http://169.254.169.254.

#include <optional>
#include <string>
#include <string_view>

#include "gpubox/aws/sigv4.h"
#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace gpubox::aws {

/// A spot interruption notice (spot/instance-action).
struct SpotInstanceAction {
  std::string action;  ///< "terminate", "stop", "hibernate"
  std::string time;    ///< when, ISO 8601 ("2017-09-18T08:22:00Z")
};

class ImdsClient {
 public:
  static constexpr int kTimeoutMs = 1000;
  static constexpr int kTokenTtlSeconds = 21600;
  static constexpr char kDefaultEndpoint[] = "http://169.254.169.254";

  /// `env` needs http and clock.
  explicit ImdsClient(Env& env);

  /// GETs a metadata path ("/latest/meta-data/instance-id"). kNotFound on 404,
  /// kNetwork when IMDS cannot be reached, kCloud on other statuses. A token
  /// the service no longer accepts (401) is renewed once.
  Result<std::string> Get(std::string_view path);

  Result<std::string> InstanceId();
  Result<std::string> InstanceType();
  Result<std::string> AvailabilityZone();
  /// nullopt while there is no interruption notice (IMDS answers 404).
  Result<std::optional<SpotInstanceAction>> SpotAction();
  /// The instance role's temporary credentials (iam/security-credentials/).
  Result<Credentials> RoleCredentials();
  /// The expiry (ISO 8601) of the last credentials RoleCredentials returned.
  const std::string& role_credentials_expiration() const { return expiration_; }

  const std::string& endpoint() const { return endpoint_; }

 private:
  Result<std::string> Token(bool renew);

  Env& env_;
  std::string endpoint_;
  std::string token_;
  int64_t token_expires_micros_ = 0;
  std::string expiration_;
};

}  // namespace gpubox::aws
