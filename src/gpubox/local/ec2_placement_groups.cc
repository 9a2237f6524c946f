/// Placement groups: create, describe, delete (RunInstances' Placement.GroupName is resolved
/// in ec2_run_instances.cc). Each belongs to its account and region; names are unique there.
/// The local cloud has one host, so every strategy is honoured trivially; a cluster group's
/// instances still share one zone, as on EC2.

#include <algorithm>

#include "gpubox/local/ec2_decode.h"
#include "gpubox/local/ec2_paging.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_xml.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

using Values = std::optional<std::vector<std::string>>;

Ec2Error Unknown(const std::string& name) {
  return {400, "InvalidPlacementGroup.Unknown", "The Placement Group '" + name + "' is unknown."};
}

}  // namespace

PlacementGroupRecord* Ec2Service::FindPlacementGroup(const Ec2Request& request,
                                                     const std::string& name) {
  for (auto& [id, record] : placement_groups_) {
    if (record.region == request.region && record.group.group_name == name &&
        OwnedByCaller(request, record.owner_id)) {
      return &record;
    }
  }
  return nullptr;
}

Ec2Reply Ec2Service::CreatePlacementGroup(const Ec2Request& request) {
  const std::string& name = request.Get("GroupName");
  if (name.empty()) return ErrorReply(MissingParameter("GroupName"), request);
  if (FindPlacementGroup(request, name) != nullptr) {
    return ErrorReply({400, "InvalidPlacementGroup.Duplicate",
                       "The Placement Group '" + name + "' already exists."},
                      request);
  }
  std::string strategy = request.Has("Strategy") ? request.Get("Strategy") : "cluster";
  if (request.Has("PartitionCount") && strategy != "partition") {
    return ErrorReply(InvalidParameter("PartitionCount is only valid with strategy partition."),
                      request);
  }
  PlacementGroupRecord record;
  record.region = request.region;
  record.owner_id = CallerAccount(request);
  aws::PlacementGroup& group = record.group;
  group.group_name = name;
  group.group_id = NewId("pg-");
  group.strategy = strategy;
  group.state = "available";
  if (strategy == "partition") {
    group.partition_count = request.Has("PartitionCount")
                                ? static_cast<int>(*ParseInt(request.Get("PartitionCount")))
                                : 2;
  }
  group.tags = TagsFor(DecodeTagSpecifications(request), "placement-group");
  Save(record);
  placement_groups_[group.group_id] = record;
  XmlWriter xml = StartResponse("CreatePlacementGroup", request.request_id);
  xml.Text("return", "true");
  xml.Open("placementGroup");
  WritePlacementGroup(xml, group);
  xml.Close();
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DescribePlacementGroups(const Ec2Request& request) {
  auto filters = request.Filters();
  auto names = request.List("GroupName");
  auto ids = request.List("GroupId");
  std::vector<const aws::PlacementGroup*> matched;
  for (const auto& [id, record] : placement_groups_) {
    const aws::PlacementGroup& group = record.group;
    if (record.region != request.region || !OwnedByCaller(request, record.owner_id)) continue;
    if (!names.empty() && !Contains(names, group.group_name)) continue;
    if (!ids.empty() && !Contains(ids, id)) continue;
    auto values = [&](const std::string& name) -> Values {
      if (name == "group-name") return std::vector{group.group_name};
      if (name == "group-id") return std::vector{group.group_id};
      if (name == "strategy") return std::vector{group.strategy};
      if (name == "state") return std::vector{group.state};
      return std::nullopt;
    };
    if (auto ok = CheckFilterNames(filters, values); !ok) return ErrorReply(ok.error(), request);
    if (MatchesFilters(filters, group.tags, values)) matched.push_back(&group);
  }
  for (const std::string& name : names) {
    if (std::none_of(matched.begin(), matched.end(),
                     [&](const aws::PlacementGroup* group) { return group->group_name == name; })) {
      return ErrorReply(Unknown(name), request);
    }
  }
  for (const std::string& id : ids) {
    if (std::none_of(matched.begin(), matched.end(),
                     [&](const aws::PlacementGroup* group) { return group->group_id == id; })) {
      return ErrorReply({400, "InvalidPlacementGroupId.NotFound",
                         "The Placement Group ID '" + id + "' does not exist."},
                        request);
    }
  }
  XmlWriter xml = StartResponse("DescribePlacementGroups", request.request_id);
  xml.Open("placementGroupSet");
  for (const aws::PlacementGroup* group : matched) {
    xml.Open("item");
    WritePlacementGroup(xml, *group);
    xml.Close();
  }
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DeletePlacementGroup(const Ec2Request& request) {
  const std::string& name = request.Get("GroupName");
  if (name.empty()) return ErrorReply(MissingParameter("GroupName"), request);
  PlacementGroupRecord* group = FindPlacementGroup(request, name);
  if (group == nullptr) return ErrorReply(Unknown(name), request);
  for (const auto& [id, record] : instances_) {
    if (record.region == request.region && record.instance.state.code != kTerminated &&
        record.instance.placement.group_name.value_or("") == name &&
        OwnedByCaller(request, record.owner_id)) {
      return ErrorReply({400, "InvalidPlacementGroup.InUse",
                         "The placement group '" + name + "' is in use by " + id + "."},
                        request);
    }
  }
  std::string group_id = group->group.group_id;
  (void)store_.Delete("placement_group", group_id);
  placement_groups_.erase(group_id);
  return ReturnTrue("DeletePlacementGroup", request);
}

}  // namespace gpubox::local
