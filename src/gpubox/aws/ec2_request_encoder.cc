#include "gpubox/aws/ec2_request_encoder.h"

#include "gpubox/aws/crypto.h"

namespace gpubox::aws {
namespace {

std::string Item(const std::string& prefix, size_t index) {
  return prefix + "." + std::to_string(index + 1);
}

void AddFilters(QueryWriter& writer, const std::vector<Filter>& filters) {
  for (size_t index = 0; index < filters.size(); ++index) {
    std::string prefix = Item("Filter", index);
    writer.Add(prefix + ".Name", filters[index].name);
    writer.AddList(prefix + ".Value", filters[index].values);
  }
}

void AddTags(QueryWriter& writer, const std::string& prefix, const std::vector<Tag>& tags) {
  for (size_t index = 0; index < tags.size(); ++index) {
    writer.Add(Item(prefix, index) + ".Key", tags[index].key);
    writer.Add(Item(prefix, index) + ".Value", tags[index].value);
  }
}

void AddTagSpecifications(QueryWriter& writer, const std::vector<TagSpecification>& specs) {
  for (size_t index = 0; index < specs.size(); ++index) {
    std::string prefix = Item("TagSpecification", index);
    writer.Add(prefix + ".ResourceType", specs[index].resource_type);
    AddTags(writer, prefix + ".Tag", specs[index].tags);
  }
}

void AddBlockDeviceMappings(QueryWriter& writer, const std::vector<BlockDeviceMapping>& mappings) {
  for (size_t index = 0; index < mappings.size(); ++index) {
    const BlockDeviceMapping& mapping = mappings[index];
    std::string prefix = Item("BlockDeviceMapping", index);
    writer.Add(prefix + ".DeviceName", mapping.device_name);
    writer.Add(prefix + ".VirtualName", mapping.virtual_name);
    if (mapping.ebs) {
      const EbsBlockDevice& ebs = *mapping.ebs;
      writer.AddBool(prefix + ".Ebs.DeleteOnTermination", ebs.delete_on_termination);
      writer.AddInt(prefix + ".Ebs.Iops", ebs.iops);
      writer.Add(prefix + ".Ebs.SnapshotId", ebs.snapshot_id);
      writer.AddInt(prefix + ".Ebs.VolumeSize", ebs.volume_size);
      writer.Add(prefix + ".Ebs.VolumeType", ebs.volume_type);
      writer.AddInt(prefix + ".Ebs.Throughput", ebs.throughput);
      writer.AddBool(prefix + ".Ebs.Encrypted", ebs.encrypted);
    }
    writer.Add(prefix + ".NoDevice", mapping.no_device);
  }
}

void AddIpPermissions(QueryWriter& writer, const std::vector<IpPermission>& permissions) {
  for (size_t index = 0; index < permissions.size(); ++index) {
    const IpPermission& permission = permissions[index];
    std::string prefix = Item("IpPermissions", index);
    writer.AddInt(prefix + ".FromPort", permission.from_port);
    writer.Add(prefix + ".IpProtocol", permission.ip_protocol);
    for (size_t range = 0; range < permission.ip_ranges.size(); ++range) {
      std::string range_prefix = Item(prefix + ".IpRanges", range);
      writer.Add(range_prefix + ".CidrIp", permission.ip_ranges[range].cidr_ip);
      writer.Add(range_prefix + ".Description", permission.ip_ranges[range].description);
    }
    for (size_t range = 0; range < permission.ipv6_ranges.size(); ++range) {
      std::string range_prefix = Item(prefix + ".Ipv6Ranges", range);
      writer.Add(range_prefix + ".CidrIpv6", permission.ipv6_ranges[range].cidr_ipv6);
      writer.Add(range_prefix + ".Description", permission.ipv6_ranges[range].description);
    }
    writer.AddInt(prefix + ".ToPort", permission.to_port);
    for (size_t pair = 0; pair < permission.user_id_group_pairs.size(); ++pair) {
      const UserIdGroupPair& group = permission.user_id_group_pairs[pair];
      std::string pair_prefix = Item(prefix + ".Groups", pair);
      writer.Add(pair_prefix + ".Description", group.description);
      writer.Add(pair_prefix + ".GroupId", group.group_id);
      writer.Add(pair_prefix + ".GroupName", group.group_name);
      writer.Add(pair_prefix + ".UserId", group.user_id);
    }
  }
}

}  // namespace

QueryParams EncodeRequest(const DescribeRegionsRequest& request) {
  QueryWriter writer("DescribeRegions");
  AddFilters(writer, request.filters);
  writer.AddList("RegionName", request.region_names);
  writer.AddBool("AllRegions", request.all_regions);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeAvailabilityZonesRequest& request) {
  QueryWriter writer("DescribeAvailabilityZones");
  AddFilters(writer, request.filters);
  writer.AddList("ZoneName", request.zone_names);
  writer.AddList("ZoneId", request.zone_ids);
  writer.AddBool("AllAvailabilityZones", request.all_availability_zones);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeInstanceTypesRequest& request) {
  QueryWriter writer("DescribeInstanceTypes");
  writer.AddList("InstanceType", request.instance_types);
  AddFilters(writer, request.filters);
  writer.AddInt("MaxResults", request.max_results);
  writer.Add("NextToken", request.next_token);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeImagesRequest& request) {
  QueryWriter writer("DescribeImages");
  writer.AddList("ExecutableBy", request.executable_users);
  AddFilters(writer, request.filters);
  writer.AddList("ImageId", request.image_ids);
  writer.AddList("Owner", request.owners);
  writer.AddBool("IncludeDeprecated", request.include_deprecated);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeSpotPriceHistoryRequest& request) {
  QueryWriter writer("DescribeSpotPriceHistory");
  AddFilters(writer, request.filters);
  writer.Add("AvailabilityZone", request.availability_zone);
  writer.Add("EndTime", request.end_time);
  writer.AddList("InstanceType", request.instance_types);
  writer.AddInt("MaxResults", request.max_results);
  writer.Add("NextToken", request.next_token);
  writer.AddList("ProductDescription", request.product_descriptions);
  writer.Add("StartTime", request.start_time);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeSpotInstanceRequestsRequest& request) {
  QueryWriter writer("DescribeSpotInstanceRequests");
  AddFilters(writer, request.filters);
  writer.AddList("SpotInstanceRequestId", request.spot_instance_request_ids);
  writer.Add("NextToken", request.next_token);
  writer.AddInt("MaxResults", request.max_results);
  return writer.Take();
}

QueryParams EncodeRequest(const CancelSpotInstanceRequestsRequest& request) {
  QueryWriter writer("CancelSpotInstanceRequests");
  writer.AddList("SpotInstanceRequestId", request.spot_instance_request_ids);
  return writer.Take();
}

QueryParams EncodeRequest(const CreatePlacementGroupRequest& request) {
  QueryWriter writer("CreatePlacementGroup");
  writer.Add("GroupName", request.group_name);
  writer.Add("Strategy", request.strategy);
  writer.AddInt("PartitionCount", request.partition_count);
  AddTagSpecifications(writer, request.tag_specifications);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribePlacementGroupsRequest& request) {
  QueryWriter writer("DescribePlacementGroups");
  AddFilters(writer, request.filters);
  writer.AddList("GroupName", request.group_names);
  writer.AddList("GroupId", request.group_ids);
  return writer.Take();
}

QueryParams EncodeRequest(const DeletePlacementGroupRequest& request) {
  QueryWriter writer("DeletePlacementGroup");
  writer.Add("GroupName", request.group_name);
  return writer.Take();
}

QueryParams EncodeRequest(const CreateKeyPairRequest& request) {
  QueryWriter writer("CreateKeyPair");
  writer.Add("KeyName", request.key_name);
  writer.Add("KeyType", request.key_type);
  AddTagSpecifications(writer, request.tag_specifications);
  writer.Add("KeyFormat", request.key_format);
  return writer.Take();
}

QueryParams EncodeRequest(const ImportKeyPairRequest& request) {
  QueryWriter writer("ImportKeyPair");
  writer.Add("KeyName", request.key_name);
  writer.Add("PublicKeyMaterial", Base64Encode(request.public_key_material));
  AddTagSpecifications(writer, request.tag_specifications);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeKeyPairsRequest& request) {
  QueryWriter writer("DescribeKeyPairs");
  AddFilters(writer, request.filters);
  writer.AddList("KeyName", request.key_names);
  writer.AddList("KeyPairId", request.key_pair_ids);
  writer.AddBool("IncludePublicKey", request.include_public_key);
  return writer.Take();
}

QueryParams EncodeRequest(const DeleteKeyPairRequest& request) {
  QueryWriter writer("DeleteKeyPair");
  writer.Add("KeyName", request.key_name);
  writer.Add("KeyPairId", request.key_pair_id);
  return writer.Take();
}

QueryParams EncodeRequest(const CreateSecurityGroupRequest& request) {
  QueryWriter writer("CreateSecurityGroup");
  writer.Add("GroupDescription", request.description);
  writer.Add("GroupName", request.group_name);
  writer.Add("VpcId", request.vpc_id);
  AddTagSpecifications(writer, request.tag_specifications);
  return writer.Take();
}

QueryParams EncodeRequest(const AuthorizeSecurityGroupIngressRequest& request) {
  QueryWriter writer("AuthorizeSecurityGroupIngress");
  writer.Add("GroupId", request.group_id);
  writer.Add("GroupName", request.group_name);
  AddIpPermissions(writer, request.ip_permissions);
  AddTagSpecifications(writer, request.tag_specifications);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeSecurityGroupsRequest& request) {
  QueryWriter writer("DescribeSecurityGroups");
  AddFilters(writer, request.filters);
  writer.AddList("GroupId", request.group_ids);
  writer.AddList("GroupName", request.group_names);
  writer.Add("NextToken", request.next_token);
  writer.AddInt("MaxResults", request.max_results);
  return writer.Take();
}

QueryParams EncodeRequest(const DeleteSecurityGroupRequest& request) {
  QueryWriter writer("DeleteSecurityGroup");
  writer.Add("GroupId", request.group_id);
  writer.Add("GroupName", request.group_name);
  return writer.Take();
}

QueryParams EncodeRequest(const RunInstancesRequest& request) {
  QueryWriter writer("RunInstances");
  AddBlockDeviceMappings(writer, request.block_device_mappings);
  writer.Add("ImageId", request.image_id);
  writer.Add("InstanceType", request.instance_type);
  writer.Add("KeyName", request.key_name);
  writer.AddInt("MaxCount", request.max_count);
  writer.AddInt("MinCount", request.min_count);
  if (request.placement) {
    writer.Add("Placement.AvailabilityZone", request.placement->availability_zone);
    writer.Add("Placement.GroupName", request.placement->group_name);
    writer.Add("Placement.Tenancy", request.placement->tenancy);
  }
  writer.AddList("SecurityGroupId", request.security_group_ids);
  writer.AddList("SecurityGroup", request.security_groups);
  writer.Add("SubnetId", request.subnet_id);
  if (request.user_data) writer.Add("UserData", Base64Encode(*request.user_data));
  writer.Add("ClientToken", request.client_token);
  if (request.iam_instance_profile) {
    writer.Add("IamInstanceProfile.Arn", request.iam_instance_profile->arn);
    writer.Add("IamInstanceProfile.Name", request.iam_instance_profile->name);
  }
  writer.Add("InstanceInitiatedShutdownBehavior", request.instance_initiated_shutdown_behavior);
  AddTagSpecifications(writer, request.tag_specifications);
  if (request.instance_market_options) {
    const InstanceMarketOptionsRequest& market = *request.instance_market_options;
    writer.Add("InstanceMarketOptions.MarketType", market.market_type);
    if (market.spot_options) {
      const SpotMarketOptions& spot = *market.spot_options;
      writer.Add("InstanceMarketOptions.SpotOptions.MaxPrice", spot.max_price);
      writer.Add("InstanceMarketOptions.SpotOptions.SpotInstanceType", spot.spot_instance_type);
      writer.Add("InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior",
                 spot.instance_interruption_behavior);
    }
  }
  if (request.metadata_options) {
    writer.Add("MetadataOptions.HttpTokens", request.metadata_options->http_tokens);
    writer.AddInt("MetadataOptions.HttpPutResponseHopLimit",
                  request.metadata_options->http_put_response_hop_limit);
    writer.Add("MetadataOptions.HttpEndpoint", request.metadata_options->http_endpoint);
  }
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeInstancesRequest& request) {
  QueryWriter writer("DescribeInstances");
  AddFilters(writer, request.filters);
  writer.AddList("InstanceId", request.instance_ids);
  writer.AddInt("MaxResults", request.max_results);
  writer.Add("NextToken", request.next_token);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeInstanceStatusRequest& request) {
  QueryWriter writer("DescribeInstanceStatus");
  AddFilters(writer, request.filters);
  writer.AddList("InstanceId", request.instance_ids);
  writer.AddInt("MaxResults", request.max_results);
  writer.Add("NextToken", request.next_token);
  writer.AddBool("IncludeAllInstances", request.include_all_instances);
  return writer.Take();
}

QueryParams EncodeRequest(const StartInstancesRequest& request) {
  QueryWriter writer("StartInstances");
  writer.AddList("InstanceId", request.instance_ids);
  return writer.Take();
}

QueryParams EncodeRequest(const StopInstancesRequest& request) {
  QueryWriter writer("StopInstances");
  writer.AddList("InstanceId", request.instance_ids);
  writer.AddBool("Hibernate", request.hibernate);
  writer.AddBool("Force", request.force);
  return writer.Take();
}

QueryParams EncodeRequest(const TerminateInstancesRequest& request) {
  QueryWriter writer("TerminateInstances");
  writer.AddList("InstanceId", request.instance_ids);
  return writer.Take();
}

QueryParams EncodeRequest(const CreateImageRequest& request) {
  QueryWriter writer("CreateImage");
  AddBlockDeviceMappings(writer, request.block_device_mappings);
  writer.Add("Description", request.description);
  writer.Add("InstanceId", request.instance_id);
  writer.Add("Name", request.name);
  writer.AddBool("NoReboot", request.no_reboot);
  AddTagSpecifications(writer, request.tag_specifications);
  return writer.Take();
}

QueryParams EncodeRequest(const DeregisterImageRequest& request) {
  QueryWriter writer("DeregisterImage");
  writer.Add("ImageId", request.image_id);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeVolumesRequest& request) {
  QueryWriter writer("DescribeVolumes");
  AddFilters(writer, request.filters);
  writer.AddList("VolumeId", request.volume_ids);
  writer.AddInt("MaxResults", request.max_results);
  writer.Add("NextToken", request.next_token);
  return writer.Take();
}

QueryParams EncodeRequest(const DeleteVolumeRequest& request) {
  QueryWriter writer("DeleteVolume");
  writer.Add("VolumeId", request.volume_id);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeSnapshotsRequest& request) {
  QueryWriter writer("DescribeSnapshots");
  AddFilters(writer, request.filters);
  writer.AddInt("MaxResults", request.max_results);
  writer.Add("NextToken", request.next_token);
  writer.AddList("Owner", request.owner_ids);
  writer.AddList("SnapshotId", request.snapshot_ids);
  return writer.Take();
}

QueryParams EncodeRequest(const DeleteSnapshotRequest& request) {
  QueryWriter writer("DeleteSnapshot");
  writer.Add("SnapshotId", request.snapshot_id);
  return writer.Take();
}

QueryParams EncodeRequest(const CreateTagsRequest& request) {
  QueryWriter writer("CreateTags");
  writer.AddList("ResourceId", request.resources);
  AddTags(writer, "Tag", request.tags);
  return writer.Take();
}

QueryParams EncodeRequest(const DescribeInstanceAttributeRequest& request) {
  QueryWriter writer("DescribeInstanceAttribute");
  writer.Add("Attribute", request.attribute);
  writer.Add("InstanceId", request.instance_id);
  return writer.Take();
}

QueryParams EncodeRequest(const ModifyInstanceAttributeRequest& request) {
  QueryWriter writer("ModifyInstanceAttribute");
  writer.Add("InstanceId", request.instance_id);
  writer.Add("InstanceInitiatedShutdownBehavior.Value",
             request.instance_initiated_shutdown_behavior);
  return writer.Take();
}

}  // namespace gpubox::aws
