#pragma once
/// A spot box's persistent spot request: found from the box's tag or its instance, and
/// cancelled before the instance is terminated (else the cloud launches a replacement: a
/// classic orphan). Shared by down, a failed up's clean-up and recover.

#include <string>
#include <vector>

#include "gpubox/cloud/cloud.h"

namespace gpubox {

/// Cancels the box's spot requests in `region` that are still open, active or disabled:
/// those tagged gpubox:box=NAME and `instance_request_id` (the instance's own; may be
/// empty). Returns the ids it cancelled.
Result<std::vector<std::string>> CancelBoxSpotRequests(Cloud& cloud, const std::string& region,
                                                       const std::string& box_name,
                                                       const std::string& instance_request_id);

/// Whether the request has ended: cancelled, closed, failed, or completed.
bool SpotRequestEnded(const aws::SpotInstanceRequest& request);

/// Whether the spot service stopped the request's instance on an interruption (and only
/// it may start it again): disabled, instance-stopped-no-capacity or -by-price.
bool StoppedByInterruption(const aws::SpotInstanceRequest& request);

}  // namespace gpubox
