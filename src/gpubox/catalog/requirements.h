#pragma once
/// What the user asks for: parsed from flags, validated against a catalog, and
/// matched against instance types and offers by the optimizer.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/catalog/catalog.h"
#include "gpubox/util/result.h"

namespace gpubox {

/// `MODEL[:COUNT]` or `any`. MODEL alone matches every type with that GPU
/// (fractional slices included); MODEL:COUNT matches exactly COUNT whole GPUs.
struct GpuSpec {
  std::string model;         ///< the catalog's spelling; empty means any GPU
  std::optional<int> count;  ///< exact whole-GPU count; nullopt means any count
};

/// Parses a GPU spec case-insensitively against the catalog's models. A model
/// may be named by its trailing words ("K520" for "GRID K520"). Usage errors
/// for a count below 1, junk, or an unknown model (the hint lists the known).
Result<GpuSpec> ParseGpuSpec(std::string_view text, const Catalog& catalog);

struct Requirements {
  GpuSpec gpu;
  std::optional<double> gpu_mem_gib;  ///< minimum per GPU
  std::optional<int> vcpus;           ///< minimum
  std::optional<double> mem_gib;      ///< minimum RAM
  std::vector<std::string> regions;   ///< empty means every region
  bool on_demand = true;
  bool spot = true;
  std::optional<double> max_price;  ///< $/h, inclusive
  std::string arch;                 ///< "x86_64", "arm64", or empty for any
};

/// Checks ranges and names: unknown regions and architectures, negative
/// numbers. Returns a usage error naming the first bad value.
Result<void> Validate(const Requirements& requirements, const Catalog& catalog);

/// True when the type satisfies the GPU spec and the hardware minimums.
/// Previous-generation types match only a spec that names their GPU model.
bool TypeMatches(const InstanceType& type, const Requirements& requirements);

}  // namespace gpubox
