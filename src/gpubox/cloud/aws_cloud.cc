#include "gpubox/cloud/aws_cloud.h"

#include <algorithm>

namespace gpubox {
namespace {

/// Success, or an error whose cloud code is one of `done_codes` (the work was done by an
/// earlier attempt): both count as done.
template <typename T>
bool DoneOr(const Result<T>& result, std::initializer_list<std::string_view> done_codes) {
  if (result) return true;
  for (std::string_view code : done_codes) {
    if (result.error().cloud_code == code) return true;
  }
  return false;
}

}  // namespace

AwsCloud::AwsCloud(std::string name, Env& env, aws::CredentialsProvider& credentials,
                   EndpointResolver resolver, std::string home_region, QuotaService& quotas)
    : name_(std::move(name)),
      env_(env),
      credentials_(credentials),
      resolver_(std::move(resolver)),
      home_region_(std::move(home_region)),
      quotas_(quotas) {}

AwsCloud::~AwsCloud() = default;

aws::Ec2Client& AwsCloud::Ec2(const std::string& region) {
  ++calls_;
  std::lock_guard lock(clients_mutex_);
  RegionClient& client = clients_[region];
  if (!client.ec2) {
    client.caller = std::make_unique<aws::AwsCaller>(env_, resolver_(region, "ec2"), credentials_,
                                                     retry_options_);
    client.ec2 = std::make_unique<aws::Ec2Client>(*client.caller);
  }
  return *client.ec2;
}

Result<std::vector<std::string>> AwsCloud::Regions() {
  if (!regions_.empty()) return regions_;
  auto answer = GPUBOX_TRY(Ec2(home_region_).DescribeRegions({}));
  for (const aws::Region& region : answer.regions) {
    if (region.opt_in_status != "not-opted-in") regions_.push_back(region.region_name);
  }
  std::sort(regions_.begin(), regions_.end());
  return regions_;
}

Result<std::vector<std::string>> AwsCloud::Zones(const std::string& region) {
  aws::DescribeAvailabilityZonesRequest request;
  request.filters = {{"state", {"available"}}};
  auto answer = GPUBOX_TRY(Ec2(region).DescribeAvailabilityZones(request));
  std::vector<std::string> zones;
  for (const auto& zone : answer.availability_zones) {
    if (zone.zone_type.empty() || zone.zone_type == "availability-zone") {
      zones.push_back(zone.zone_name);
    }
  }
  std::sort(zones.begin(), zones.end());
  return zones;
}

Result<std::vector<aws::Instance>> AwsCloud::DescribeInstances(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  aws::DescribeInstancesRequest request;
  request.filters = filters;
  auto answer = GPUBOX_TRY(Ec2(region).DescribeInstances(request));
  std::vector<aws::Instance> instances;
  for (aws::Reservation& reservation : answer.reservations) {
    for (aws::Instance& instance : reservation.instances) instances.push_back(std::move(instance));
  }
  return instances;
}

Result<void> AwsCloud::ImportKeyPair(const std::string& region, const std::string& key_name,
                                     const std::string& public_key,
                                     const std::vector<aws::Tag>& tags) {
  aws::ImportKeyPairRequest request;
  request.key_name = key_name;
  request.public_key_material = public_key;
  if (!tags.empty()) request.tag_specifications = {{"key-pair", tags}};
  auto imported = Ec2(region).ImportKeyPair(request);
  if (!DoneOr(imported, {"InvalidKeyPair.Duplicate"})) return std::unexpected(imported.error());
  return {};
}

Result<std::vector<aws::KeyPair>> AwsCloud::DescribeKeyPairs(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  aws::DescribeKeyPairsRequest request;
  request.filters = filters;
  return GPUBOX_TRY(Ec2(region).DescribeKeyPairs(request)).key_pairs;
}

Result<bool> AwsCloud::KeyPairExists(const std::string& region, const std::string& key_name) {
  aws::DescribeKeyPairsRequest request;
  request.filters = {{"key-name", {key_name}}};
  auto answer = GPUBOX_TRY(Ec2(region).DescribeKeyPairs(request));
  return !answer.key_pairs.empty();
}

Result<void> AwsCloud::DeleteKeyPair(const std::string& region, const std::string& key_name) {
  aws::DeleteKeyPairRequest request;
  request.key_name = key_name;
  auto deleted = Ec2(region).DeleteKeyPair(request);
  if (!DoneOr(deleted, {"InvalidKeyPair.NotFound"})) return std::unexpected(deleted.error());
  return {};
}

Result<std::string> AwsCloud::CreateSecurityGroup(const std::string& region,
                                                  const std::string& group_name,
                                                  const std::string& description,
                                                  const std::vector<aws::Tag>& tags) {
  aws::CreateSecurityGroupRequest request;
  request.group_name = group_name;
  request.description = description;
  if (!tags.empty()) request.tag_specifications = {{"security-group", tags}};
  auto answer = Ec2(region).CreateSecurityGroup(request);
  if (!answer && answer.error().cloud_code == "InvalidGroup.Duplicate") {
    std::string group_id = GPUBOX_TRY(FindSecurityGroup(region, group_name));
    if (!group_id.empty()) return group_id;
  }
  if (!answer) return std::unexpected(answer.error());
  return answer->group_id;
}

Result<std::string> AwsCloud::FindSecurityGroup(const std::string& region,
                                                const std::string& group_name) {
  aws::DescribeSecurityGroupsRequest request;
  request.filters = {{"group-name", {group_name}}};
  auto answer = GPUBOX_TRY(Ec2(region).DescribeSecurityGroups(request));
  return answer.security_groups.empty() ? std::string() : answer.security_groups[0].group_id;
}

Result<std::vector<aws::SecurityGroup>> AwsCloud::DescribeSecurityGroups(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  aws::DescribeSecurityGroupsRequest request;
  request.filters = filters;
  return GPUBOX_TRY(Ec2(region).DescribeSecurityGroups(request)).security_groups;
}

Result<void> AwsCloud::AuthorizeIngress(const std::string& region, const std::string& group_id,
                                        const aws::IpPermission& permission) {
  aws::AuthorizeSecurityGroupIngressRequest request;
  request.group_id = group_id;
  request.ip_permissions = {permission};
  auto authorized = Ec2(region).AuthorizeSecurityGroupIngress(request);
  if (!DoneOr(authorized, {"InvalidPermission.Duplicate"})) {
    return std::unexpected(authorized.error());
  }
  return {};
}

Result<void> AwsCloud::DeleteSecurityGroup(const std::string& region, const std::string& group_id) {
  aws::DeleteSecurityGroupRequest request;
  request.group_id = group_id;
  auto deleted = Ec2(region).DeleteSecurityGroup(request);
  if (!DoneOr(deleted, {"InvalidGroup.NotFound"})) return std::unexpected(deleted.error());
  return {};
}

Result<std::vector<aws::Instance>> AwsCloud::RunInstances(const std::string& region,
                                                          const aws::RunInstancesRequest& request) {
  std::vector<aws::Instance> instances =
      GPUBOX_TRY(Ec2(region).RunInstances(request)).reservation.instances;
  std::stable_sort(instances.begin(), instances.end(), [](const auto& a, const auto& b) {
    return a.ami_launch_index < b.ami_launch_index;
  });
  return instances;
}

Result<void> AwsCloud::CreatePlacementGroup(const std::string& region, const std::string& name,
                                            const std::vector<aws::Tag>& tags) {
  aws::CreatePlacementGroupRequest request;
  request.group_name = name;
  request.strategy = "cluster";
  if (!tags.empty()) request.tag_specifications = {{"placement-group", tags}};
  auto made = Ec2(region).CreatePlacementGroup(request);
  if (!DoneOr(made, {"InvalidPlacementGroup.Duplicate"})) return std::unexpected(made.error());
  return {};
}

Result<void> AwsCloud::DeletePlacementGroup(const std::string& region, const std::string& name) {
  auto deleted = Ec2(region).DeletePlacementGroup({name});
  if (!DoneOr(deleted, {"InvalidPlacementGroup.Unknown"})) return std::unexpected(deleted.error());
  return {};
}

Result<void> AwsCloud::StartInstance(const std::string& region, const std::string& id) {
  GPUBOX_TRY(Ec2(region).StartInstances({{id}}));
  return {};
}

Result<void> AwsCloud::StopInstance(const std::string& region, const std::string& id) {
  aws::StopInstancesRequest request;
  request.instance_ids = {id};
  GPUBOX_TRY(Ec2(region).StopInstances(request));
  return {};
}

Result<void> AwsCloud::TerminateInstance(const std::string& region, const std::string& id) {
  aws::TerminateInstancesRequest request;
  request.instance_ids = {id};
  GPUBOX_TRY(Ec2(region).TerminateInstances(request));
  return {};
}

Result<std::vector<aws::SpotInstanceRequest>> AwsCloud::DescribeSpotRequests(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  aws::DescribeSpotInstanceRequestsRequest request;
  request.filters = filters;
  auto answer = GPUBOX_TRY(Ec2(region).DescribeSpotInstanceRequests(request));
  return answer.spot_instance_requests;
}

Result<void> AwsCloud::CancelSpotRequest(const std::string& region, const std::string& request_id) {
  aws::CancelSpotInstanceRequestsRequest request;
  request.spot_instance_request_ids = {request_id};
  auto cancelled = Ec2(region).CancelSpotInstanceRequests(request);
  if (!DoneOr(cancelled, {"InvalidSpotInstanceRequestID.NotFound"})) {
    return std::unexpected(cancelled.error());
  }
  return {};
}

Result<std::vector<aws::Image>> AwsCloud::DescribeImages(const std::string& region,
                                                         const std::vector<aws::Filter>& filters,
                                                         const std::vector<std::string>& owners) {
  aws::DescribeImagesRequest request;
  request.filters = filters;
  request.owners = owners;
  auto answer = GPUBOX_TRY(Ec2(region).DescribeImages(request));
  return answer.images;
}

Result<std::string> AwsCloud::CreateImage(const std::string& region, const std::string& instance_id,
                                          const std::string& image_name,
                                          const std::vector<aws::Tag>& tags) {
  aws::CreateImageRequest request;
  request.instance_id = instance_id;
  request.name = image_name;
  // The snapshots carry the tags too: they outlive the image unless deleted, and are billed.
  if (!tags.empty()) request.tag_specifications = {{"image", tags}, {"snapshot", tags}};
  auto answer = Ec2(region).CreateImage(request);
  if (!answer && answer.error().cloud_code == "InvalidAMIName.Duplicate") {
    auto same_name = GPUBOX_TRY(DescribeImages(region, {{"name", {image_name}}}, {"self"}));
    if (!same_name.empty()) return same_name.front().image_id;
  }
  if (!answer) return std::unexpected(answer.error());
  return answer->image_id;
}

Result<void> AwsCloud::DeregisterImage(const std::string& region, const std::string& image_id) {
  std::vector<std::string> snapshot_ids;
  auto images = DescribeImages(region, {{"image-id", {image_id}}}, {"self"});
  if (!images && images.error().cloud_code != "InvalidAMIID.NotFound") {
    return std::unexpected(images.error());
  }
  for (const aws::Image& image : images.value_or(std::vector<aws::Image>{})) {
    for (const aws::BlockDeviceMapping& mapping : image.block_device_mappings) {
      if (mapping.ebs && mapping.ebs->snapshot_id)
        snapshot_ids.push_back(*mapping.ebs->snapshot_id);
    }
  }
  GPUBOX_TRY_VOID(DeregisterOnly(region, image_id));
  for (const std::string& snapshot_id : snapshot_ids) {
    GPUBOX_TRY_VOID(DeleteSnapshot(region, snapshot_id));
  }
  return {};
}

Result<std::vector<aws::Volume>> AwsCloud::DescribeVolumes(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  aws::DescribeVolumesRequest request;
  request.filters = filters;
  return GPUBOX_TRY(Ec2(region).DescribeVolumes(request)).volumes;
}

Result<void> AwsCloud::DeleteVolume(const std::string& region, const std::string& volume_id) {
  auto deleted = Ec2(region).DeleteVolume({volume_id});
  if (!DoneOr(deleted, {"InvalidVolume.NotFound"})) return std::unexpected(deleted.error());
  return {};
}

Result<std::vector<aws::Snapshot>> AwsCloud::DescribeSnapshots(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  aws::DescribeSnapshotsRequest request;
  request.filters = filters;
  request.owner_ids = {"self"};
  return GPUBOX_TRY(Ec2(region).DescribeSnapshots(request)).snapshots;
}

Result<void> AwsCloud::DeleteSnapshot(const std::string& region, const std::string& snapshot_id) {
  auto deleted = Ec2(region).DeleteSnapshot({snapshot_id});
  if (!DoneOr(deleted, {"InvalidSnapshot.NotFound"})) return std::unexpected(deleted.error());
  return {};
}

Result<void> AwsCloud::DeregisterOnly(const std::string& region, const std::string& image_id) {
  aws::DeregisterImageRequest request;
  request.image_id = image_id;
  auto deregistered = Ec2(region).DeregisterImage(request);
  if (!DoneOr(deregistered, {"InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"})) {
    return std::unexpected(deregistered.error());
  }
  return {};
}

}  // namespace gpubox
