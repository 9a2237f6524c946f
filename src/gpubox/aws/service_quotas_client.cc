#include "gpubox/aws/service_quotas_client.h"

#include <nlohmann/json.hpp>

namespace gpubox::aws {
namespace {

Result<nlohmann::json> ParseObject(const std::string& body, const char* member) {
  nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  if (!document.is_object() || !document.contains(member) || !document[member].is_object()) {
    return Fail(ErrorCode::kCloud, std::string("Service Quotas answer without ") + member);
  }
  return document[member];
}

double NumberOr(const nlohmann::json& object, const char* name) {
  auto found = object.find(name);
  return found != object.end() && found->is_number() ? found->get<double>() : 0;
}

}  // namespace

Result<std::string> ServiceQuotasClient::Call(const std::string& operation,
                                              const std::string& body) {
  HttpHeaders headers = {{"Content-Type", "application/x-amz-json-1.1"},
                         {"X-Amz-Target", std::string(kTargetPrefix) + operation}};
  HttpResponse response = GPUBOX_TRY(caller_.Post(body, headers, WireProtocol::kJson11));
  return std::move(response.body);
}

Result<ServiceQuota> ServiceQuotasClient::GetServiceQuota(const std::string& service_code,
                                                          const std::string& quota_code) {
  nlohmann::ordered_json request = {{"ServiceCode", service_code}, {"QuotaCode", quota_code}};
  std::string body = GPUBOX_TRY(Call("GetServiceQuota", request.dump()));
  nlohmann::json quota = GPUBOX_TRY(ParseObject(body, "Quota"));
  return ServiceQuota{quota.value("ServiceCode", ""),   quota.value("QuotaCode", ""),
                      quota.value("QuotaName", ""),     NumberOr(quota, "Value"),
                      quota.value("Adjustable", false), quota.value("Unit", "")};
}

Result<RequestedServiceQuotaChange> ServiceQuotasClient::RequestServiceQuotaIncrease(
    const std::string& service_code, const std::string& quota_code, double desired_value) {
  nlohmann::ordered_json request = {
      {"ServiceCode", service_code}, {"QuotaCode", quota_code}, {"DesiredValue", desired_value}};
  std::string body = GPUBOX_TRY(Call("RequestServiceQuotaIncrease", request.dump()));
  nlohmann::json change = GPUBOX_TRY(ParseObject(body, "RequestedQuota"));
  return RequestedServiceQuotaChange{
      change.value("Id", ""),           change.value("CaseId", ""),
      change.value("ServiceCode", ""),  change.value("QuotaCode", ""),
      NumberOr(change, "DesiredValue"), change.value("Status", "")};
}

}  // namespace gpubox::aws
