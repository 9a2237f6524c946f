/// RunInstances, in named steps: replay a known client token, validate,
/// resolve groups, check the quota, choose a zone, check the spot price,
/// build the records, remember the client token. Every refusal happens before
/// anything is stored.

#include <algorithm>

#include "gpubox/aws/crypto.h"
#include "gpubox/catalog/quota.h"
#include "gpubox/local/cloud_records_json.h"
#include "gpubox/local/ec2_decode.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_validation.h"
#include "gpubox/local/ec2_xml.h"
#include "gpubox/local/iso_time.h"
#include "gpubox/util/result.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

/// A hash of every parameter but the token: same token, other parameters is a mismatch.
std::string ParametersHash(const Ec2Request& request) {
  std::string text;
  for (const auto& [name, value] : request.params) {
    if (name == "ClientToken") continue;
    text += name + "=" + value + "&";
  }
  return aws::Sha256Hex(text);
}

Ec2Reply ReservationReply(const Ec2Request& request, const aws::Reservation& reservation) {
  XmlWriter xml = StartResponse("RunInstances", request.request_id);
  WriteReservationBody(xml, reservation);
  return {200, xml.Finish()};
}

Ec2Error Unsupported(std::string detail = "") {
  return {400, "Unsupported",
          "The requested configuration is currently not supported. " +
              (detail.empty() ? std::string("Please check the documentation for supported "
                                            "configurations.")
                              : detail)};
}

}  // namespace

Ec2Reply Ec2Service::RunInstances(const Ec2Request& request) {
  LaunchPlan plan;
  plan.run = DecodeRunInstances(request);
  if (auto replay = ReplayClientToken(request, plan.run)) return *replay;
  using Step = Ec2Result<void> (Ec2Service::*)(const Ec2Request&, LaunchPlan&);
  for (Step step : {&Ec2Service::ValidateLaunch, &Ec2Service::ResolveLaunchGroups,
                    &Ec2Service::CheckLaunchQuota, &Ec2Service::ResolvePlacementGroup,
                    &Ec2Service::ChooseLaunchZone, &Ec2Service::CheckSpotPrice}) {
    if (auto ok = (this->*step)(request, plan); !ok) return ErrorReply(ok.error(), request);
  }
  if (EqualsIgnoreCase(request.Get("DryRun"), "true"))
    return ErrorReply(DryRunSucceeded(), request);
  aws::Reservation reservation = BuildInstances(request, plan);
  RememberClientToken(request, plan.run, reservation);
  return ReservationReply(request, reservation);
}

std::optional<Ec2Reply> Ec2Service::ReplayClientToken(const Ec2Request& request,
                                                      const aws::RunInstancesRequest& run) {
  if (!run.client_token || run.client_token->empty()) return std::nullopt;
  auto found = client_tokens_.find(ClientTokenKey(request, *run.client_token));
  if (found == client_tokens_.end()) return std::nullopt;
  const ClientTokenRecord& token = found->second;
  if (token.parameters_hash != ParametersHash(request)) {
    return ErrorReply({400, "IdempotentParameterMismatch",
                       "The client token you have provided is associated with a resource that "
                       "is already deleted or has different parameters."},
                      request);
  }
  aws::Reservation reservation;
  reservation.reservation_id = token.reservation_id;
  reservation.owner_id = CallerAccount(request);
  for (const std::string& id : token.instance_ids) {
    auto instance = instances_.find(id);
    if (instance != instances_.end()) reservation.instances.push_back(instance->second.instance);
  }
  return ReservationReply(request, reservation);
}

