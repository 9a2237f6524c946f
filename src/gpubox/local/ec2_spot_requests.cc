/// Spot instance requests as EC2 keeps them: one per spot instance made by
/// RunInstances, following its instance (fulfilled, marked-for-stop,
/// instance-stopped-no-capacity, ...), and the spot service's own moves in
/// Tick: notices where a pool lost its capacity, persistent requests'
/// instances started again or replaced once it is back.
/// DescribeSpotInstanceRequests and CancelSpotInstanceRequests.

#include <algorithm>
#include <tuple>

#include "gpubox/local/cloud_records_json.h"
#include "gpubox/local/ec2_decode.h"
#include "gpubox/local/ec2_paging.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_xml.h"
#include "gpubox/local/iso_time.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

/// EC2's message for a status code.
std::string StatusMessage(const std::string& code) {
  static const std::map<std::string, std::string> kMessages = {
      {"fulfilled", "Your spot request is fulfilled."},
      {"pending-fulfillment", "Your spot request is pending fulfillment."},
      {"capacity-not-available", "There is no capacity available that matches your request."},
      {"marked-for-stop", "Your Spot Instance is marked to be stopped."},
      {"marked-for-termination", "Your Spot Instance is marked to be terminated."},
      {"instance-stopped-by-user", "Your Spot Instance was stopped by you."},
      {"instance-stopped-no-capacity",
       "Your Spot Instance was stopped because there was no Spot capacity available."},
      {"instance-stopped-by-price",
       "Your Spot Instance was stopped because the Spot price exceeded your maximum price."},
      {"instance-terminated-by-user",
       "Spot Instance terminated due to user-initiated termination."},
      {"instance-terminated-no-capacity",
       "Your Spot Instance was terminated because there was no Spot capacity available."},
      {"instance-terminated-by-price",
       "Your Spot Instance was terminated because the Spot price exceeded your maximum price."},
      {"request-canceled-and-instance-running",
       "Spot Instance request was canceled but the instance is still running or stopped."},
      {"canceled-before-fulfillment", "Your Spot request was canceled before it was fulfilled."},
  };
  auto found = kMessages.find(code);
  return found == kMessages.end() ? code : found->second;
}

using Values = std::optional<std::vector<std::string>>;

Values RequestValues(const aws::SpotInstanceRequest& request, const std::string& name) {
  if (name == "spot-instance-request-id") return std::vector{request.spot_instance_request_id};
  if (name == "state") return std::vector{request.state};
  if (name == "status-code") return std::vector{request.status.code};
  if (name == "instance-id") return std::vector{request.instance_id};
  if (name == "type") return std::vector{request.type};
  if (name == "launched-availability-zone") return std::vector{request.launched_availability_zone};
  if (name == "launch.instance-type")
    return std::vector{request.launch_specification.instance_type};
  if (name == "launch.image-id") return std::vector{request.launch_specification.image_id};
  if (name == "spot-price") return std::vector{request.spot_price};
  return std::nullopt;
}

void WriteSpotRequest(XmlWriter& xml, const aws::SpotInstanceRequest& request) {
  xml.Text("spotInstanceRequestId", request.spot_instance_request_id);
  xml.Text("spotPrice", request.spot_price);
  xml.Text("type", request.type);
  xml.Text("state", request.state);
  xml.Open("status");
  xml.Text("code", request.status.code);
  xml.Text("updateTime", request.status.update_time);
  xml.Text("message", request.status.message);
  xml.Close();
  xml.Open("launchSpecification");
  const aws::SpotLaunchSpecification& launch = request.launch_specification;
  xml.Text("imageId", launch.image_id);
  xml.TextIfSet("keyName", launch.key_name);
  xml.Text("instanceType", launch.instance_type);
  xml.Open("placement");
  xml.Text("availabilityZone", launch.availability_zone);
  xml.Close();
  xml.Open("monitoring");
  xml.Bool("enabled", false);
  xml.Close();
  xml.Close();
  xml.TextIfSet("instanceId", request.instance_id);
  xml.Text("createTime", request.create_time);
  xml.Text("productDescription", request.product_description);
  WriteTags(xml, request.tags);
  xml.TextIfSet("launchedAvailabilityZone", request.launched_availability_zone);
  xml.Text("instanceInterruptionBehavior", request.instance_interruption_behavior);
}

bool StoppedByInterruption(const aws::SpotInstanceRequest& request) {
  return request.state == "disabled" && (request.status.code == "instance-stopped-no-capacity" ||
                                         request.status.code == "instance-stopped-by-price");
}

}  // namespace

void Ec2Service::Save(const SpotRequestRecord& record) {
  (void)store_.Put("spot_request", record.request.spot_instance_request_id,
                   nlohmann::json(record).dump());
}

