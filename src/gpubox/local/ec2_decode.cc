#include "gpubox/local/ec2_decode.h"

#include "gpubox/aws/crypto.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

std::optional<std::string> Optional(const Ec2Request& request, const std::string& name) {
  if (!request.Has(name)) return std::nullopt;
  return request.Get(name);
}

std::optional<int> OptionalInt(const Ec2Request& request, const std::string& name) {
  if (!request.Has(name)) return std::nullopt;
  auto value = ParseInt(request.Get(name));
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

std::optional<bool> OptionalBool(const Ec2Request& request, const std::string& name) {
  if (!request.Has(name)) return std::nullopt;
  return EqualsIgnoreCase(request.Get(name), "true");
}

}  // namespace

std::vector<aws::Tag> DecodeTags(const Ec2Request& request, std::string_view prefix) {
  std::vector<aws::Tag> tags;
  for (int index : request.Members(prefix)) {
    std::string member = std::string(prefix) + "." + std::to_string(index);
    tags.push_back({request.Get(member + ".Key"), request.Get(member + ".Value")});
  }
  return tags;
}

std::vector<aws::TagSpecification> DecodeTagSpecifications(const Ec2Request& request) {
  std::vector<aws::TagSpecification> specifications;
  for (int index : request.Members("TagSpecification")) {
    std::string member = "TagSpecification." + std::to_string(index);
    specifications.push_back(
        {request.Get(member + ".ResourceType"), DecodeTags(request, member + ".Tag")});
  }
  return specifications;
}

std::vector<aws::Tag> TagsFor(const std::vector<aws::TagSpecification>& specifications,
                              std::string_view resource_type) {
  std::vector<aws::Tag> tags;
  for (const aws::TagSpecification& specification : specifications) {
    if (specification.resource_type == resource_type) MergeTags(tags, specification.tags);
  }
  return tags;
}

void MergeTags(std::vector<aws::Tag>& tags, const std::vector<aws::Tag>& added) {
  for (const aws::Tag& tag : added) {
    bool replaced = false;
    for (aws::Tag& existing : tags) {
      if (existing.key == tag.key) {
        existing.value = tag.value;
        replaced = true;
      }
    }
    if (!replaced) tags.push_back(tag);
  }
}

std::vector<aws::IpPermission> DecodeIpPermissions(const Ec2Request& request) {
  std::vector<aws::IpPermission> permissions;
  for (int index : request.Members("IpPermissions")) {
    std::string member = "IpPermissions." + std::to_string(index);
    aws::IpPermission permission;
    permission.ip_protocol = request.Get(member + ".IpProtocol");
    permission.from_port = OptionalInt(request, member + ".FromPort");
    permission.to_port = OptionalInt(request, member + ".ToPort");
    for (int range : request.Members(member + ".IpRanges")) {
      std::string item = member + ".IpRanges." + std::to_string(range);
      permission.ip_ranges.push_back(
          {request.Get(item + ".CidrIp"), Optional(request, item + ".Description")});
    }
    for (int range : request.Members(member + ".Ipv6Ranges")) {
      std::string item = member + ".Ipv6Ranges." + std::to_string(range);
      permission.ipv6_ranges.push_back(
          {request.Get(item + ".CidrIpv6"), Optional(request, item + ".Description")});
    }
    for (int group : request.Members(member + ".Groups")) {
      std::string item = member + ".Groups." + std::to_string(group);
      permission.user_id_group_pairs.push_back(
          {Optional(request, item + ".Description"), Optional(request, item + ".GroupId"),
           Optional(request, item + ".GroupName"), Optional(request, item + ".UserId")});
    }
    permissions.push_back(std::move(permission));
  }
  if (permissions.empty() && request.Has("IpProtocol")) {
    aws::IpPermission permission;
    permission.ip_protocol = request.Get("IpProtocol");
    permission.from_port = OptionalInt(request, "FromPort");
    permission.to_port = OptionalInt(request, "ToPort");
    if (request.Has("CidrIp")) permission.ip_ranges.push_back({request.Get("CidrIp"), {}});
    permissions.push_back(std::move(permission));
  }
  for (aws::IpPermission& permission : permissions) {
    permission.ip_protocol = ToLower(permission.ip_protocol);
    if (permission.ip_protocol == "6") permission.ip_protocol = "tcp";
    if (permission.ip_protocol == "17") permission.ip_protocol = "udp";
    if (permission.ip_protocol == "1") permission.ip_protocol = "icmp";
    if (permission.ip_protocol == "all") permission.ip_protocol = "-1";
  }
  return permissions;
}