Ec2Result<void> Ec2Service::ValidateLaunch(const Ec2Request& request, LaunchPlan& plan) {
  aws::RunInstancesRequest& run = plan.run;
  const std::string& region = request.region;
  if (run.image_id.empty()) return std::unexpected(MissingParameter("ImageId"));
  if (run.client_token && run.client_token->size() > 64) {
    return std::unexpected(InvalidParameter("ClientToken must be at most 64 characters"));
  }
  auto image = images_.find(run.image_id);
  if (image == images_.end() || image->second.region != region ||
      (!image->second.image.is_public && !OwnedByCaller(request, image->second.image.owner_id))) {
    return std::unexpected(Ec2Error{400, "InvalidAMIID.NotFound",
                                    "The image id '[" + run.image_id + "]' does not exist"});
  }
  if (image->second.image.state != "available") {
    return std::unexpected(Ec2Error{400, "InvalidAMIID.Unavailable",
                                    "The image id '[" + run.image_id + "]' is not available"});
  }
  plan.image = &image->second;
  if (run.instance_type.empty()) run.instance_type = "m1.small";
  plan.offer = offers_.Find(region, run.instance_type);
  if (plan.offer == nullptr) {
    if (offers_.FindType(run.instance_type) == nullptr) {
      return std::unexpected(
          InvalidParameter("Invalid value '" + run.instance_type + "' for InstanceType."));
    }
    return std::unexpected(Unsupported());
  }
  if (run.min_count < 1 || run.max_count < run.min_count) {
    return std::unexpected(InvalidParameter("Invalid MinCount/MaxCount"));
  }
  plan.key_name = run.key_name.value_or("");
  if (!plan.key_name.empty()) {
    bool found = std::any_of(key_pairs_.begin(), key_pairs_.end(), [&](const auto& entry) {
      return entry.second.region == region && entry.second.key_pair.key_name == plan.key_name &&
             OwnedByCaller(request, entry.second.owner_id);
    });
    if (!found) {
      return std::unexpected(Ec2Error{400, "InvalidKeyPair.NotFound",
                                      "The key pair '" + plan.key_name + "' does not exist"});
    }
  }
  // Disk size: the image's unless a mapping asks for more.
  int image_gib = 8;
  for (const auto& mapping : plan.image->image.block_device_mappings) {
    if (mapping.ebs && mapping.ebs->volume_size) image_gib = *mapping.ebs->volume_size;
  }
  plan.volume_gib = image_gib;
  for (const auto& mapping : run.block_device_mappings) {
    if (!mapping.ebs || !mapping.ebs->volume_size) continue;
    plan.volume_gib = *mapping.ebs->volume_size;
    GPUBOX_TRY_VOID(CheckVolumeSize(mapping.ebs->volume_type.value_or("gp3"), plan.volume_gib));
    if (plan.volume_gib < image_gib) {
      return std::unexpected(Ec2Error{
          400, "InvalidBlockDeviceMapping",
          "Volume of size " + std::to_string(plan.volume_gib) + "GB is smaller than snapshot '" +
              plan.image->image.block_device_mappings[0].ebs->snapshot_id.value_or("") +
              "', expect size >= " + std::to_string(image_gib) + "GB"});
    }
  }
  if (request.Has("UserData")) run.user_data = GPUBOX_TRY(DecodeUserData(request.Get("UserData")));
  GPUBOX_TRY_VOID(CheckTags(TagsFor(run.tag_specifications, "instance")));
  GPUBOX_TRY_VOID(CheckTags(TagsFor(run.tag_specifications, "volume")));
  plan.spot = run.instance_market_options && run.instance_market_options->market_type == "spot";
  plan.quota_code =
      QuotaFor(plan.offer->type->family, plan.spot ? Market::kSpot : Market::kOnDemand).code;
  return {};
}

Ec2Result<void> Ec2Service::ResolveLaunchGroups(const Ec2Request& request, LaunchPlan& plan) {
  auto add = [&](const std::string& id_or_name, bool by_id) -> Ec2Result<void> {
    GroupRecord* group = GPUBOX_TRY(LookupGroup(request, id_or_name, by_id));
    plan.groups.push_back({group->group.group_id, group->group.group_name});
    return {};
  };
  for (const std::string& id : plan.run.security_group_ids) GPUBOX_TRY_VOID(add(id, true));
  for (const std::string& name : plan.run.security_groups) GPUBOX_TRY_VOID(add(name, false));
  if (plan.groups.empty()) GPUBOX_TRY_VOID(add("default", false));
  return {};
}

Ec2Result<void> Ec2Service::CheckLaunchQuota(const Ec2Request& request, LaunchPlan& plan) {
  return CheckQuota(request.region, plan.quota_code, plan.offer->type->vcpus * plan.run.min_count,
                    plan.spot);
}