SpotRequestRecord* Ec2Service::SpotRequestOf(const InstanceRecord& record) {
  const std::string& id = record.instance.spot_instance_request_id;
  if (id.empty()) return nullptr;
  auto found = spot_requests_.find(id);
  return found == spot_requests_.end() ? nullptr : &found->second;
}

void Ec2Service::SetSpotStatus(SpotRequestRecord& request, const std::string& state,
                               const std::string& code) {
  if (request.request.state != state) request.state_since_us = Now();
  request.request.state = state;
  request.request.status = {code, StatusMessage(code), IsoTime(Now())};
  Save(request);
}

void Ec2Service::AddSpotRequest(const Ec2Request& request, const LaunchPlan& plan,
                                const InstanceRecord& record) {
  SpotRequestRecord spot;
  spot.region = request.region;
  spot.launch_template = record;
  aws::SpotInstanceRequest& made = spot.request;
  made.spot_instance_request_id = record.instance.spot_instance_request_id;
  made.spot_price = FormatDouble(plan.max_price);
  made.type = plan.spot_type;
  made.instance_id = record.instance.instance_id;
  made.create_time = IsoTime(Now());
  made.launch_specification = {record.instance.image_id, record.instance.instance_type,
                               record.instance.key_name, plan.zone};
  made.launched_availability_zone = plan.zone;
  made.product_description = "Linux/UNIX";
  made.instance_interruption_behavior = plan.interruption_behavior;
  made.tags = TagsFor(plan.run.tag_specifications, "spot-instances-request");
  auto [entry, inserted] = spot_requests_.emplace(made.spot_instance_request_id, spot);
  SetSpotStatus(entry->second, "active", "fulfilled");
}

bool Ec2Service::SpotCapacityFor(const std::string& type, const std::string& zone,
                                 double max_price) {
  if (faults_.SpotCapacityWithdrawn(type, zone) || faults_.CapacityBlocked(type, zone)) {
    return false;
  }
  if (InstancesOfTypeIn(type, zone) + 1 > CapacityOf(type)) return false;
  auto price = offers_.SpotPrice(type, zone, Now());
  return price && *price <= max_price;
}

std::pair<std::string, std::string> Ec2Service::MarkForInterruption(InstanceRecord& record,
                                                                    const std::string& cause) {
  record.interrupt_at_us = Now() + faults_.spot_notice_seconds * 1000000LL;
  record.interruption_cause = cause;
  bool stop = record.interruption_behavior == "stop";
  if (SpotRequestOf(record) != nullptr) {
    SetSpotStatus(*SpotRequestOf(record), "active",
                  stop ? "marked-for-stop" : "marked-for-termination");
  }
  Save(record);
  return {stop ? "stop" : "terminate", IsoTime(record.interrupt_at_us).substr(0, 19) + "Z"};
}

std::vector<std::string> Ec2Service::TickSpot(int64_t now) {
  std::vector<std::string> noticed;
  for (auto& [id, record] : instances_) {
    if (record.instance.instance_lifecycle != "spot" || in_flight_.count(id)) continue;
    const std::string& type = record.instance.instance_type;
    std::string zone = record.instance.placement.availability_zone.value_or("");
    int code = record.instance.state.code;
    if (code == kRunning && record.interrupt_at_us == 0 &&
        faults_.SpotCapacityWithdrawn(type, zone)) {
      MarkForInterruption(record, "no-capacity");
      noticed.push_back(id);
      continue;
    }
    SpotRequestRecord* request = SpotRequestOf(record);
    if (code == kStopped && request != nullptr && StoppedByInterruption(request->request) &&
        record.host_state == HostState::kStopped &&
        SpotCapacityFor(type, zone, record.spot_max_price)) {
      // The spot service starts its stopped instance again: the disk as it was.
      SetState(record, kPending);
      Save(record);
      SetSpotStatus(*request, "active", "fulfilled");
    }
  }
  // Persistent requests whose instance was terminated without cancelling them: a
  // replacement from the launch template, once the pool has room.
  for (auto& [request_id, spot] : spot_requests_) {
    if (spot.request.state != "open" || spot.request.type != "persistent") continue;
    const InstanceRecord& model = spot.launch_template;
    const std::string& type = model.instance.instance_type;
    std::string zone = model.instance.placement.availability_zone.value_or("");
    if (!SpotCapacityFor(type, zone, model.spot_max_price) ||
        !CheckQuota(spot.region, model.quota_code, model.vcpus, true)) {
      if (spot.request.status.code != "capacity-not-available") {
        SetSpotStatus(spot, "open", "capacity-not-available");
      }
      continue;
    }
    InstanceRecord replacement = model;
    aws::Instance& instance = replacement.instance;
    instance.instance_id = NewId("i-");
    replacement.reservation_id = NewId("r-");
    instance.launch_time = IsoTime(now);
    instance.private_ip_address.clear();
    instance.private_dns_name.clear();
    instance.client_token.clear();
    for (auto& mapping : instance.block_device_mappings) {
      mapping.volume_id = NewId("vol-");
      mapping.attach_time = instance.launch_time;
    }
    replacement.host_state = HostState::kNone;
    replacement.interrupt_at_us = 0;
    replacement.interruption_cause.clear();
    SetState(replacement, kPending);
    replacement.instance.state_reason = {};
    instances_[instance.instance_id] = replacement;
    Save(replacement);
    spot.request.instance_id = instance.instance_id;
    spot.request.launched_availability_zone = zone;
    SetSpotStatus(spot, "active", "fulfilled");
  }
  for (auto it = spot_requests_.begin(); it != spot_requests_.end();) {
    const SpotRequestRecord& spot = it->second;
    bool ended = spot.request.state == "closed" || spot.request.state == "cancelled";
    auto instance = instances_.find(spot.request.instance_id);
    bool instance_gone =
        instance == instances_.end() || instance->second.instance.state.code == kTerminated;
    if (ended && instance_gone && now - spot.state_since_us > kTerminatedVisibleMicros) {
      (void)store_.Delete("spot_request", it->first);
      it = spot_requests_.erase(it);
    } else {
      ++it;
    }
  }
  return noticed;
}

