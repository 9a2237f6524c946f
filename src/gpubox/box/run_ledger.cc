#include "gpubox/box/run_ledger.h"

#include <algorithm>

#include "gpubox/box/instance_facts.h"
#include "gpubox/catalog/disk_price.h"

namespace gpubox {
namespace {

using aws::instance_state::kPending;
using aws::instance_state::kRunning;
using aws::instance_state::kShuttingDown;
using aws::instance_state::kTerminated;

/// When the last interval of this instance and kind ended (0: none).
int64_t LastEnd(const std::vector<RunInterval>& intervals, const std::string& instance_id,
                IntervalKind kind) {
  int64_t last = 0;
  for (const RunInterval& interval : intervals) {
    if (interval.instance_id == instance_id && interval.kind == kind) {
      last = std::max(last, interval.end);
    }
  }
  return last;
}

}  // namespace

double DiskUsdPerHour(const BoxRecord& box) {
  return box.disk_gib * DiskUsdPerGibMonth(box.region) / kHoursPerMonth;
}

Result<void> RecordInstanceState(BoxStore& store, const BoxRecord& box,
                                 const aws::Instance& instance, int64_t now) {
  if (instance.instance_id.empty()) return {};
  int code = instance.state.code;
  int64_t launched = LaunchTime(instance);
  int64_t changed = TransitionTime(instance);
  if (launched <= 0 || launched > now) launched = now;
  if (changed <= 0 || changed > now) changed = now;
  auto intervals = GPUBOX_TRY(store.Intervals(box.name));
  auto open = [&](IntervalKind kind, double price) {
    int64_t start = std::max(launched, LastEnd(intervals, instance.instance_id, kind));
    return store.OpenInterval({box.name, instance.instance_id, kind, start, 0, price});
  };
  bool gone = code == kTerminated || code == kShuttingDown;
  if (code == kRunning) {
    GPUBOX_TRY_VOID(open(IntervalKind::kInstance, box.price_usd_hr));
  } else if (code != kPending) {  // pending: a start under way; it opens once running
    GPUBOX_TRY_VOID(store.CloseInterval(instance.instance_id, IntervalKind::kInstance, changed));
  }
  if (gone) return store.CloseInterval(instance.instance_id, IntervalKind::kDisk, changed);
  return open(IntervalKind::kDisk, DiskUsdPerHour(box));
}

BoxCost CostOf(const std::string& box, const std::vector<RunInterval>& intervals, int64_t now) {
  BoxCost cost{box};
  for (const RunInterval& interval : intervals) {
    if (interval.kind == IntervalKind::kDisk) {
      cost.disk_usd += interval.CostUsd(now);
      continue;
    }
    int64_t until = interval.end != 0 ? interval.end : now;
    cost.running_hours += std::max<int64_t>(0, until - interval.start) / 3600.0;
    cost.compute_usd += interval.CostUsd(now);
  }
  return cost;
}

BudgetLeft BudgetLeftOf(const BoxRecord& box, const BoxCost& cost) {
  BudgetLeft left;
  if (box.max_cost_usd) left.usd = *box.max_cost_usd - cost.compute_usd;
  if (box.max_hours) left.hours = *box.max_hours - cost.running_hours;
  return left;
}

}  // namespace gpubox
