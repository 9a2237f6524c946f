#pragma once
/// What a box has cost: its run intervals (state/box_store.h) kept in step with what the
/// cloud says of its instance, and summed. Every command that sees an instance's state
/// (up, stop, start, down, ls) passes it here, so an instance the cloud stopped or started
/// by itself (a spot interruption, the on-box agent's idle stop) is billed as it ran.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpubox/aws/model.h"
#include "gpubox/state/box_store.h"

namespace gpubox {

/// Opens or closes the box's instance and disk intervals after the instance's state:
/// running opens the instance interval at its launch time (its last start's); stopping,
/// stopped or gone closes it at its state transition time; the disk's interval lasts until
/// the instance is terminated. Times the cloud does not tell are `now`; an interval never
/// starts before the previous one of the same instance ended. Store errors are returned.
Result<void> RecordInstanceState(BoxStore& store, const BoxRecord& box,
                                 const aws::Instance& instance, int64_t now);

/// The disk's price per hour: its size at the region's gp3 rate.
double DiskUsdPerHour(const BoxRecord& box);

/// One box's spending.
struct BoxCost {
  std::string box;
  double running_hours = 0;
  double compute_usd = 0;  ///< running time × price
  double disk_usd = 0;     ///< the disk's existence × its price
  double total_usd() const { return compute_usd + disk_usd; }
};

/// Sums `intervals` (one box's) up to `now`.
BoxCost CostOf(const std::string& box, const std::vector<RunInterval>& intervals, int64_t now);

/// What is left of the box's budget: dollars (max_cost_usd − compute) and hours
/// (max_hours − running hours), each nullopt when the box has none of that kind.
struct BudgetLeft {
  std::optional<double> usd;
  std::optional<double> hours;
};
BudgetLeft BudgetLeftOf(const BoxRecord& box, const BoxCost& cost);

}  // namespace gpubox
