#include "gpubox/catalog/requirements.h"

#include <algorithm>
#include <cctype>

#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

/// Lower case with spaces, '-' and '_' removed: "RTX PRO 4500" -> "rtxpro4500".
std::string Normalize(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '_') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

/// True when `wanted` names `model` in full or by its trailing words.
bool NamesModel(const std::string& wanted, std::string_view model) {
  if (wanted == Normalize(model)) return true;
  for (size_t pos = model.find(' '); pos != std::string_view::npos;
       pos = model.find(' ', pos + 1)) {
    if (wanted == Normalize(model.substr(pos + 1))) return true;
  }
  return false;
}

Error UnknownGpu(std::string_view text, const Catalog& catalog) {
  return Error{ErrorCode::kUsage, "unknown GPU '" + std::string(text) + "'",
               "known GPUs: " + Join(catalog.GpuModels(), ", ") + " (or 'any')"};
}

}  // namespace

Result<GpuSpec> ParseGpuSpec(std::string_view text, const Catalog& catalog) {
  GpuSpec spec;
  std::string_view model_text = Trim(text);
  if (size_t colon = model_text.find(':'); colon != std::string_view::npos) {
    std::string_view count_text = model_text.substr(colon + 1);
    model_text = model_text.substr(0, colon);
    auto count = ParseInt(count_text);
    if (!count || *count < 1 || *count > 1024) {
      return Fail(ErrorCode::kUsage,
                  "bad GPU count '" + std::string(count_text) + "' in --gpu " + std::string(text),
                  "use MODEL[:COUNT] with COUNT at least 1, e.g. V100:4");
    }
    spec.count = static_cast<int>(*count);
  }
  std::string wanted = Normalize(model_text);
  if (wanted.empty()) {
    return Fail(ErrorCode::kUsage, "empty GPU model in --gpu '" + std::string(text) + "'",
                "use MODEL[:COUNT], e.g. T4 or A100:8, or 'any'");
  }
  if (wanted == "any") return spec;
  std::vector<std::string> matches;
  for (const std::string& model : catalog.GpuModels()) {
    if (wanted == Normalize(model)) return GpuSpec{model, spec.count};
    if (NamesModel(wanted, model)) matches.push_back(model);
  }
  if (matches.size() == 1) return GpuSpec{matches[0], spec.count};
  if (matches.size() > 1) {
    return Fail(ErrorCode::kUsage, "GPU '" + std::string(model_text) + "' is ambiguous",
                "it could be: " + Join(matches, ", "));
  }
  return std::unexpected(UnknownGpu(model_text, catalog));
}

Result<void> Validate(const Requirements& requirements, const Catalog& catalog) {
  for (const std::string& region : requirements.regions) {
    if (!catalog.FindRegion(region)) {
      return Fail(ErrorCode::kUsage, "unknown region '" + region + "'",
                  "known regions: " + Join(catalog.regions(), ", "));
    }
  }
  if (!requirements.arch.empty() && requirements.arch != "x86_64" && requirements.arch != "arm64") {
    return Fail(ErrorCode::kUsage, "unknown architecture '" + requirements.arch + "'",
                "use --arch x86_64 or --arch arm64");
  }
  auto non_negative = [](const std::optional<double>& value, const char* flag) -> Result<void> {
    if (value && *value < 0) {
      return Fail(ErrorCode::kUsage,
                  std::string(flag) + " must not be negative (got " + FormatDouble(*value) + ")");
    }
    return {};
  };
  GPUBOX_TRY_VOID(non_negative(requirements.gpu_mem_gib, "--gpu-mem"));
  GPUBOX_TRY_VOID(non_negative(requirements.mem_gib, "--mem"));
  GPUBOX_TRY_VOID(non_negative(requirements.max_price, "--max-price"));
  if (requirements.vcpus && *requirements.vcpus < 0) {
    return Fail(ErrorCode::kUsage, "--vcpus must not be negative");
  }
  if (!requirements.on_demand && !requirements.spot) {
    return Fail(ErrorCode::kUsage, "no market left to search",
                "--spot and --on-demand each pick one market; give at most one");
  }
  return {};
}

bool TypeMatches(const InstanceType& type, const Requirements& requirements) {
  const GpuSpec& gpu = requirements.gpu;
  if (gpu.model.empty()) {
    if (type.generation == Generation::kPrevious) return false;
  } else if (type.gpu_model != gpu.model) {
    return false;
  }
  if (gpu.count && type.gpu_count != *gpu.count) return false;
  if (requirements.gpu_mem_gib && type.gpu_mem_mib < *requirements.gpu_mem_gib * 1024) {
    return false;
  }
  if (requirements.vcpus && type.vcpus < *requirements.vcpus) return false;
  if (requirements.mem_gib && type.mem_mib < *requirements.mem_gib * 1024) return false;
  if (!requirements.arch.empty() && type.arch != requirements.arch) return false;
  return true;
}

}  // namespace gpubox