Ec2Result<void> Ec2Service::ChooseLaunchZone(const Ec2Request& request, LaunchPlan& plan) {
  // The zone asked for, else the first with capacity.
  const std::string& type = plan.offer->type->name;
  std::vector<std::string> zones = ZonesOf(request.region);
  if (plan.run.placement && plan.run.placement->availability_zone &&
      !plan.run.placement->availability_zone->empty()) {
    const std::string& zone = *plan.run.placement->availability_zone;
    if (RegionOfZone(zone) != request.region) {
      return std::unexpected(InvalidParameter("Invalid availability zone: [" + zone + "]"));
    }
    zones = {zone};
  }
  for (const std::string& candidate : zones) {
    if (faults_.CapacityBlocked(type, candidate)) continue;
    if (plan.spot && faults_.SpotCapacityWithdrawn(type, candidate)) continue;
    if (InstancesOfTypeIn(type, candidate) + plan.run.min_count > CapacityOf(type)) continue;
    plan.zone = candidate;
    return {};
  }
  return std::unexpected(
      Ec2Error{500, "InsufficientInstanceCapacity",
               "We currently do not have sufficient " + type +
                   " capacity in the Availability Zone you requested (" + zones[0] +
                   "). Our system will be working on provisioning additional capacity."});
}

Ec2Result<void> Ec2Service::ResolvePlacementGroup(const Ec2Request& request, LaunchPlan& plan) {
  if (!plan.run.placement || !plan.run.placement->group_name ||
      plan.run.placement->group_name->empty()) {
    return {};
  }
  const std::string& name = *plan.run.placement->group_name;
  PlacementGroupRecord* group = FindPlacementGroup(request, name);
  if (group == nullptr) {
    return std::unexpected(Ec2Error{400, "InvalidPlacementGroup.Unknown",
                                    "The Placement Group '" + name + "' is unknown."});
  }
  if (group->group.strategy != "cluster") return {};
  // A cluster group lives in one zone: that of its instances, once it has some.
  for (const auto& [id, record] : instances_) {
    const aws::Instance& instance = record.instance;
    if (record.region != request.region || instance.state.code == kTerminated ||
        instance.placement.group_name.value_or("") != name ||
        !OwnedByCaller(request, record.owner_id)) {
      continue;
    }
    const std::string& zone = instance.placement.availability_zone.value_or("");
    const std::string& asked = plan.run.placement->availability_zone.value_or("");
    if (!asked.empty() && asked != zone) {
      return std::unexpected(InvalidParameter("The placement group '" + name +
                                              "' has instances in " + zone + ", not " + asked +
                                              " (a cluster placement group spans one zone)."));
    }
    plan.run.placement->availability_zone = zone;
    break;
  }
  return {};
}

Ec2Result<void> Ec2Service::CheckSpotPrice(const Ec2Request& request, LaunchPlan& plan) {
  if (!plan.spot) return {};
  const std::string& type = plan.offer->type->name;
  auto current = offers_.SpotPrice(type, plan.zone, Now());
  if (!current) {
    return std::unexpected(
        Unsupported("Spot is not offered for " + type + " in " + plan.zone + "."));
  }
  plan.max_price = plan.offer->on_demand_usd_hr;
  const auto& options = plan.run.instance_market_options->spot_options;
  if (options && options->max_price) {
    auto parsed = ParseDouble(*options->max_price);
    if (!parsed) return std::unexpected(InvalidParameter("Invalid MaxPrice"));
    plan.max_price = *parsed;
  }
  if (plan.max_price < *current) {
    return std::unexpected(
        Ec2Error{400, "SpotMaxPriceTooLow",
                 "Your Spot request price of " + FormatDouble(plan.max_price) +
                     " is lower than the minimum required Spot request fulfillment price of " +
                     FormatDouble(*current) + "."});
  }
  if (options && options->instance_interruption_behavior) {
    plan.interruption_behavior = *options->instance_interruption_behavior;
  }
  if (options && options->spot_instance_type) plan.spot_type = *options->spot_instance_type;
  // RunInstances: a persistent request must stop (or hibernate) its instance on an
  // interruption, and only a persistent request may.
  if ((plan.spot_type == "persistent") != (plan.interruption_behavior != "terminate")) {
    return std::unexpected(
        Ec2Error{400, "InvalidParameterCombination",
                 "Spot Instance requests made by RunInstances support the interruption behavior '" +
                     plan.interruption_behavior + "' only with " +
                     (plan.spot_type == "persistent" ? "one-time" : "persistent") +
                     " requests: persistent requests must stop or hibernate, one-time requests "
                     "terminate."});
  }
  return {};
}

