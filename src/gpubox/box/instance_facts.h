#pragma once
/// What gpubox reads off an EC2 instance, in one place.

#include <cstdint>
#include <string>

#include "gpubox/aws/model.h"
#include "gpubox/catalog/catalog.h"

namespace gpubox {

/// kSpot for a spot instance (InstanceLifecycle "spot"), else kOnDemand.
inline Market InstanceMarket(const aws::Instance& instance) {
  return instance.instance_lifecycle == "spot" ? Market::kSpot : Market::kOnDemand;
}

/// The instance's availability zone ("us-east-1a"), or "" when the cloud did not say.
inline std::string InstanceZone(const aws::Instance& instance) {
  return instance.placement.availability_zone.value_or("");
}

/// Whether the cloud's spot service stopped (or is stopping) the instance on an
/// interruption: its state reason is Server.SpotInstanceShutdown.
inline bool InterruptedBySpot(const aws::Instance& instance) {
  return (instance.state.code == aws::instance_state::kStopped ||
          instance.state.code == aws::instance_state::kStopping) &&
         instance.state_reason.code == "Server.SpotInstanceShutdown";
}

/// When the instance's last stop or termination happened, from its state transition reason
/// ("Service initiated (2026-12-02 13:05:00 GMT)"), as Unix seconds; 0 when it does not say.
int64_t TransitionTime(const aws::Instance& instance);

/// When the instance was last launched or started (its LaunchTime, "2026-12-02T13:05:00.000Z"),
/// as Unix seconds; 0 when it does not say.
int64_t LaunchTime(const aws::Instance& instance);

/// The region of an availability zone name ("us-east-1a" -> "us-east-1"); "" for "".
inline std::string RegionOfZone(const std::string& zone) {
  return zone.empty() ? "" : zone.substr(0, zone.size() - 1);
}

}  // namespace gpubox
