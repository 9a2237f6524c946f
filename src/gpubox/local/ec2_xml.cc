#include "gpubox/local/ec2_xml.h"

#include "gpubox/aws/query_protocol.h"

namespace gpubox::local {
namespace {

void WriteIpPermissions(XmlWriter& xml, std::string_view element,
                        const std::vector<aws::IpPermission>& permissions) {
  xml.Open(element);
  for (const aws::IpPermission& permission : permissions) {
    xml.Open("item");
    xml.Text("ipProtocol", permission.ip_protocol);
    if (permission.from_port) xml.Int("fromPort", *permission.from_port);
    if (permission.to_port) xml.Int("toPort", *permission.to_port);
    xml.Open("groups");
    for (const aws::UserIdGroupPair& pair : permission.user_id_group_pairs) {
      xml.Open("item");
      if (pair.user_id) xml.Text("userId", *pair.user_id);
      if (pair.group_id) xml.Text("groupId", *pair.group_id);
      if (pair.group_name) xml.Text("groupName", *pair.group_name);
      if (pair.description) xml.Text("description", *pair.description);
      xml.Close();
    }
    xml.Close();
    xml.Open("ipRanges");
    for (const aws::IpRange& range : permission.ip_ranges) {
      xml.Open("item");
      xml.Text("cidrIp", range.cidr_ip);
      if (range.description) xml.Text("description", *range.description);
      xml.Close();
    }
    xml.Close();
    xml.Open("ipv6Ranges");
    for (const aws::Ipv6Range& range : permission.ipv6_ranges) {
      xml.Open("item");
      xml.Text("cidrIpv6", range.cidr_ipv6);
      if (range.description) xml.Text("description", *range.description);
      xml.Close();
    }
    xml.Close();
    xml.Open("prefixListIds");
    xml.Close();
    xml.Close();
  }
  xml.Close();
}

void WriteGroupSet(XmlWriter& xml, const std::vector<aws::GroupIdentifier>& groups) {
  xml.Open("groupSet");
  for (const aws::GroupIdentifier& group : groups) {
    xml.Open("item");
    xml.Text("groupId", group.group_id);
    xml.Text("groupName", group.group_name);
    xml.Close();
  }
  xml.Close();
}

}  // namespace

XmlWriter StartResponse(std::string_view action, std::string_view request_id) {
  XmlWriter xml(std::string(action) + "Response", aws::kEc2XmlNamespace);
  xml.Text("requestId", request_id);
  return xml;
}

Ec2Reply ReturnTrue(std::string_view action, const Ec2Request& request, std::string_view extra_name,
                    std::string_view extra_value) {
  XmlWriter xml = StartResponse(action, request.request_id);
  xml.Bool("return", true);
  if (!extra_name.empty()) xml.Text(extra_name, extra_value);
  return {200, xml.Finish()};
}

void WriteTags(XmlWriter& xml, const std::vector<aws::Tag>& tags) {
  if (tags.empty()) return;
  xml.Open("tagSet");
  for (const aws::Tag& tag : tags) {
    xml.Open("item");
    xml.Text("key", tag.key);
    xml.Text("value", tag.value);
    xml.Close();
  }
  xml.Close();
}

void WriteState(XmlWriter& xml, std::string_view element, const aws::InstanceState& state) {
  xml.Open(element);
  xml.Int("code", state.code);
  xml.Text("name", state.name);
  xml.Close();
}

void WriteInstance(XmlWriter& xml, const aws::Instance& instance) {
  xml.Text("instanceId", instance.instance_id);
  xml.Text("imageId", instance.image_id);
  WriteState(xml, "instanceState", instance.state);
  xml.Text("privateDnsName", instance.private_dns_name);
  xml.Text("dnsName", instance.public_dns_name);
  xml.Text("reason", instance.state_transition_reason);
  xml.TextIfSet("keyName", instance.key_name);
  xml.Int("amiLaunchIndex", instance.ami_launch_index);
  xml.Open("productCodes");
  xml.Close();
  xml.Text("instanceType", instance.instance_type);
  xml.Text("launchTime", instance.launch_time);
  xml.Open("placement");
  if (instance.placement.availability_zone) {
    xml.Text("availabilityZone", *instance.placement.availability_zone);
  }
  xml.Text("groupName", instance.placement.group_name.value_or(""));
  xml.Text("tenancy", instance.placement.tenancy.value_or("default"));
  xml.Close();
  xml.Open("monitoring");
  xml.Text("state", "disabled");
  xml.Close();
  xml.TextIfSet("subnetId", instance.subnet_id);
  xml.TextIfSet("vpcId", instance.vpc_id);
  xml.TextIfSet("privateIpAddress", instance.private_ip_address);
  xml.TextIfSet("ipAddress", instance.public_ip_address);
  xml.Bool("sourceDestCheck", true);
  WriteGroupSet(xml, instance.security_groups);
  if (!instance.state_reason.code.empty()) {
    xml.Open("stateReason");
    xml.Text("code", instance.state_reason.code);
    xml.Text("message", instance.state_reason.message);
    xml.Close();
  }
  xml.Text("architecture", instance.architecture);
  xml.Text("rootDeviceType", instance.root_device_type);
  xml.Text("rootDeviceName", instance.root_device_name);
  xml.Open("blockDeviceMapping");
  for (const aws::InstanceBlockDeviceMapping& mapping : instance.block_device_mappings) {
    xml.Open("item");
    xml.Text("deviceName", mapping.device_name);
    xml.Open("ebs");
    xml.Text("volumeId", mapping.volume_id);
    xml.Text("status", mapping.status);
    xml.Text("attachTime", mapping.attach_time);
    xml.Bool("deleteOnTermination", mapping.delete_on_termination);
    xml.Close();
    xml.Close();
  }
  xml.Close();
  xml.TextIfSet("instanceLifecycle", instance.instance_lifecycle);
  xml.TextIfSet("spotInstanceRequestId", instance.spot_instance_request_id);
  xml.TextIfSet("clientToken", instance.client_token);
  xml.Text("virtualizationType", "hvm");
  xml.Text("hypervisor", "xen");
  WriteTags(xml, instance.tags);
  xml.Bool("ebsOptimized", true);
  xml.Bool("enaSupport", true);
  xml.Open("metadataOptions");
  xml.Text("state", instance.metadata_options.state);
  xml.Text("httpTokens", instance.metadata_options.http_tokens);
  xml.Int("httpPutResponseHopLimit",
          instance.metadata_options.http_put_response_hop_limit.value_or(2));
  xml.Text("httpEndpoint", instance.metadata_options.http_endpoint);
  xml.Close();
}

void WriteReservationBody(XmlWriter& xml, const aws::Reservation& reservation) {
  xml.Text("reservationId", reservation.reservation_id);
  xml.Text("ownerId", reservation.owner_id);
  xml.TextIfSet("requesterId", reservation.requester_id);
  WriteGroupSet(xml, reservation.groups);
  xml.Open("instancesSet");
  for (const aws::Instance& instance : reservation.instances) {
    xml.Open("item");
    WriteInstance(xml, instance);
    xml.Close();
  }
  xml.Close();
}

void WriteImage(XmlWriter& xml, const aws::Image& image) {
  xml.Text("imageId", image.image_id);
  xml.Text("imageLocation",
           (image.image_owner_alias.empty() ? image.owner_id : image.image_owner_alias) + "/" +
               image.name);
  xml.Text("imageState", image.state);
  xml.Text("imageOwnerId", image.owner_id);
  xml.Text("creationDate", image.creation_date);
  xml.Bool("isPublic", image.is_public);
  xml.Text("architecture", image.architecture);
  xml.Text("imageType", "machine");
  xml.Text("name", image.name);
  xml.TextIfSet("description", image.description);
  xml.TextIfSet("imageOwnerAlias", image.image_owner_alias);
  xml.Text("rootDeviceType", image.root_device_type);
  xml.Text("rootDeviceName", image.root_device_name);
  xml.Open("blockDeviceMapping");
  for (const aws::BlockDeviceMapping& mapping : image.block_device_mappings) {
    xml.Open("item");
    xml.Text("deviceName", mapping.device_name);
    if (mapping.ebs) {
      const aws::EbsBlockDevice& ebs = *mapping.ebs;
      xml.Open("ebs");
      if (ebs.snapshot_id) xml.Text("snapshotId", *ebs.snapshot_id);
      if (ebs.volume_size) xml.Int("volumeSize", *ebs.volume_size);
      xml.Bool("deleteOnTermination", ebs.delete_on_termination.value_or(true));
      xml.Text("volumeType", ebs.volume_type.value_or("gp3"));
      xml.Bool("encrypted", ebs.encrypted.value_or(false));
      xml.Close();
    }
    xml.Close();
  }
  xml.Close();
  xml.Text("virtualizationType", image.virtualization_type);
  xml.Text("hypervisor", "xen");
  xml.Text("platformDetails", image.platform_details);
  xml.Text("usageOperation", "RunInstances");
  xml.Bool("enaSupport", true);
  WriteTags(xml, image.tags);
}

void WriteKeyPair(XmlWriter& xml, const aws::KeyPair& key_pair) {
  xml.Text("keyPairId", key_pair.key_pair_id);
  xml.Text("keyName", key_pair.key_name);
  xml.Text("keyFingerprint", key_pair.key_fingerprint);
  xml.Text("keyType", key_pair.key_type);
  WriteTags(xml, key_pair.tags);
  xml.TextIfSet("publicKey", key_pair.public_key);
  xml.TextIfSet("createTime", key_pair.create_time);
}

void WritePlacementGroup(XmlWriter& xml, const aws::PlacementGroup& group) {
  xml.Text("groupName", group.group_name);
  xml.Text("state", group.state);
  xml.Text("strategy", group.strategy);
  if (group.partition_count) xml.Text("partitionCount", std::to_string(*group.partition_count));
  xml.Text("groupId", group.group_id);
  WriteTags(xml, group.tags);
}

void WriteSecurityGroup(XmlWriter& xml, const aws::SecurityGroup& group) {
  xml.Text("ownerId", group.owner_id);
  xml.Text("groupId", group.group_id);
  xml.Text("groupName", group.group_name);
  xml.Text("groupDescription", group.description);
  xml.TextIfSet("vpcId", group.vpc_id);
  WriteIpPermissions(xml, "ipPermissions", group.ip_permissions);
  WriteIpPermissions(xml, "ipPermissionsEgress", group.ip_permissions_egress);
  WriteTags(xml, group.tags);
}

void WriteInstanceTypeInfo(XmlWriter& xml, const aws::InstanceTypeInfo& info) {
  xml.Text("instanceType", info.instance_type);
  xml.Bool("currentGeneration", info.current_generation);
  xml.Bool("freeTierEligible", false);
  xml.Open("supportedUsageClasses");
  for (const std::string& usage : info.supported_usage_classes) xml.Text("item", usage);
  xml.Close();
  xml.Open("supportedRootDeviceTypes");
  xml.Text("item", "ebs");
  xml.Close();
  xml.Open("supportedVirtualizationTypes");
  xml.Text("item", "hvm");
  xml.Close();
  xml.Bool("bareMetal", info.instance_type.ends_with(".metal"));
  xml.Text("hypervisor", "nitro");
  xml.Open("processorInfo");
  xml.Open("supportedArchitectures");
  for (const std::string& arch : info.supported_architectures) xml.Text("item", arch);
  xml.Close();
  xml.Close();
  xml.Open("vCpuInfo");
  xml.Int("defaultVCpus", info.default_vcpus);
  xml.Int("defaultCores", std::max(1, info.default_vcpus / 2));
  xml.Int("defaultThreadsPerCore", info.default_vcpus > 1 ? 2 : 1);
  xml.Close();
  xml.Open("memoryInfo");
  xml.Int("sizeInMiB", info.memory_mib);
  xml.Close();
  xml.Bool("instanceStorageSupported", false);
  xml.Open("networkInfo");
  xml.Text("networkPerformance", info.network_performance);
  xml.Int("maximumNetworkInterfaces", 4);
  xml.Close();
  if (!info.gpus.empty()) {
    xml.Open("gpuInfo");
    xml.Open("gpus");
    for (const aws::GpuDeviceInfo& gpu : info.gpus) {
      xml.Open("item");
      xml.Text("name", gpu.name);
      xml.Text("manufacturer", gpu.manufacturer);
      xml.Int("count", gpu.count);
      xml.Open("memoryInfo");
      xml.Int("sizeInMiB", gpu.memory_mib);
      xml.Close();
      xml.Close();
    }
    xml.Close();
    xml.Int("totalGpuMemoryInMiB", info.total_gpu_memory_mib);
    xml.Close();
  }
}

void WriteSpotPrice(XmlWriter& xml, const aws::SpotPrice& price) {
  xml.Text("instanceType", price.instance_type);
  xml.Text("productDescription", price.product_description);
  xml.Text("spotPrice", price.spot_price);
  xml.Text("timestamp", price.timestamp);
  xml.Text("availabilityZone", price.availability_zone);
}

void WriteStateChange(XmlWriter& xml, const aws::InstanceStateChange& change) {
  xml.Text("instanceId", change.instance_id);
  WriteState(xml, "currentState", change.current_state);
  WriteState(xml, "previousState", change.previous_state);
}

void WriteInstanceStatus(XmlWriter& xml, const aws::InstanceStatus& status) {
  xml.Text("instanceId", status.instance_id);
  xml.Text("availabilityZone", status.availability_zone);
  WriteState(xml, "instanceState", status.instance_state);
  for (auto [element, value] :
       {std::pair<const char*, const std::string*>{"systemStatus", &status.system_status},
        {"instanceStatus", &status.instance_status}}) {
    xml.Open(element);
    xml.Text("status", *value);
    xml.Open("details");
    xml.Open("item");
    xml.Text("name", "reachability");
    xml.Text("status", *value == "ok"             ? "passed"
                       : *value == "initializing" ? "initializing"
                                                  : "not-applicable");
    xml.Close();
    xml.Close();
    xml.Close();
  }
}

void WriteVolume(XmlWriter& xml, const aws::Volume& volume) {
  xml.Text("volumeId", volume.volume_id);
  xml.Int("size", volume.size);
  xml.Text("snapshotId", volume.snapshot_id);
  xml.Text("availabilityZone", volume.availability_zone);
  xml.Text("status", volume.state);
  xml.Text("createTime", volume.create_time);
  xml.Open("attachmentSet");
  for (const aws::VolumeAttachment& attachment : volume.attachments) {
    xml.Open("item");
    xml.Text("volumeId", attachment.volume_id);
    xml.Text("instanceId", attachment.instance_id);
    xml.Text("device", attachment.device);
    xml.Text("status", attachment.state);
    xml.Text("attachTime", attachment.attach_time);
    xml.Bool("deleteOnTermination", attachment.delete_on_termination);
    xml.Close();
  }
  xml.Close();
  xml.Text("volumeType", volume.volume_type);
  if (volume.iops) xml.Int("iops", *volume.iops);
  xml.Bool("encrypted", volume.encrypted);
  WriteTags(xml, volume.tags);
  xml.Bool("multiAttachEnabled", false);
}

void WriteSnapshot(XmlWriter& xml, const aws::Snapshot& snapshot) {
  xml.Text("snapshotId", snapshot.snapshot_id);
  xml.Text("volumeId", snapshot.volume_id);
  xml.Text("status", snapshot.state);
  xml.Text("startTime", snapshot.start_time);
  xml.Text("progress", snapshot.progress);
  xml.Text("ownerId", snapshot.owner_id);
  xml.Int("volumeSize", snapshot.volume_size);
  xml.Text("description", snapshot.description);
  xml.Bool("encrypted", snapshot.encrypted);
  xml.Text("storageTier", snapshot.storage_tier);
  WriteTags(xml, snapshot.tags);
}

}  // namespace gpubox::local
