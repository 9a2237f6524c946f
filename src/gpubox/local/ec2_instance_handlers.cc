/// RunInstances, DescribeInstances and DescribeInstanceStatus.

#include <algorithm>

#include "gpubox/aws/crypto.h"
#include "gpubox/catalog/quota.h"
#include "gpubox/local/cloud_records_json.h"
#include "gpubox/local/ec2_decode.h"
#include "gpubox/local/ec2_paging.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_xml.h"
#include "gpubox/local/iso_time.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

using Values = std::optional<std::vector<std::string>>;

Ec2Reply ErrorReply(const Ec2Error& error, const Ec2Request& request) {
  return {error.status, Ec2ErrorXml(error, request.request_id)};
}

/// A hash of every parameter but the token: same token, other parameters is a mismatch.
std::string ParametersHash(const Ec2Request& request) {
  std::string text;
  for (const auto& [name, value] : request.params) {
    if (name == "ClientToken") continue;
    text += name + "=" + value + "&";
  }
  return aws::Sha256Hex(text);
}

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

Ec2Reply Ec2Service::RunInstances(const Ec2Request& request) {
  aws::RunInstancesRequest run = DecodeRunInstances(request);
  const std::string& region = request.region;
  if (run.image_id.empty()) return ErrorReply(MissingParameter("ImageId"), request);
  if (run.client_token && run.client_token->size() > 64) {
    return ErrorReply(InvalidParameter("ClientToken must be at most 64 characters"), request);
  }
  ClientTokenRecord* token_record = nullptr;
  if (run.client_token && !run.client_token->empty()) {
    auto found = client_tokens_.find(region + "/" + *run.client_token);
    if (found != client_tokens_.end()) token_record = &found->second;
  }
  if (token_record) {
    if (token_record->parameters_hash != ParametersHash(request)) {
      return ErrorReply({400, "IdempotentParameterMismatch",
                         "The client token you have provided is associated with a resource that "
                         "is already deleted or has different parameters."},
                        request);
    }
    aws::Reservation reservation;
    reservation.reservation_id = token_record->reservation_id;
    reservation.owner_id = account_id_;
    for (const std::string& id : token_record->instance_ids) {
      auto found = instances_.find(id);
      if (found != instances_.end()) reservation.instances.push_back(found->second.instance);
    }
    XmlWriter xml = StartResponse("RunInstances", request.request_id);
    WriteReservationBody(xml, reservation);
    return {200, xml.Finish()};
  }
  auto image = images_.find(run.image_id);
  if (image == images_.end() || image->second.region != region) {
    return ErrorReply(
        {400, "InvalidAMIID.NotFound", "The image id '[" + run.image_id + "]' does not exist"},
        request);
  }
  if (image->second.image.state != "available") {
    return ErrorReply(
        {400, "InvalidAMIID.Unavailable", "The image id '[" + run.image_id + "]' is not available"},
        request);
  }
  if (run.instance_type.empty()) run.instance_type = "m1.small";
  const RegionalOffer* offer = offers_.Find(region, run.instance_type);
  if (offer == nullptr) {
    const InstanceType* known = offers_.FindType(run.instance_type);
    if (known == nullptr) {
      return ErrorReply(
          InvalidParameter("Invalid value '" + run.instance_type + "' for InstanceType."), request);
    }
    return ErrorReply({400, "Unsupported",
                       "The requested configuration is currently not supported. Please check the "
                       "documentation for supported configurations."},
                      request);
  }
  if (run.min_count < 1 || run.max_count < run.min_count) {
    return ErrorReply(InvalidParameter("Invalid MinCount/MaxCount"), request);
  }
  std::string key_name = run.key_name.value_or("");
  if (!key_name.empty()) {
    bool found = std::any_of(key_pairs_.begin(), key_pairs_.end(), [&](const auto& entry) {
      return entry.second.region == region && entry.second.key_pair.key_name == key_name;
    });
    if (!found) {
      return ErrorReply(
          {400, "InvalidKeyPair.NotFound", "The key pair '" + key_name + "' does not exist"},
          request);
    }
  }
  std::vector<aws::GroupIdentifier> groups;
  for (const std::string& id : run.security_group_ids) {
    GroupRecord* group = FindGroup(region, id, true);
    if (!group) {
      return ErrorReply(
          {400, "InvalidGroup.NotFound", "The security group '" + id + "' does not exist"},
          request);
    }
    groups.push_back({group->group.group_id, group->group.group_name});
  }
  for (const std::string& name : run.security_groups) {
    GroupRecord* group = FindGroup(region, name, false);
    if (!group) {
      return ErrorReply({400, "InvalidGroup.NotFound",
                         "The security group '" + name + "' does not exist in default VPC '" +
                             DefaultVpc(region) + "'"},
                        request);
    }
    groups.push_back({group->group.group_id, group->group.group_name});
  }
  if (groups.empty()) {
    GroupRecord* group = FindGroup(region, "default", false);
    groups.push_back({group->group.group_id, group->group.group_name});
  }
  // Disk size: the image's unless a mapping asks for more.
  int image_gib = 8;
  for (const auto& mapping : image->second.image.block_device_mappings) {
    if (mapping.ebs && mapping.ebs->volume_size) image_gib = *mapping.ebs->volume_size;
  }
  int volume_gib = image_gib;
  for (const auto& mapping : run.block_device_mappings) {
    if (mapping.ebs && mapping.ebs->volume_size) {
      volume_gib = *mapping.ebs->volume_size;
      if (volume_gib < image_gib) {
        return ErrorReply(
            {400, "InvalidBlockDeviceMapping",
             "Volume of size " + std::to_string(volume_gib) + "GB is smaller than snapshot '" +
                 image->second.image.block_device_mappings[0].ebs->snapshot_id.value_or("") +
                 "', expect size >= " + std::to_string(image_gib) + "GB"},
            request);
      }
    }
  }
  bool spot = run.instance_market_options && run.instance_market_options->market_type == "spot";
  const InstanceType& type = *offer->type;
  std::string quota_code(QuotaFor(type.family, spot ? Market::kSpot : Market::kOnDemand).code);
  if (auto error = CheckQuota(region, quota_code, type.vcpus * run.min_count, spot)) {
    return ErrorReply(*error, request);
  }
  // Zone: the one asked for, else the first with capacity.
  std::vector<std::string> zones = ZonesOf(region);
  if (run.placement && run.placement->availability_zone) {
    const std::string& zone = *run.placement->availability_zone;
    if (RegionOfZone(zone) != region) {
      return ErrorReply(InvalidParameter("Invalid availability zone: [" + zone + "]"), request);
    }
    zones = {zone};
  }
  std::string zone;
  for (const std::string& candidate : zones) {
    if (faults_.CapacityBlocked(type.name, candidate)) continue;
    if (InstancesOfTypeIn(type.name, candidate) + run.min_count > CapacityOf(type.name)) continue;
    zone = candidate;
    break;
  }
  if (zone.empty()) {
    std::string message = "We currently do not have sufficient " + type.name +
                          " capacity in the Availability Zone you requested (" + zones[0] +
                          "). Our system will be working on provisioning additional capacity.";
    return ErrorReply({500, "InsufficientInstanceCapacity", message}, request);
  }
  double max_price = 0;
  std::string behavior = "terminate";
  if (spot) {
    auto current = offers_.SpotPrice(type.name, zone, Now());
    if (!current) {
      return ErrorReply({400, "Unsupported",
                         "The requested configuration is currently not supported. Spot is not "
                         "offered for " +
                             type.name + " in " + zone + "."},
                        request);
    }
    max_price = offer->on_demand_usd_hr;
    const auto& options = run.instance_market_options->spot_options;
    if (options && options->max_price) {
      auto parsed = ParseDouble(*options->max_price);
      if (!parsed) return ErrorReply(InvalidParameter("Invalid MaxPrice"), request);
      max_price = *parsed;
    }
    if (max_price < *current) {
      return ErrorReply({400, "SpotMaxPriceTooLow",
                         "Your Spot request price of " + FormatDouble(max_price) +
                             " is lower than the minimum required Spot request fulfillment price "
                             "of " +
                             FormatDouble(*current) + "."},
                        request);
    }
    if (options && options->instance_interruption_behavior) {
      behavior = *options->instance_interruption_behavior;
    }
  }
  auto tags = TagsFor(run.tag_specifications, "instance");
  aws::Reservation reservation;
  reservation.reservation_id = NewId("r-");
  reservation.owner_id = account_id_;
  std::string launch_time = IsoTime(Now());
  for (int index = 0; index < run.max_count; ++index) {
    if (index >= run.min_count &&
        (CheckQuota(region, quota_code, type.vcpus, spot) ||
         InstancesOfTypeIn(type.name, zone) + 1 > CapacityOf(type.name))) {
      break;
    }
    InstanceRecord record;
    record.region = region;
    record.reservation_id = reservation.reservation_id;
    record.owner_id = account_id_;
    record.vcpus = type.vcpus;
    record.quota_code = quota_code;
    record.spot_max_price = max_price;
    record.interruption_behavior = spot ? behavior : "";
    record.user_data = run.user_data.value_or("");
    if (!image->second.builtin) record.snapshot_image_id = image->first;
    aws::Instance& instance = record.instance;
    instance.instance_id = NewId("i-");
    instance.image_id = run.image_id;
    instance.key_name = key_name;
    instance.ami_launch_index = index;
    instance.instance_type = type.name;
    instance.launch_time = launch_time;
    instance.placement.availability_zone = zone;
    instance.placement.tenancy = "default";
    instance.subnet_id = "subnet-" + zone;
    instance.vpc_id = DefaultVpc(region);
    instance.architecture = type.arch;
    instance.root_device_name = "/dev/sda1";
    instance.root_device_type = "ebs";
    instance.block_device_mappings.push_back(
        {"/dev/sda1", NewId("vol-"), "attached", launch_time, true});
    if (spot) {
      instance.instance_lifecycle = "spot";
      instance.spot_instance_request_id = NewId("sir-").substr(0, 12);
    }
    instance.client_token = run.client_token.value_or("");
    instance.security_groups = groups;
    instance.tags = tags;
    std::string tokens = run.metadata_options && run.metadata_options->http_tokens
                             ? *run.metadata_options->http_tokens
                             : "optional";
    instance.metadata_options = {"applied", tokens, 2, "enabled"};
    instance.root_volume_size_gib = volume_gib;
    SetState(record, kPending, "pending", "pending");
    instance.state_reason = {};
    instances_[instance.instance_id] = record;
    Save(record);
    reservation.instances.push_back(instance);
  }
  reservation.groups = groups;
  if (run.client_token && !run.client_token->empty()) {
    ClientTokenRecord token{
        region, *run.client_token, ParametersHash(request), reservation.reservation_id, {}};
    for (const aws::Instance& instance : reservation.instances) {
      token.instance_ids.push_back(instance.instance_id);
    }
    std::string key = region + "/" + *run.client_token;
    client_tokens_[key] = token;
    (void)store_.Put("client_token", key, nlohmann::json(token).dump());
  }
  XmlWriter xml = StartResponse("RunInstances", request.request_id);
  WriteReservationBody(xml, reservation);
  return {200, xml.Finish()};
}

