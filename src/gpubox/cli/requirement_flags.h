#pragma once
/// The requirement flags shared by offers, quota and up (--gpu, --gpu-mem,
/// --vcpus, --mem, --region, --spot/--on-demand, --max-price, --arch).

#include <string>
#include <vector>

#include "gpubox/catalog/catalog.h"
#include "gpubox/catalog/requirements.h"
#include "gpubox/util/result.h"

namespace CLI {
class App;
}

namespace gpubox {

class RequirementFlags {
 public:
  void Add(CLI::App& app);
  /// Parses and validates the flags against the catalog; usage errors name the flag.
  Result<Requirements> Resolve(const Catalog& catalog) const;

 private:
  std::string gpu_ = "any";
  std::string gpu_mem_, vcpus_, mem_, max_price_, arch_;
  std::vector<std::string> regions_;
  bool spot_ = false;
  bool on_demand_ = false;
};

/// Parses a number flag: a usage error "FLAG expects ..." on junk.
Result<double> ParseNumberFlag(const std::string& flag, const std::string& text);
Result<long long> ParseCountFlag(const std::string& flag, const std::string& text);
/// A duration: whole seconds ("90"), or with a unit ("30s", "10m", "2h"); a usage error
/// naming the flag otherwise.
Result<int64_t> ParseDurationSeconds(const std::string& flag, const std::string& text);

}  // namespace gpubox
