#include "gpubox/box/spot_requests.h"

#include <algorithm>

namespace gpubox {

bool SpotRequestEnded(const aws::SpotInstanceRequest& request) {
  return request.state == "cancelled" || request.state == "closed" || request.state == "failed" ||
         request.state == "completed";
}

bool StoppedByInterruption(const aws::SpotInstanceRequest& request) {
  return request.state == "disabled" && (request.status.code == "instance-stopped-no-capacity" ||
                                         request.status.code == "instance-stopped-by-price");
}

Result<std::vector<std::string>> CancelBoxSpotRequests(Cloud& cloud, const std::string& region,
                                                       const std::string& box_name,
                                                       const std::string& instance_request_id) {
  std::vector<aws::SpotInstanceRequest> requests = GPUBOX_TRY(
      cloud.DescribeSpotRequests(region, {aws::Filter{std::string("tag:") + kBoxTag, {box_name}}}));
  if (!instance_request_id.empty() &&
      std::none_of(requests.begin(), requests.end(), [&](const auto& request) {
        return request.spot_instance_request_id == instance_request_id;
      })) {
    auto own = cloud.DescribeSpotRequests(
        region, {aws::Filter{"spot-instance-request-id", {instance_request_id}}});
    if (own) requests.insert(requests.end(), own->begin(), own->end());
  }
  std::vector<std::string> cancelled;
  for (const aws::SpotInstanceRequest& request : requests) {
    if (SpotRequestEnded(request)) continue;
    GPUBOX_TRY_VOID(cloud.CancelSpotRequest(region, request.spot_instance_request_id));
    cancelled.push_back(request.spot_instance_request_id);
  }
  return cancelled;
}

}  // namespace gpubox
