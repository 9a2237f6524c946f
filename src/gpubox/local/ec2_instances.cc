/// DescribeInstances and DescribeInstanceStatus (RunInstances: ec2_run_instances.cc).

#include <algorithm>

#include "gpubox/local/ec2_paging.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_xml.h"
#include "gpubox/local/iso_time.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

using Values = std::optional<std::vector<std::string>>;

Values InstanceValues(const InstanceRecord& record, const std::string& name) {
  const aws::Instance& instance = record.instance;
  if (name == "instance-id") return std::vector{instance.instance_id};
  if (name == "instance-state-name") return std::vector{instance.state.name};
  if (name == "instance-state-code") return std::vector{std::to_string(instance.state.code)};
  if (name == "instance-type") return std::vector{instance.instance_type};
  if (name == "image-id") return std::vector{instance.image_id};
  if (name == "key-name") return std::vector{instance.key_name};
  if (name == "reservation-id") return std::vector{record.reservation_id};
  if (name == "availability-zone") {
    return std::vector{instance.placement.availability_zone.value_or("")};
  }
  if (name == "placement-group-name") {
    return std::vector{instance.placement.group_name.value_or("")};
  }
  if (name == "instance-lifecycle") return std::vector{instance.instance_lifecycle};
  if (name == "private-ip-address") return std::vector{instance.private_ip_address};
  if (name == "client-token") return std::vector{instance.client_token};
  if (name == "architecture") return std::vector{instance.architecture};
  if (name == "vpc-id") return std::vector{instance.vpc_id};
  if (name == "owner-id") return std::vector{record.owner_id};
  if (name == "instance.group-id" || name == "group-id" || name == "instance.group-name" ||
      name == "group-name") {
    std::vector<std::string> values;
    for (const aws::GroupIdentifier& group : instance.security_groups) {
      values.push_back(name.ends_with("id") ? group.group_id : group.group_name);
    }
    return values;
  }
  return std::nullopt;
}

}  // namespace

Ec2Result<std::vector<InstanceRecord*>> Ec2Service::FindInstances(
    const Ec2Request& request, const std::vector<std::string>& ids) {
  std::vector<InstanceRecord*> found;
  for (const std::string& id : ids) {
    if (!id.starts_with("i-") || id.size() < 10) {
      return std::unexpected(
          Ec2Error{400, "InvalidInstanceID.Malformed", "Invalid id: \"" + id + "\""});
    }
    auto it = instances_.find(id);
    if (it == instances_.end() || it->second.region != request.region ||
        !OwnedByCaller(request, it->second.owner_id)) {
      return std::unexpected(Ec2Error{400, "InvalidInstanceID.NotFound",
                                      "The instance ID '" + id + "' does not exist"});
    }
    found.push_back(&it->second);
  }
  return found;
}

Ec2Reply Ec2Service::DescribeInstances(const Ec2Request& request) {
  auto filters = request.Filters();
  auto ids = request.List("InstanceId");
  if (auto listed = FindInstances(request, ids); !listed) {
    return ErrorReply(listed.error(), request);
  }
  auto values = [](const InstanceRecord& record) {
    return [&record](const std::string& name) { return InstanceValues(record, name); };
  };
  InstanceRecord probe;
  if (auto ok = CheckFilterNames(filters, values(probe)); !ok) {
    return ErrorReply(ok.error(), request);
  }
  std::vector<const InstanceRecord*> matched;
  for (const auto& [id, record] : instances_) {
    if (record.region != request.region || !OwnedByCaller(request, record.owner_id)) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (MatchesFilters(filters, record.instance.tags, values(record))) matched.push_back(&record);
  }
  std::stable_sort(matched.begin(), matched.end(), [](auto* a, auto* b) {
    return std::tie(a->instance.launch_time, a->reservation_id, a->instance.ami_launch_index) <
           std::tie(b->instance.launch_time, b->reservation_id, b->instance.ami_launch_index);
  });
  auto page = PageOf(request, matched.size(), 0, 1000);
  if (!page) return ErrorReply(page.error(), request);
  XmlWriter xml = StartResponse("DescribeInstances", request.request_id);
  xml.Open("reservationSet");
  for (size_t index = page->begin; index < page->end;) {
    aws::Reservation reservation;
    reservation.reservation_id = matched[index]->reservation_id;
    reservation.owner_id = matched[index]->owner_id;
    while (index < page->end && matched[index]->reservation_id == reservation.reservation_id) {
      reservation.instances.push_back(matched[index]->instance);
      ++index;
    }
    xml.Open("item");
    WriteReservationBody(xml, reservation);
    xml.Close();
  }
  xml.Close();
  xml.TextIfSet("nextToken", page->next_token);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DescribeInstanceStatus(const Ec2Request& request) {
  auto filters = request.Filters();
  auto ids = request.List("InstanceId");
  bool include_all = EqualsIgnoreCase(request.Get("IncludeAllInstances"), "true");
  if (auto listed = FindInstances(request, ids); !listed) {
    return ErrorReply(listed.error(), request);
  }
  std::vector<aws::InstanceStatus> matched;
  for (const auto& [id, record] : instances_) {
    if (record.region != request.region || !OwnedByCaller(request, record.owner_id)) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    int code = record.instance.state.code;
    if (!include_all && code != kRunning) continue;
    if (code == kTerminated && ids.empty()) continue;
    aws::InstanceStatus status;
    status.instance_id = id;
    status.availability_zone = record.instance.placement.availability_zone.value_or("");
    status.instance_state = record.instance.state;
    status.system_status = code == kRunning ? "ok" : "not-applicable";
    status.instance_status = status.system_status;
    auto values = [&](const std::string& name) -> Values {
      if (name == "availability-zone") return std::vector{status.availability_zone};
      if (name == "instance-state-name") return std::vector{status.instance_state.name};
      if (name == "instance-state-code") return std::vector{std::to_string(code)};
      if (name == "system-status.status") return std::vector{status.system_status};
      if (name == "instance-status.status") return std::vector{status.instance_status};
      return std::nullopt;
    };
    if (auto ok = CheckFilterNames(filters, values); !ok) return ErrorReply(ok.error(), request);
    if (MatchesFilters(filters, {}, values)) matched.push_back(std::move(status));
  }
  auto page = PageOf(request, matched.size(), 0, 1000);
  if (!page) return ErrorReply(page.error(), request);
  XmlWriter xml = StartResponse("DescribeInstanceStatus", request.request_id);
  xml.Open("instanceStatusSet");
  for (size_t index = page->begin; index < page->end; ++index) {
    xml.Open("item");
    WriteInstanceStatus(xml, matched[index]);
    xml.Close();
  }
  xml.Close();
  xml.TextIfSet("nextToken", page->next_token);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DescribeAddresses(const Ec2Request& request) {
  XmlWriter xml = StartResponse("DescribeAddresses", request.request_id);
  xml.Open("addressesSet");
  xml.Close();
  return {200, xml.Finish()};
}

}  // namespace gpubox::local