aws::Reservation Ec2Service::BuildInstances(const Ec2Request& request, const LaunchPlan& plan) {
  const std::string& region = request.region;
  const aws::RunInstancesRequest& run = plan.run;
  const InstanceType& type = *plan.offer->type;
  auto tags = TagsFor(run.tag_specifications, "instance");
  aws::Reservation reservation;
  reservation.reservation_id = NewId("r-");
  reservation.owner_id = CallerAccount(request);
  std::string launch_time = IsoTime(Now());
  for (int index = 0; index < run.max_count; ++index) {
    // Beyond MinCount, launch only what quota and capacity still allow.
    if (index >= run.min_count &&
        (!CheckQuota(region, plan.quota_code, type.vcpus, plan.spot) ||
         InstancesOfTypeIn(type.name, plan.zone) + 1 > CapacityOf(type.name))) {
      break;
    }
    InstanceRecord record;
    record.region = region;
    record.reservation_id = reservation.reservation_id;
    record.owner_id = CallerAccount(request);
    record.launched_by = request.principal == "root" ? "" : request.principal;
    record.vcpus = type.vcpus;
    record.quota_code = plan.quota_code;
    record.spot_max_price = plan.max_price;
    record.interruption_behavior = plan.spot ? plan.interruption_behavior : "";
    record.user_data = run.user_data ? aws::Base64Encode(*run.user_data) : "";
    record.shutdown_behavior = run.instance_initiated_shutdown_behavior.value_or("stop");
    if (!plan.image->builtin) record.snapshot_image_id = plan.image->image.image_id;
    aws::Instance& instance = record.instance;
    instance.instance_id = NewId("i-");
    instance.image_id = run.image_id;
    instance.key_name = plan.key_name;
    instance.ami_launch_index = index;
    instance.instance_type = type.name;
    instance.launch_time = launch_time;
    instance.placement.availability_zone = plan.zone;
    if (plan.run.placement && plan.run.placement->group_name) {
      instance.placement.group_name = plan.run.placement->group_name;
    }
    instance.placement.tenancy = "default";
    instance.subnet_id = "subnet-" + plan.zone;
    instance.vpc_id = DefaultVpc(region);
    instance.architecture = type.arch;
    instance.root_device_name = "/dev/sda1";
    instance.root_device_type = "ebs";
    instance.block_device_mappings.push_back(
        {"/dev/sda1", NewId("vol-"), "attached", launch_time, true});
    if (plan.spot) {
      instance.instance_lifecycle = "spot";
      instance.spot_instance_request_id = NewId("sir-").substr(0, 12);
    }
    instance.client_token = run.client_token.value_or("");
    instance.security_groups = plan.groups;
    instance.tags = tags;
    std::string tokens = run.metadata_options && run.metadata_options->http_tokens
                             ? *run.metadata_options->http_tokens
                             : "optional";
    instance.metadata_options = {"applied", tokens, 2, "enabled"};
    instance.root_volume_size_gib = plan.volume_gib;
    record.volume_tags = TagsFor(run.tag_specifications, "volume");
    SetState(record, kPending, "pending", "pending");
    instance.state_reason = {};
    instances_[instance.instance_id] = record;
    Save(record);
    if (plan.spot) AddSpotRequest(request, plan, record);
    reservation.instances.push_back(instance);
  }
  reservation.groups = plan.groups;
  return reservation;
}

std::string Ec2Service::ClientTokenKey(const Ec2Request& request, const std::string& token) const {
  std::string key = request.region + "/" + token;
  const std::string& account = CallerAccount(request);
  return account == account_id_ ? key : account + "/" + key;
}

void Ec2Service::RememberClientToken(const Ec2Request& request, const aws::RunInstancesRequest& run,
                                     const aws::Reservation& reservation) {
  if (!run.client_token || run.client_token->empty()) return;
  ClientTokenRecord token{
      request.region, *run.client_token, ParametersHash(request), reservation.reservation_id, {}};
  for (const aws::Instance& instance : reservation.instances) {
    token.instance_ids.push_back(instance.instance_id);
  }
  std::string key = ClientTokenKey(request, *run.client_token);
  client_tokens_[key] = token;
  (void)store_.Put("client_token", key, StoredJson(token));
}

}  // namespace gpubox::local
