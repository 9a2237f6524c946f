#pragma once
/// JSON shapes of boxes and quota verdicts, shared by the box commands.

#include <nlohmann/json.hpp>

#include "gpubox/box/lifecycle.h"
#include "gpubox/box/quota_check.h"
#include "gpubox/state/box_store.h"

namespace gpubox {

nlohmann::json BoxJson(const BoxRecord& box);
nlohmann::json ListingJson(const BoxListing& listing);
nlohmann::json QuotaJson(const QuotaVerdict& verdict);

}  // namespace gpubox
