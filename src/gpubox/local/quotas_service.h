#pragma once
/// Service Quotas (awsJson1.1, X-Amz-Target "ServiceQuotasV20190624.<Op>") for
/// the local account's EC2 vCPU quotas: GetServiceQuota, ListServiceQuotas,
/// RequestServiceQuotaIncrease (approved at once, up to 4096 vCPUs).

#include <string>
#include <string_view>

#include "gpubox/local/ec2_service.h"

namespace gpubox::local {

struct JsonReply {
  int status = 200;
  std::string body;
};

class QuotasService {
 public:
  QuotasService(Ec2Service& ec2, Store& store) : ec2_(ec2), store_(store) {}

  /// `target` is the X-Amz-Target header; `region` the request's scope.
  JsonReply Handle(std::string_view target, std::string_view body, const std::string& region,
                   int64_t now_micros);

 private:
  Ec2Service& ec2_;
  Store& store_;
};

/// {"__type": code, "message": message} as awsJson1.1 errors are written.
JsonReply JsonError(int status, std::string_view code, std::string_view message);

}  // namespace gpubox::local
