#include "gpubox/cloud/aws_cloud.h"

#include <algorithm>

namespace gpubox {

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
  RegionClient& client = clients_[region];
  if (!client.ec2) {
    client.caller = std::make_unique<aws::AwsCaller>(env_, resolver_(region, "ec2"), credentials_);
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
  GPUBOX_TRY(Ec2(region).ImportKeyPair(request));
  return {};
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
  GPUBOX_TRY(Ec2(region).DeleteKeyPair(request));
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
  auto answer = GPUBOX_TRY(Ec2(region).CreateSecurityGroup(request));
  return answer.group_id;
}

Result<std::string> AwsCloud::FindSecurityGroup(const std::string& region,
                                                const std::string& group_name) {
  aws::DescribeSecurityGroupsRequest request;
  request.filters = {{"group-name", {group_name}}};
  auto answer = GPUBOX_TRY(Ec2(region).DescribeSecurityGroups(request));
  return answer.security_groups.empty() ? std::string() : answer.security_groups[0].group_id;
}

Result<void> AwsCloud::AuthorizeIngress(const std::string& region, const std::string& group_id,
                                        const aws::IpPermission& permission) {
  aws::AuthorizeSecurityGroupIngressRequest request;
  request.group_id = group_id;
  request.ip_permissions = {permission};
  GPUBOX_TRY(Ec2(region).AuthorizeSecurityGroupIngress(request));
  return {};
}

Result<void> AwsCloud::DeleteSecurityGroup(const std::string& region, const std::string& group_id) {
  aws::DeleteSecurityGroupRequest request;
  request.group_id = group_id;
  GPUBOX_TRY(Ec2(region).DeleteSecurityGroup(request));
  return {};
}

Result<aws::Instance> AwsCloud::RunInstance(const std::string& region,
                                            const aws::RunInstancesRequest& request) {
  auto answer = GPUBOX_TRY(Ec2(region).RunInstances(request));
  if (answer.reservation.instances.empty()) {
    return Fail(ErrorCode::kCloud, "RunInstances answered no instance");
  }
  return answer.reservation.instances.front();
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
  if (!tags.empty()) request.tag_specifications = {{"image", tags}};
  auto answer = GPUBOX_TRY(Ec2(region).CreateImage(request));
  return answer.image_id;
}

Result<void> AwsCloud::DeregisterImage(const std::string& region, const std::string& image_id) {
  aws::DeregisterImageRequest request;
  request.image_id = image_id;
  GPUBOX_TRY(Ec2(region).DeregisterImage(request));
  return {};
}

}  // namespace gpubox
