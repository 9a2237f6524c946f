#include "gpubox/cli/requirement_flags.h"

#include <CLI/CLI.hpp>

#include "gpubox/util/strings.h"

namespace gpubox {

Result<double> ParseNumberFlag(const std::string& flag, const std::string& text) {
  auto value = ParseDouble(text);
  if (!value) {
    return Fail(ErrorCode::kUsage, flag + " expects a number, got '" + text + "'");
  }
  if (*value < 0) {
    return Fail(ErrorCode::kUsage, flag + " must not be negative, got '" + text + "'");
  }
  return *value;
}

Result<long long> ParseCountFlag(const std::string& flag, const std::string& text) {
  auto value = ParseInt(text);
  if (!value || *value < 0) {
    return Fail(ErrorCode::kUsage, flag + " expects a whole number >= 0, got '" + text + "'");
  }
  return *value;
}

Result<int64_t> ParseDurationSeconds(const std::string& flag, const std::string& text) {
  std::string digits = text;
  int64_t unit = 1;
  if (!digits.empty() && (digits.back() == 's' || digits.back() == 'm' || digits.back() == 'h')) {
    unit = digits.back() == 'h' ? 3600 : digits.back() == 'm' ? 60 : 1;
    digits.pop_back();
  }
  auto value = ParseInt(digits);
  if (!value || *value < 0 || *value > 10'000'000 / unit) {
    return Fail(ErrorCode::kUsage,
                flag + " expects a duration (90, 30s, 10m, 2h), got '" + text + "'");
  }
  return *value * unit;
}

void RequirementFlags::Add(CLI::App& app) {
  app.add_option("--gpu", gpu_, "GPU as MODEL[:COUNT] (T4, v100:4, A100:8) or 'any'")
      ->default_str("any");
  app.add_option("--gpu-mem", gpu_mem_, "minimum memory per GPU, GiB");
  app.add_option("--vcpus", vcpus_, "minimum vCPUs");
  app.add_option("--mem", mem_, "minimum RAM, GiB");
  app.add_option("--region", regions_, "region to search (repeatable; default: all)")
      ->allow_extra_args(false);
  app.add_flag("--spot", spot_, "spot market only");
  app.add_flag("--on-demand", on_demand_, "on-demand market only");
  app.add_option("--max-price", max_price_, "highest price, USD per hour");
  app.add_option("--arch", arch_, "CPU architecture: x86_64 or arm64");
}

Result<Requirements> RequirementFlags::Resolve(const Catalog& catalog) const {
  Requirements requirements;
  requirements.gpu = GPUBOX_TRY(ParseGpuSpec(gpu_, catalog));
  if (!gpu_mem_.empty())
    requirements.gpu_mem_gib = GPUBOX_TRY(ParseNumberFlag("--gpu-mem", gpu_mem_));
  if (!mem_.empty()) requirements.mem_gib = GPUBOX_TRY(ParseNumberFlag("--mem", mem_));
  if (!max_price_.empty()) {
    requirements.max_price = GPUBOX_TRY(ParseNumberFlag("--max-price", max_price_));
  }
  if (!vcpus_.empty()) {
    requirements.vcpus = static_cast<int>(GPUBOX_TRY(ParseCountFlag("--vcpus", vcpus_)));
  }
  requirements.regions = regions_;
  requirements.arch = arch_;
  if (spot_ && on_demand_) {
    return Fail(ErrorCode::kUsage, "--spot and --on-demand exclude each other",
                "leave both out to search both markets");
  }
  if (spot_) requirements.on_demand = false;
  if (on_demand_) requirements.spot = false;
  GPUBOX_TRY_VOID(Validate(requirements, catalog));
  return requirements;
}

}  // namespace gpubox