std::optional<Ec2Error> Ec2Service::FindInstances(const Ec2Request& request,
                                                  const std::vector<std::string>& ids,
                                                  std::vector<InstanceRecord*>& found) {
  for (const std::string& id : ids) {
    if (!id.starts_with("i-") || id.size() < 10) {
      return Ec2Error{400, "InvalidInstanceID.Malformed", "Invalid id: \"" + id + "\""};
    }
    auto it = instances_.find(id);
    if (it == instances_.end() || it->second.region != request.region) {
      return Ec2Error{400, "InvalidInstanceID.NotFound",
                      "The instance ID '" + id + "' does not exist"};
    }
    found.push_back(&it->second);
  }
  return std::nullopt;
}

Ec2Reply Ec2Service::DescribeInstances(const Ec2Request& request) {
  auto filters = request.Filters();
  auto ids = request.List("InstanceId");
  std::vector<InstanceRecord*> listed;
  if (auto error = FindInstances(request, ids, listed)) return ErrorReply(*error, request);
  auto values = [](const InstanceRecord& record) {
    return [&record](const std::string& name) { return InstanceValues(record, name); };
  };
  InstanceRecord probe;
  if (auto error = CheckFilterNames(filters, values(probe))) return ErrorReply(*error, request);
  std::vector<const InstanceRecord*> matched;
  for (const auto& [id, record] : instances_) {
    if (record.region != request.region) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (MatchesFilters(filters, record.instance.tags, values(record))) matched.push_back(&record);
  }
  std::stable_sort(matched.begin(), matched.end(), [](auto* a, auto* b) {
    return std::tie(a->instance.launch_time, a->reservation_id, a->instance.ami_launch_index) <
           std::tie(b->instance.launch_time, b->reservation_id, b->instance.ami_launch_index);
  });
  Page page;
  if (auto error = PageOf(request, matched.size(), 0, 1000, page)) {
    return ErrorReply(*error, request);
  }
  XmlWriter xml = StartResponse("DescribeInstances", request.request_id);
  xml.Open("reservationSet");
  for (size_t index = page.begin; index < page.end;) {
    aws::Reservation reservation;
    reservation.reservation_id = matched[index]->reservation_id;
    reservation.owner_id = matched[index]->owner_id;
    while (index < page.end && matched[index]->reservation_id == reservation.reservation_id) {
      reservation.instances.push_back(matched[index]->instance);
      ++index;
    }
    xml.Open("item");
    WriteReservationBody(xml, reservation);
    xml.Close();
  }
  xml.Close();
  xml.TextIfSet("nextToken", page.next_token);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DescribeInstanceStatus(const Ec2Request& request) {
  auto filters = request.Filters();
  auto ids = request.List("InstanceId");
  bool include_all = EqualsIgnoreCase(request.Get("IncludeAllInstances"), "true");
  std::vector<InstanceRecord*> listed;
  if (auto error = FindInstances(request, ids, listed)) return ErrorReply(*error, request);
  std::vector<aws::InstanceStatus> matched;
  for (const auto& [id, record] : instances_) {
    if (record.region != request.region) continue;
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
    if (auto error = CheckFilterNames(filters, values)) return ErrorReply(*error, request);
    if (MatchesFilters(filters, {}, values)) matched.push_back(std::move(status));
  }
  Page page;
  if (auto error = PageOf(request, matched.size(), 0, 1000, page)) {
    return ErrorReply(*error, request);
  }
  XmlWriter xml = StartResponse("DescribeInstanceStatus", request.request_id);
  xml.Open("instanceStatusSet");
  for (size_t index = page.begin; index < page.end; ++index) {
    xml.Open("item");
    WriteInstanceStatus(xml, matched[index]);
    xml.Close();
  }
  xml.Close();
  xml.TextIfSet("nextToken", page.next_token);
  return {200, xml.Finish()};
}

}  // namespace gpubox::local
