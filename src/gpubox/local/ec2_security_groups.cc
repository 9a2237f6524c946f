/// Security groups: create, authorize ingress, describe, delete.

#include <algorithm>

#include "gpubox/local/ec2_decode.h"
#include "gpubox/local/ec2_paging.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_validation.h"
#include "gpubox/local/ec2_xml.h"

namespace gpubox::local {
namespace {

using Values = std::optional<std::vector<std::string>>;

bool SamePermission(const aws::IpPermission& a, const aws::IpPermission& b) {
  return a.ip_protocol == b.ip_protocol && a.from_port == b.from_port && a.to_port == b.to_port;
}

}  // namespace

GroupRecord* Ec2Service::FindGroup(const Ec2Request& request, const std::string& id_or_name,
                                   bool by_id) {
  for (auto& [id, record] : groups_) {
    if (record.region != request.region || !OwnedByCaller(request, record.group.owner_id)) {
      continue;
    }
    if (by_id ? id == id_or_name : record.group.group_name == id_or_name) return &record;
  }
  return nullptr;
}

Ec2Result<GroupRecord*> Ec2Service::LookupGroup(const Ec2Request& request,
                                                const std::string& id_or_name, bool by_id) {
  if (GroupRecord* found = FindGroup(request, id_or_name, by_id)) return found;
  std::string message = "The security group '" + id_or_name + "' does not exist";
  if (!by_id) message += " in default VPC '" + DefaultVpc(request.region) + "'";
  return std::unexpected(Ec2Error{400, "InvalidGroup.NotFound", std::move(message)});
}

Ec2Reply Ec2Service::CreateSecurityGroup(const Ec2Request& request) {
  const std::string& name = request.Get("GroupName");
  const std::string& description = request.Get("GroupDescription");
  if (name.empty()) return ErrorReply(MissingParameter("GroupName"), request);
  if (description.empty()) return ErrorReply(MissingParameter("GroupDescription"), request);
  const std::string& vpc = DefaultVpc(request.region);
  if (request.Has("VpcId") && request.Get("VpcId") != vpc) {
    return ErrorReply(
        {400, "InvalidVpcID.NotFound", "The vpc ID '" + request.Get("VpcId") + "' does not exist"},
        request);
  }
  if (FindGroup(request, name, false)) {
    return ErrorReply({400, "InvalidGroup.Duplicate",
                       "The security group '" + name + "' already exists for VPC '" + vpc + "'"},
                      request);
  }
  GroupRecord record;
  record.region = request.region;
  aws::SecurityGroup& group = record.group;
  group.group_id = NewId("sg-");
  group.group_name = name;
  group.description = description;
  group.owner_id = CallerAccount(request);
  group.vpc_id = vpc;
  aws::IpPermission egress;
  egress.ip_protocol = "-1";
  egress.ip_ranges.push_back({"0.0.0.0/0", std::nullopt});
  group.ip_permissions_egress.push_back(egress);
  group.tags = TagsFor(DecodeTagSpecifications(request), "security-group");
  groups_[group.group_id] = record;
  Save(record);
  XmlWriter xml = StartResponse("CreateSecurityGroup", request.request_id);
  xml.Bool("return", true);
  xml.Text("groupId", group.group_id);
  WriteTags(xml, group.tags);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::AuthorizeSecurityGroupIngress(const Ec2Request& request) {
  bool by_id = request.Has("GroupId");
  const std::string& key = by_id ? request.Get("GroupId") : request.Get("GroupName");
  if (key.empty()) return ErrorReply(MissingParameter("GroupId"), request);
  auto lookup = LookupGroup(request, key, by_id);
  if (!lookup) return ErrorReply(lookup.error(), request);
  GroupRecord* record = *lookup;
  auto permissions = DecodeIpPermissions(request);
  if (permissions.empty()) return ErrorReply(MissingParameter("IpPermissions"), request);
  std::vector<aws::IpPermission>& existing = record->group.ip_permissions;
  // Every rule is checked, and its group references resolved, before any is stored.
  for (aws::IpPermission& permission : permissions) {
    auto normal = NormalizePermission(permission);
    if (!normal) return ErrorReply(normal.error(), request);
    permission = std::move(*normal);
    for (aws::UserIdGroupPair& pair : permission.user_id_group_pairs) {
      bool by_id = pair.group_id.has_value();
      if (!by_id && !pair.group_name) return ErrorReply(MissingParameter("GroupId"), request);
      auto peer = LookupGroup(request, by_id ? *pair.group_id : *pair.group_name, by_id);
      if (!peer) return ErrorReply(peer.error(), request);
      pair.group_id = (*peer)->group.group_id;
      if (!pair.user_id) pair.user_id = CallerAccount(request);
    }
  }
  for (aws::IpPermission& permission : permissions) {
    const std::string& protocol = permission.ip_protocol;
    auto same = std::find_if(existing.begin(), existing.end(), [&](const aws::IpPermission& p) {
      return SamePermission(p, permission);
    });
    if (same == existing.end()) {
      existing.push_back(permission);
      continue;
    }
    for (const aws::IpRange& range : permission.ip_ranges) {
      for (const aws::IpRange& have : same->ip_ranges) {
        if (have.cidr_ip == range.cidr_ip) {
          return ErrorReply(
              {400, "InvalidPermission.Duplicate",
               "the specified rule \"peer: " + range.cidr_ip + ", " +
                   (protocol == "-1" ? std::string("ALL") : protocol) +
                   ", from port: " + std::to_string(permission.from_port.value_or(-1)) +
                   ", to port: " + std::to_string(permission.to_port.value_or(-1)) +
                   ", ALLOW\" already exists"},
              request);
        }
      }
      same->ip_ranges.push_back(range);
    }
    for (const aws::Ipv6Range& range : permission.ipv6_ranges) same->ipv6_ranges.push_back(range);
    for (const aws::UserIdGroupPair& pair : permission.user_id_group_pairs) {
      same->user_id_group_pairs.push_back(pair);
    }
  }
  Save(*record);
  for (auto& [id, instance] : instances_) {
    for (const aws::GroupIdentifier& group : instance.instance.security_groups) {
      if (group.group_id == record->group.group_id) instance.firewall_dirty = true;
    }
  }
  XmlWriter xml = StartResponse("AuthorizeSecurityGroupIngress", request.request_id);
  xml.Bool("return", true);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DescribeSecurityGroups(const Ec2Request& request) {
  auto filters = request.Filters();
  auto ids = request.List("GroupId");
  auto names = request.List("GroupName");
  for (const std::string& id : ids) {
    if (auto found = LookupGroup(request, id, true); !found) {
      return ErrorReply(found.error(), request);
    }
  }
  for (const std::string& name : names) {
    if (auto found = LookupGroup(request, name, false); !found) {
      return ErrorReply(found.error(), request);
    }
  }
  std::vector<const aws::SecurityGroup*> matched;
  for (const auto& [id, record] : groups_) {
    const aws::SecurityGroup& group = record.group;
    if (record.region != request.region || !OwnedByCaller(request, group.owner_id)) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (!names.empty() && std::find(names.begin(), names.end(), group.group_name) == names.end()) {
      continue;
    }
    auto values = [&](const std::string& name) -> Values {
      if (name == "group-id") return std::vector{group.group_id};
      if (name == "group-name") return std::vector{group.group_name};
      if (name == "description") return std::vector{group.description};
      if (name == "vpc-id") return std::vector{group.vpc_id};
      if (name == "owner-id") return std::vector{group.owner_id};
      std::vector<std::string> rule_values;
      for (const aws::IpPermission& permission : group.ip_permissions) {
        if (name == "ip-permission.protocol") rule_values.push_back(permission.ip_protocol);
        if (name == "ip-permission.from-port" && permission.from_port) {
          rule_values.push_back(std::to_string(*permission.from_port));
        }
        if (name == "ip-permission.to-port" && permission.to_port) {
          rule_values.push_back(std::to_string(*permission.to_port));
        }
        for (const aws::IpRange& range : permission.ip_ranges) {
          if (name == "ip-permission.cidr") rule_values.push_back(range.cidr_ip);
        }
      }
      if (name.starts_with("ip-permission.")) return rule_values;
      return std::nullopt;
    };
    if (auto ok = CheckFilterNames(filters, values); !ok) return ErrorReply(ok.error(), request);
    if (MatchesFilters(filters, group.tags, values)) matched.push_back(&group);
  }
  auto page = PageOf(request, matched.size(), 0, 1000);
  if (!page) return ErrorReply(page.error(), request);
  XmlWriter xml = StartResponse("DescribeSecurityGroups", request.request_id);
  xml.Open("securityGroupInfo");
  for (size_t index = page->begin; index < page->end; ++index) {
    xml.Open("item");
    WriteSecurityGroup(xml, *matched[index]);
    xml.Close();
  }
  xml.Close();
  xml.TextIfSet("nextToken", page->next_token);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DeleteSecurityGroup(const Ec2Request& request) {
  bool by_id = request.Has("GroupId");
  const std::string& key = by_id ? request.Get("GroupId") : request.Get("GroupName");
  if (key.empty()) return ErrorReply(MissingParameter("GroupId"), request);
  auto lookup = LookupGroup(request, key, by_id);
  if (!lookup) return ErrorReply(lookup.error(), request);
  GroupRecord* record = *lookup;
  std::string id = record->group.group_id;
  if (record->group.group_name == "default") {
    return ErrorReply(
        {400, "CannotDelete",
         "the specified group: \"" + id + "\" name: \"default\" cannot be deleted by a user"},
        request);
  }
  for (const auto& [instance_id, instance] : instances_) {
    if (instance.instance.state.code == kTerminated) continue;
    for (const aws::GroupIdentifier& group : instance.instance.security_groups) {
      if (group.group_id == id) {
        return ErrorReply(
            {400, "DependencyViolation", "resource " + id + " has a dependent object"}, request);
      }
    }
  }
  groups_.erase(id);
  (void)store_.Delete("security_group", id);
  XmlWriter xml = StartResponse("DeleteSecurityGroup", request.request_id);
  xml.Bool("return", true);
  xml.Text("groupId", id);
  return {200, xml.Finish()};
}

}  // namespace gpubox::local
