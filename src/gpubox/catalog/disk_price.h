#pragma once
/// What a box's disk costs while it is kept: EBS gp3 storage, per GiB-month, by region
/// (AWS's public on-demand prices; stopped instances are billed for their volumes only).

#include <string_view>

namespace gpubox {

/// AWS's month for prices per month: 730 hours.
inline constexpr double kHoursPerMonth = 730;

/// $ per GiB-month of gp3 in `region`; us-east-1's ($0.08) for a region not listed.
double DiskUsdPerGibMonth(std::string_view region);

/// $ per GiB-month of EBS snapshots (standard tier) in `region`; us-east-1's ($0.05) for a
/// region not listed. Snapshots bill the blocks they hold, at most the volume's size: a
/// price from the volume size is an upper bound.
double SnapshotUsdPerGibMonth(std::string_view region);

}  // namespace gpubox