Ec2Reply Ec2Service::DescribeSpotInstanceRequests(const Ec2Request& request) {
  auto filters = request.Filters();
  auto ids = request.List("SpotInstanceRequestId");
  for (const std::string& id : ids) {
    auto found = spot_requests_.find(id);
    if (found == spot_requests_.end() || found->second.region != request.region ||
        !OwnedByCaller(request, found->second.launch_template.owner_id)) {
      return ErrorReply({400, "InvalidSpotInstanceRequestID.NotFound",
                         "The spot instance request ID '" + id + "' does not exist"},
                        request);
    }
  }
  auto values = [](const aws::SpotInstanceRequest& spot) {
    return [&spot](const std::string& name) { return RequestValues(spot, name); };
  };
  aws::SpotInstanceRequest probe;
  if (auto ok = CheckFilterNames(filters, values(probe)); !ok) {
    return ErrorReply(ok.error(), request);
  }
  std::vector<const aws::SpotInstanceRequest*> matched;
  for (const auto& [id, spot] : spot_requests_) {
    // Another account's requests are not the caller's to see (as its instances).
    if (spot.region != request.region || !OwnedByCaller(request, spot.launch_template.owner_id)) {
      continue;
    }
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (MatchesFilters(filters, spot.request.tags, values(spot.request))) {
      matched.push_back(&spot.request);
    }
  }
  std::stable_sort(matched.begin(), matched.end(), [](auto* a, auto* b) {
    return std::tie(a->create_time, a->spot_instance_request_id) <
           std::tie(b->create_time, b->spot_instance_request_id);
  });
  auto page = PageOf(request, matched.size(), 0, 1000);
  if (!page) return ErrorReply(page.error(), request);
  XmlWriter xml = StartResponse("DescribeSpotInstanceRequests", request.request_id);
  xml.Open("spotInstanceRequestSet");
  for (size_t index = page->begin; index < page->end; ++index) {
    xml.Open("item");
    WriteSpotRequest(xml, *matched[index]);
    xml.Close();
  }
  xml.Close();
  xml.TextIfSet("nextToken", page->next_token);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::CancelSpotInstanceRequests(const Ec2Request& request) {
  auto ids = request.List("SpotInstanceRequestId");
  if (ids.empty()) return ErrorReply(MissingParameter("SpotInstanceRequestId"), request);
  std::vector<SpotRequestRecord*> found;
  for (const std::string& id : ids) {
    auto it = spot_requests_.find(id);
    if (it == spot_requests_.end() || it->second.region != request.region ||
        !OwnedByCaller(request, it->second.launch_template.owner_id)) {
      return ErrorReply({400, "InvalidSpotInstanceRequestID.NotFound",
                         "The spot instance request ID '" + id + "' does not exist"},
                        request);
    }
    found.push_back(&it->second);
  }
  XmlWriter xml = StartResponse("CancelSpotInstanceRequests", request.request_id);
  xml.Open("spotInstanceRequestSet");
  for (SpotRequestRecord* spot : found) {
    const std::string& state = spot->request.state;
    if (state != "cancelled" && state != "closed") {
      auto instance = instances_.find(spot->request.instance_id);
      bool alive = instance != instances_.end() &&
                   instance->second.instance.state.code != kTerminated &&
                   instance->second.instance.state.code != kShuttingDown;
      SetSpotStatus(
          *spot, "cancelled",
          alive ? "request-canceled-and-instance-running" : "canceled-before-fulfillment");
    }
    xml.Open("item");
    xml.Text("spotInstanceRequestId", spot->request.spot_instance_request_id);
    xml.Text("state", spot->request.state);
    xml.Close();
  }
  xml.Close();
  return {200, xml.Finish()};
}

}  // namespace gpubox::local
