#pragma once
/// What gpubox reads off an EC2 instance, in one place.

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

/// The region of an availability zone name ("us-east-1a" -> "us-east-1"); "" for "".
inline std::string RegionOfZone(const std::string& zone) {
  return zone.empty() ? "" : zone.substr(0, zone.size() - 1);
}

}  // namespace gpubox
