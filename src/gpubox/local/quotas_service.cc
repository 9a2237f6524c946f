#include "gpubox/local/quotas_service.h"

#include <nlohmann/json.hpp>

namespace gpubox::local {
namespace {

constexpr std::string_view kTargetPrefix = "ServiceQuotasV20190624.";
constexpr double kMaxApprovedVcpus = 4096;
constexpr char kServiceName[] = "Amazon Elastic Compute Cloud (Amazon EC2)";

nlohmann::json QuotaJson(const QuotaBucket& bucket, double value, const std::string& region,
                         const std::string& account) {
  return {{"ServiceCode", "ec2"},
          {"ServiceName", kServiceName},
          {"QuotaArn",
           "arn:aws:servicequotas:" + region + ":" + account + ":ec2/" + std::string(bucket.code)},
          {"QuotaCode", std::string(bucket.code)},
          {"QuotaName", std::string(bucket.name)},
          {"Value", value},
          {"Unit", "None"},
          {"Adjustable", true},
          {"GlobalQuota", false}};
}

}  // namespace

JsonReply JsonError(int status, std::string_view code, std::string_view message) {
  nlohmann::json body = {{"__type", std::string(code)}, {"message", std::string(message)}};
  return {status, body.dump()};
}

JsonReply QuotasService::Handle(std::string_view target, std::string_view body,
                                const std::string& region, int64_t now_micros) {
  if (!target.starts_with(kTargetPrefix)) {
    return JsonError(400, "UnknownOperationException", "Unknown operation " + std::string(target));
  }
  std::string_view operation = target.substr(kTargetPrefix.size());
  nlohmann::json input = nlohmann::json::parse(body.empty() ? "{}" : body, nullptr, false);
  if (!input.is_object()) return JsonError(400, "SerializationException", "Malformed JSON body");
  std::string service = input.value("ServiceCode", "");
  std::string code = input.value("QuotaCode", "");
  std::lock_guard lock(ec2_.mutex());
  Quotas& quotas = ec2_.quotas();
  if (operation == "ListServiceQuotas") {
    if (service != "ec2") {
      return JsonError(400, "NoSuchResourceException",
                       "The request failed because the specified "
                       "service does not exist.");
    }
    nlohmann::json list = nlohmann::json::array();
    for (const QuotaBucket& bucket : quotas.Buckets()) {
      list.push_back(
          QuotaJson(bucket, *quotas.Value(bucket.code, region), region, ec2_.account_id()));
    }
    return {200, nlohmann::json{{"Quotas", list}}.dump()};
  }
  if (operation != "GetServiceQuota" && operation != "RequestServiceQuotaIncrease") {
    return JsonError(400, "UnknownOperationException",
                     "Unknown operation " + std::string(operation));
  }
  auto bucket = quotas.FindBucket(code);
  if (service != "ec2" || !bucket) {
    return JsonError(400, "NoSuchResourceException",
                     "The request failed because the specified service or quota does not exist.");
  }
  double value = *quotas.Value(code, region);
  if (operation == "GetServiceQuota") {
    return {200,
            nlohmann::json{{"Quota", QuotaJson(*bucket, value, region, ec2_.account_id())}}.dump()};
  }
  if (!input.contains("DesiredValue") || !input["DesiredValue"].is_number()) {
    return JsonError(400, "IllegalArgumentException", "DesiredValue is required.");
  }
  double desired = input["DesiredValue"].get<double>();
  if (desired <= value) {
    return JsonError(400, "IllegalArgumentException",
                     "The requested value must be greater than the current value.");
  }
  std::string status = "APPROVED";
  if (desired > kMaxApprovedVcpus) {
    status = "DENIED";
  } else {
    quotas.Set(code, region, desired);
    nlohmann::json record = {{"code", code}, {"region", region}, {"value", desired}};
    (void)store_.Put("quota", code + "/" + region, record.dump());
  }
  double seconds = static_cast<double>(now_micros) / 1e6;
  nlohmann::json requested = {
      {"Id", "gpubox-" + std::to_string(now_micros)},
      {"CaseId", ""},
      {"ServiceCode", "ec2"},
      {"ServiceName", kServiceName},
      {"QuotaCode", code},
      {"QuotaName", std::string(bucket->name)},
      {"DesiredValue", desired},
      {"Status", status},
      {"Created", seconds},
      {"LastUpdated", seconds},
      {"Requester", "arn:aws:iam::" + ec2_.account_id() + ":root"},
      {"QuotaArn", "arn:aws:servicequotas:" + region + ":" + ec2_.account_id() + ":ec2/" + code},
      {"GlobalQuota", false},
      {"Unit", "None"}};
  return {200, nlohmann::json{{"RequestedQuota", requested}}.dump()};
}

}  // namespace gpubox::local
