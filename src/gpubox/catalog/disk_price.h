#pragma once
/// What a box's disk costs while it is kept: EBS gp3 storage, per GiB-month, by region
/// (AWS's public on-demand prices; stopped instances are billed for their volumes only).

#include <string_view>

namespace gpubox {

/// $ per GiB-month of gp3 in `region`; us-east-1's ($0.08) for a region not listed.
double DiskUsdPerGibMonth(std::string_view region);

}  // namespace gpubox
