#include "gpubox/box/quota_check.h"

#include "gpubox/box/instance_facts.h"
#include "gpubox/catalog/quota.h"
#include "gpubox/util/strings.h"

namespace gpubox {

std::string QuotaVerdict::Explain() const {
  std::string text = "quota " + quota_code + " (" + quota_name + ") in " + region + " is " +
                     FormatDouble(quota_value) + " vCPUs, " + std::to_string(vcpus_in_use) +
                     " in use, " + std::to_string(vcpus_needed) + " needed";
  if (!ok) {
    text += ": request an increase to " + std::to_string(request_value) + " (quota " + quota_code +
            ", region " + region + ")";
  }
  return text;
}

Result<std::map<std::string, int>> QuotaChecker::InUse(const std::string& region) {
  if (auto cached = in_use_.find(region); cached != in_use_.end()) return cached->second;
  auto instances = GPUBOX_TRY(cloud_.DescribeInstances(
      region, {aws::Filter{"instance-state-name", {"pending", "running"}}}));
  std::map<std::string, int> used;
  for (const aws::Instance& instance : instances) {
    if (instance.state.code != 0 && instance.state.code != 16) continue;
    auto type_idx = catalog_.FindType(instance.instance_type);
    if (!type_idx) continue;
    const InstanceType& type = catalog_.types()[*type_idx];
    Market market = InstanceMarket(instance);
    used[std::string(QuotaFor(type.family, market).code)] += QuotaVcpus(type);
  }
  in_use_[region] = used;
  return used;
}

Result<QuotaVerdict> QuotaChecker::Check(const std::string& region, const InstanceType& type,
                                         Market market, int count) {
  QuotaBucket bucket = QuotaFor(type.family, market);
  QuotaVerdict verdict;
  verdict.region = region;
  verdict.quota_code = bucket.code;
  verdict.quota_name = bucket.name;
  auto key = std::make_pair(region, verdict.quota_code);
  if (auto cached = values_.find(key); cached != values_.end()) {
    verdict.quota_value = cached->second;
  } else {
    verdict.quota_value = GPUBOX_TRY(cloud_.QuotaValue(region, verdict.quota_code));
    values_[key] = verdict.quota_value;
  }
  auto used = GPUBOX_TRY(InUse(region));
  verdict.vcpus_in_use = used[verdict.quota_code];
  verdict.vcpus_needed = QuotaVcpus(type) * count;
  verdict.ok = verdict.vcpus_in_use + verdict.vcpus_needed <= verdict.quota_value;
  if (!verdict.ok) verdict.request_value = verdict.vcpus_in_use + verdict.vcpus_needed;
  return verdict;
}

}  // namespace gpubox
