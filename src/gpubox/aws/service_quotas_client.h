#pragma once
/// Service Quotas (awsJson1.1, X-Amz-Target ServiceQuotasV20190624.*) over an
/// AwsCaller bound to the servicequotas endpoint. Errors carry the JSON
/// __type as cloud_code (NoSuchResourceException, ...).

#include <string>

#include "gpubox/aws/aws_caller.h"

namespace gpubox::aws {

struct ServiceQuota {
  std::string service_code;  ///< "ec2"
  std::string quota_code;    ///< "L-DB2E81BA"
  std::string quota_name;
  double value = 0;  ///< vCPUs for the EC2 vCPU quotas
  bool adjustable = false;
  std::string unit;
};

struct RequestedServiceQuotaChange {
  std::string id;
  std::string case_id;
  std::string service_code;
  std::string quota_code;
  double desired_value = 0;
  std::string status;  ///< "PENDING", "CASE_OPENED", "APPROVED", ...
};

class ServiceQuotasClient {
 public:
  static constexpr char kTargetPrefix[] = "ServiceQuotasV20190624.";

  explicit ServiceQuotasClient(AwsCaller& caller) : caller_(caller) {}

  Result<ServiceQuota> GetServiceQuota(const std::string& service_code,
                                       const std::string& quota_code);
  /// Retried in standard mode like any call: a repeat of a request that did
  /// land is refused (ResourceAlreadyExistsException), never double-counted.
  Result<RequestedServiceQuotaChange> RequestServiceQuotaIncrease(const std::string& service_code,
                                                                  const std::string& quota_code,
                                                                  double desired_value);

 private:
  Result<std::string> Call(const std::string& operation, const std::string& body);

  AwsCaller& caller_;
};

}  // namespace gpubox::aws