aws::RunInstancesRequest DecodeRunInstances(const Ec2Request& request) {
  aws::RunInstancesRequest run;
  for (int index : request.Members("BlockDeviceMapping")) {
    std::string member = "BlockDeviceMapping." + std::to_string(index);
    aws::BlockDeviceMapping mapping;
    mapping.device_name = request.Get(member + ".DeviceName");
    if (request.Has(member + ".Ebs.VolumeSize") || request.Has(member + ".Ebs.VolumeType") ||
        request.Has(member + ".Ebs.DeleteOnTermination") ||
        request.Has(member + ".Ebs.SnapshotId")) {
      aws::EbsBlockDevice ebs;
      ebs.volume_size = OptionalInt(request, member + ".Ebs.VolumeSize");
      ebs.volume_type = Optional(request, member + ".Ebs.VolumeType");
      ebs.delete_on_termination = OptionalBool(request, member + ".Ebs.DeleteOnTermination");
      ebs.snapshot_id = Optional(request, member + ".Ebs.SnapshotId");
      mapping.ebs = ebs;
    }
    run.block_device_mappings.push_back(std::move(mapping));
  }
  run.image_id = request.Get("ImageId");
  run.instance_type = request.Get("InstanceType");
  run.key_name = Optional(request, "KeyName");
  run.max_count = OptionalInt(request, "MaxCount").value_or(1);
  run.min_count = OptionalInt(request, "MinCount").value_or(1);
  if (request.Has("Placement.AvailabilityZone") || request.Has("Placement.GroupName")) {
    aws::Placement placement;
    placement.availability_zone = Optional(request, "Placement.AvailabilityZone");
    placement.group_name = Optional(request, "Placement.GroupName");
    run.placement = placement;
  }
  run.security_group_ids = request.List("SecurityGroupId");
  run.security_groups = request.List("SecurityGroup");
  run.subnet_id = Optional(request, "SubnetId");
  if (request.Has("UserData")) {
    auto decoded = aws::Base64Decode(request.Get("UserData"));
    run.user_data = decoded ? *decoded : request.Get("UserData");
  }
  run.client_token = Optional(request, "ClientToken");
  run.instance_initiated_shutdown_behavior = Optional(request, "InstanceInitiatedShutdownBehavior");
  run.tag_specifications = DecodeTagSpecifications(request);
  if (request.Has("InstanceMarketOptions.MarketType")) {
    aws::InstanceMarketOptionsRequest market;
    market.market_type = request.Get("InstanceMarketOptions.MarketType");
    aws::SpotMarketOptions spot;
    const std::string prefix = "InstanceMarketOptions.SpotOptions.";
    spot.max_price = Optional(request, prefix + "MaxPrice");
    spot.spot_instance_type = Optional(request, prefix + "SpotInstanceType");
    spot.instance_interruption_behavior =
        Optional(request, prefix + "InstanceInterruptionBehavior");
    market.spot_options = spot;
    run.instance_market_options = market;
  }
  if (request.Has("MetadataOptions.HttpTokens") || request.Has("MetadataOptions.HttpEndpoint")) {
    aws::InstanceMetadataOptionsRequest metadata;
    metadata.http_tokens = Optional(request, "MetadataOptions.HttpTokens");
    metadata.http_endpoint = Optional(request, "MetadataOptions.HttpEndpoint");
    metadata.http_put_response_hop_limit =
        OptionalInt(request, "MetadataOptions.HttpPutResponseHopLimit");
    run.metadata_options = metadata;
  }
  return run;
}

}  // namespace gpubox::local
