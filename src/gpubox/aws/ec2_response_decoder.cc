#include "gpubox/aws/ec2_response_decoder.h"

#include <functional>

#include "gpubox/aws/query_protocol.h"

namespace gpubox::aws {
namespace {

using pugi::xml_node;

/// Parses the document and hands its root element to `fill`.
template <typename Response>
Result<Response> Decode(std::string_view xml, const char* what,
                        const std::function<void(const xml_node&, Response&)>& fill) {
  pugi::xml_document document;
  GPUBOX_TRY_VOID(ParseXml(xml, document, what));
  xml_node root = document.document_element();
  if (!root) return Fail(ErrorCode::kCloud, std::string("empty ") + what + " response");
  Response response;
  response.request_id = ChildText(root, "requestId");
  fill(root, response);
  return response;
}

template <typename T>
std::vector<T> Items(const xml_node& node, const char* list_name, T (*read)(const xml_node&)) {
  std::vector<T> out;
  for (const xml_node& item : ChildItems(node, list_name)) out.push_back(read(item));
  return out;
}

std::optional<std::string> OptionalText(const xml_node& node, const char* name) {
  xml_node child = node.child(name);
  if (!child) return std::nullopt;
  return std::string(child.text().as_string());
}

std::optional<int> OptionalInt(const xml_node& node, const char* name) {
  if (!node.child(name)) return std::nullopt;
  return static_cast<int>(ChildInt(node, name));
}

std::optional<bool> OptionalBool(const xml_node& node, const char* name) {
  if (!node.child(name)) return std::nullopt;
  return ChildBool(node, name);
}

std::vector<std::string> StringItems(const xml_node& node, const char* list_name) {
  std::vector<std::string> out;
  for (const xml_node& item : ChildItems(node, list_name))
    out.emplace_back(item.text().as_string());
  return out;
}

Tag ReadTag(const xml_node& node) { return {ChildText(node, "key"), ChildText(node, "value")}; }

InstanceState ReadState(const xml_node& node) {
  return {static_cast<int>(ChildInt(node, "code")), ChildText(node, "name")};
}

GroupIdentifier ReadGroup(const xml_node& node) {
  return {ChildText(node, "groupId"), ChildText(node, "groupName")};
}

Region ReadRegion(const xml_node& node) {
  return {ChildText(node, "regionName"), ChildText(node, "regionEndpoint"),
          ChildText(node, "optInStatus")};
}

AvailabilityZone ReadZone(const xml_node& node) {
  return {ChildText(node, "zoneName"),   ChildText(node, "zoneId"),
          ChildText(node, "regionName"), ChildText(node, "zoneState"),
          ChildText(node, "zoneType"),   ChildText(node, "optInStatus")};
}

GpuDeviceInfo ReadGpu(const xml_node& node) {
  return {ChildText(node, "name"), ChildText(node, "manufacturer"),
          static_cast<int>(ChildInt(node, "count")),
          static_cast<int>(ChildInt(node.child("memoryInfo"), "sizeInMiB"))};
}

InstanceTypeInfo ReadInstanceType(const xml_node& node) {
  InstanceTypeInfo info;
  info.instance_type = ChildText(node, "instanceType");
  info.current_generation = ChildBool(node, "currentGeneration");
  info.supported_usage_classes = StringItems(node, "supportedUsageClasses");
  info.supported_architectures = StringItems(node.child("processorInfo"), "supportedArchitectures");
  info.default_vcpus = static_cast<int>(ChildInt(node.child("vCpuInfo"), "defaultVCpus"));
  info.memory_mib = ChildInt(node.child("memoryInfo"), "sizeInMiB");
  xml_node gpu_info = node.child("gpuInfo");
  info.gpus = Items(gpu_info, "gpus", ReadGpu);
  info.total_gpu_memory_mib = ChildInt(gpu_info, "totalGpuMemoryInMiB");
  info.network_performance = ChildText(node.child("networkInfo"), "networkPerformance");
  return info;
}

BlockDeviceMapping ReadBlockDevice(const xml_node& node) {
  BlockDeviceMapping mapping;
  mapping.device_name = ChildText(node, "deviceName");
  mapping.virtual_name = OptionalText(node, "virtualName");
  mapping.no_device = OptionalText(node, "noDevice");
  if (xml_node ebs = node.child("ebs")) {
    mapping.ebs = EbsBlockDevice{OptionalBool(ebs, "deleteOnTermination"),
                                 OptionalInt(ebs, "iops"),
                                 OptionalText(ebs, "snapshotId"),
                                 OptionalInt(ebs, "volumeSize"),
                                 OptionalText(ebs, "volumeType"),
                                 OptionalInt(ebs, "throughput"),
                                 OptionalBool(ebs, "encrypted")};
  }
  return mapping;
}

Image ReadImage(const xml_node& node) {
  Image image;
  image.image_id = ChildText(node, "imageId");
  image.name = ChildText(node, "name");
  image.description = ChildText(node, "description");
  image.state = ChildText(node, "imageState");
  image.owner_id = ChildText(node, "imageOwnerId");
  image.image_owner_alias = ChildText(node, "imageOwnerAlias");
  image.architecture = ChildText(node, "architecture");
  image.creation_date = ChildText(node, "creationDate");
  image.root_device_name = ChildText(node, "rootDeviceName");
  image.root_device_type = ChildText(node, "rootDeviceType");
  image.virtualization_type = ChildText(node, "virtualizationType");
  image.platform_details = ChildText(node, "platformDetails");
  image.is_public = ChildBool(node, "isPublic");
  image.block_device_mappings = Items(node, "blockDeviceMapping", ReadBlockDevice);
  image.tags = Items(node, "tagSet", ReadTag);
  return image;
}

SpotPrice ReadSpotPrice(const xml_node& node) {
  return {ChildText(node, "availabilityZone"), ChildText(node, "instanceType"),
          ChildText(node, "productDescription"), ChildText(node, "spotPrice"),
          ChildText(node, "timestamp")};
}

KeyPair ReadKeyPair(const xml_node& node) {
  KeyPair key;
  key.key_pair_id = ChildText(node, "keyPairId");
  key.key_name = ChildText(node, "keyName");
  key.key_fingerprint = ChildText(node, "keyFingerprint");
  key.key_type = ChildText(node, "keyType");
  key.public_key = ChildText(node, "publicKey");
  key.create_time = ChildText(node, "createTime");
  key.key_material = ChildText(node, "keyMaterial");
  key.tags = Items(node, "tagSet", ReadTag);
  return key;
}

PlacementGroup ReadPlacementGroup(const xml_node& node) {
  PlacementGroup group;
  group.group_name = ChildText(node, "groupName");
  group.group_id = ChildText(node, "groupId");
  group.strategy = ChildText(node, "strategy");
  group.state = ChildText(node, "state");
  group.partition_count = OptionalInt(node, "partitionCount");
  group.tags = Items(node, "tagSet", ReadTag);
  return group;
}

IpRange ReadIpRange(const xml_node& node) {
  return {ChildText(node, "cidrIp"), OptionalText(node, "description")};
}

Ipv6Range ReadIpv6Range(const xml_node& node) {
  return {ChildText(node, "cidrIpv6"), OptionalText(node, "description")};
}

UserIdGroupPair ReadGroupPair(const xml_node& node) {
  return {OptionalText(node, "description"), OptionalText(node, "groupId"),
          OptionalText(node, "groupName"), OptionalText(node, "userId")};
}

IpPermission ReadPermission(const xml_node& node) {
  return {OptionalInt(node, "fromPort"),        ChildText(node, "ipProtocol"),
          Items(node, "ipRanges", ReadIpRange), Items(node, "ipv6Ranges", ReadIpv6Range),
          OptionalInt(node, "toPort"),          Items(node, "groups", ReadGroupPair)};
}

SecurityGroup ReadSecurityGroup(const xml_node& node) {
  return {ChildText(node, "groupId"),
          ChildText(node, "groupName"),
          ChildText(node, "groupDescription"),
          ChildText(node, "ownerId"),
          ChildText(node, "vpcId"),
          Items(node, "ipPermissions", ReadPermission),
          Items(node, "ipPermissionsEgress", ReadPermission),
          Items(node, "tagSet", ReadTag)};
}

InstanceBlockDeviceMapping ReadInstanceBlockDevice(const xml_node& node) {
  xml_node ebs = node.child("ebs");
  return {ChildText(node, "deviceName"), ChildText(ebs, "volumeId"), ChildText(ebs, "status"),
          ChildText(ebs, "attachTime"), ChildBool(ebs, "deleteOnTermination", true)};
}

Instance ReadInstance(const xml_node& node) {
  Instance instance;
  instance.instance_id = ChildText(node, "instanceId");
  instance.image_id = ChildText(node, "imageId");
  instance.state = ReadState(node.child("instanceState"));
  instance.private_dns_name = ChildText(node, "privateDnsName");
  instance.public_dns_name = ChildText(node, "dnsName");
  instance.state_transition_reason = ChildText(node, "reason");
  instance.key_name = ChildText(node, "keyName");
  instance.ami_launch_index = static_cast<int>(ChildInt(node, "amiLaunchIndex"));
  instance.instance_type = ChildText(node, "instanceType");
  instance.launch_time = ChildText(node, "launchTime");
  xml_node placement = node.child("placement");
  instance.placement =
      Placement{OptionalText(placement, "availabilityZone"), OptionalText(placement, "groupName"),
                OptionalText(placement, "tenancy")};
  instance.subnet_id = ChildText(node, "subnetId");
  instance.vpc_id = ChildText(node, "vpcId");
  instance.private_ip_address = ChildText(node, "privateIpAddress");
  instance.public_ip_address = ChildText(node, "ipAddress");
  instance.architecture = ChildText(node, "architecture");
  instance.root_device_name = ChildText(node, "rootDeviceName");
  instance.root_device_type = ChildText(node, "rootDeviceType");
  instance.block_device_mappings = Items(node, "blockDeviceMapping", ReadInstanceBlockDevice);
  instance.instance_lifecycle = ChildText(node, "instanceLifecycle");
  instance.spot_instance_request_id = ChildText(node, "spotInstanceRequestId");
  instance.client_token = ChildText(node, "clientToken");
  instance.security_groups = Items(node, "groupSet", ReadGroup);
  xml_node reason = node.child("stateReason");
  instance.state_reason = {ChildText(reason, "code"), ChildText(reason, "message")};
  instance.tags = Items(node, "tagSet", ReadTag);
  xml_node metadata = node.child("metadataOptions");
  instance.metadata_options = {ChildText(metadata, "state"), ChildText(metadata, "httpTokens"),
                               OptionalInt(metadata, "httpPutResponseHopLimit"),
                               ChildText(metadata, "httpEndpoint")};
  return instance;
}

Reservation ReadReservation(const xml_node& node) {
  return {ChildText(node, "reservationId"), ChildText(node, "ownerId"),
          ChildText(node, "requesterId"), Items(node, "groupSet", ReadGroup),
          Items(node, "instancesSet", ReadInstance)};
}

InstanceStatus ReadInstanceStatus(const xml_node& node) {
  return {ChildText(node, "instanceId"), ChildText(node, "availabilityZone"),
          ReadState(node.child("instanceState")), ChildText(node.child("systemStatus"), "status"),
          ChildText(node.child("instanceStatus"), "status")};
}

InstanceStateChange ReadStateChange(const xml_node& node) {
  return {ChildText(node, "instanceId"), ReadState(node.child("currentState")),
          ReadState(node.child("previousState"))};
}

}  // namespace

Result<DescribeRegionsResponse> DecodeDescribeRegions(std::string_view xml) {
  return Decode<DescribeRegionsResponse>(
      xml, "DescribeRegions",
      [](const xml_node& root, auto& out) { out.regions = Items(root, "regionInfo", ReadRegion); });
}

Result<DescribeAvailabilityZonesResponse> DecodeDescribeAvailabilityZones(std::string_view xml) {
  return Decode<DescribeAvailabilityZonesResponse>(
      xml, "DescribeAvailabilityZones", [](const xml_node& root, auto& out) {
        out.availability_zones = Items(root, "availabilityZoneInfo", ReadZone);
      });
}

Result<DescribeInstanceTypesResponse> DecodeDescribeInstanceTypes(std::string_view xml) {
  return Decode<DescribeInstanceTypesResponse>(
      xml, "DescribeInstanceTypes", [](const xml_node& root, auto& out) {
        out.instance_types = Items(root, "instanceTypeSet", ReadInstanceType);
        out.next_token = ChildText(root, "nextToken");
      });
}

Result<DescribeImagesResponse> DecodeDescribeImages(std::string_view xml) {
  return Decode<DescribeImagesResponse>(xml, "DescribeImages", [](const xml_node& root, auto& out) {
    out.images = Items(root, "imagesSet", ReadImage);
  });
}

Result<DescribeSpotPriceHistoryResponse> DecodeDescribeSpotPriceHistory(std::string_view xml) {
  return Decode<DescribeSpotPriceHistoryResponse>(
      xml, "DescribeSpotPriceHistory", [](const xml_node& root, auto& out) {
        out.spot_price_history = Items(root, "spotPriceHistorySet", ReadSpotPrice);
        out.next_token = ChildText(root, "nextToken");
      });
}

namespace {

SpotInstanceRequest ReadSpotInstanceRequest(const xml_node& node) {
  SpotInstanceRequest request;
  request.spot_instance_request_id = ChildText(node, "spotInstanceRequestId");
  request.spot_price = ChildText(node, "spotPrice");
  request.type = ChildText(node, "type");
  request.state = ChildText(node, "state");
  xml_node status = node.child("status");
  request.status = {ChildText(status, "code"), ChildText(status, "message"),
                    ChildText(status, "updateTime")};
  request.instance_id = ChildText(node, "instanceId");
  request.create_time = ChildText(node, "createTime");
  xml_node launch = node.child("launchSpecification");
  request.launch_specification = {ChildText(launch, "imageId"), ChildText(launch, "instanceType"),
                                  ChildText(launch, "keyName"),
                                  ChildText(launch.child("placement"), "availabilityZone")};
  request.launched_availability_zone = ChildText(node, "launchedAvailabilityZone");
  request.product_description = ChildText(node, "productDescription");
  request.instance_interruption_behavior = ChildText(node, "instanceInterruptionBehavior");
  request.tags = Items(node, "tagSet", ReadTag);
  return request;
}

CancelledSpotInstanceRequest ReadCancelledSpotRequest(const xml_node& node) {
  return {ChildText(node, "spotInstanceRequestId"), ChildText(node, "state")};
}

}  // namespace

Result<DescribeSpotInstanceRequestsResponse> DecodeDescribeSpotInstanceRequests(
    std::string_view xml) {
  return Decode<DescribeSpotInstanceRequestsResponse>(
      xml, "DescribeSpotInstanceRequests", [](const xml_node& root, auto& out) {
        out.spot_instance_requests = Items(root, "spotInstanceRequestSet", ReadSpotInstanceRequest);
        out.next_token = ChildText(root, "nextToken");
      });
}

Result<CancelSpotInstanceRequestsResponse> DecodeCancelSpotInstanceRequests(std::string_view xml) {
  return Decode<CancelSpotInstanceRequestsResponse>(
      xml, "CancelSpotInstanceRequests", [](const xml_node& root, auto& out) {
        out.cancelled_spot_instance_requests =
            Items(root, "spotInstanceRequestSet", ReadCancelledSpotRequest);
      });
}

namespace {

VolumeAttachment ReadVolumeAttachment(const xml_node& node) {
  return {ChildText(node, "volumeId"),   ChildText(node, "instanceId"),
          ChildText(node, "device"),     ChildText(node, "status"),
          ChildText(node, "attachTime"), ChildBool(node, "deleteOnTermination")};
}

Volume ReadVolume(const xml_node& node) {
  Volume volume;
  volume.volume_id = ChildText(node, "volumeId");
  volume.size = static_cast<int>(ChildInt(node, "size"));
  volume.snapshot_id = ChildText(node, "snapshotId");
  volume.availability_zone = ChildText(node, "availabilityZone");
  volume.state = ChildText(node, "status");
  volume.create_time = ChildText(node, "createTime");
  volume.attachments = Items(node, "attachmentSet", ReadVolumeAttachment);
  volume.volume_type = ChildText(node, "volumeType");
  volume.iops = OptionalInt(node, "iops");
  volume.encrypted = ChildBool(node, "encrypted");
  volume.tags = Items(node, "tagSet", ReadTag);
  return volume;
}

Snapshot ReadSnapshot(const xml_node& node) {
  Snapshot snapshot;
  snapshot.snapshot_id = ChildText(node, "snapshotId");
  snapshot.volume_id = ChildText(node, "volumeId");
  snapshot.state = ChildText(node, "status");
  snapshot.start_time = ChildText(node, "startTime");
  snapshot.progress = ChildText(node, "progress");
  snapshot.owner_id = ChildText(node, "ownerId");
  snapshot.description = ChildText(node, "description");
  snapshot.volume_size = static_cast<int>(ChildInt(node, "volumeSize"));
  snapshot.encrypted = ChildBool(node, "encrypted");
  snapshot.storage_tier = ChildText(node, "storageTier");
  snapshot.tags = Items(node, "tagSet", ReadTag);
  return snapshot;
}

}  // namespace

Result<DescribeVolumesResponse> DecodeDescribeVolumes(std::string_view xml) {
  return Decode<DescribeVolumesResponse>(xml, "DescribeVolumes",
                                         [](const xml_node& root, auto& out) {
                                           out.volumes = Items(root, "volumeSet", ReadVolume);
                                           out.next_token = ChildText(root, "nextToken");
                                         });
}

Result<DescribeSnapshotsResponse> DecodeDescribeSnapshots(std::string_view xml) {
  return Decode<DescribeSnapshotsResponse>(
      xml, "DescribeSnapshots", [](const xml_node& root, auto& out) {
        out.snapshots = Items(root, "snapshotSet", ReadSnapshot);
        out.next_token = ChildText(root, "nextToken");
      });
}

Result<KeyPairResponse> DecodeKeyPair(std::string_view xml) {
  return Decode<KeyPairResponse>(
      xml, "key pair", [](const xml_node& root, auto& out) { out.key_pair = ReadKeyPair(root); });
}

Result<DescribeKeyPairsResponse> DecodeDescribeKeyPairs(std::string_view xml) {
  return Decode<DescribeKeyPairsResponse>(
      xml, "DescribeKeyPairs",
      [](const xml_node& root, auto& out) { out.key_pairs = Items(root, "keySet", ReadKeyPair); });
}

Result<CreatePlacementGroupResponse> DecodeCreatePlacementGroup(std::string_view xml) {
  return Decode<CreatePlacementGroupResponse>(
      xml, "CreatePlacementGroup", [](const xml_node& root, auto& out) {
        out.placement_group = ReadPlacementGroup(root.child("placementGroup"));
      });
}

Result<DescribePlacementGroupsResponse> DecodeDescribePlacementGroups(std::string_view xml) {
  return Decode<DescribePlacementGroupsResponse>(
      xml, "DescribePlacementGroups", [](const xml_node& root, auto& out) {
        out.placement_groups = Items(root, "placementGroupSet", ReadPlacementGroup);
      });
}

Result<CreateSecurityGroupResponse> DecodeCreateSecurityGroup(std::string_view xml) {
  return Decode<CreateSecurityGroupResponse>(
      xml, "CreateSecurityGroup",
      [](const xml_node& root, auto& out) { out.group_id = ChildText(root, "groupId"); });
}

Result<DescribeSecurityGroupsResponse> DecodeDescribeSecurityGroups(std::string_view xml) {
  return Decode<DescribeSecurityGroupsResponse>(
      xml, "DescribeSecurityGroups", [](const xml_node& root, auto& out) {
        out.security_groups = Items(root, "securityGroupInfo", ReadSecurityGroup);
        out.next_token = ChildText(root, "nextToken");
      });
}

Result<RunInstancesResponse> DecodeRunInstances(std::string_view xml) {
  return Decode<RunInstancesResponse>(xml, "RunInstances", [](const xml_node& root, auto& out) {
    out.reservation = ReadReservation(root);
  });
}

Result<DescribeInstancesResponse> DecodeDescribeInstances(std::string_view xml) {
  return Decode<DescribeInstancesResponse>(
      xml, "DescribeInstances", [](const xml_node& root, auto& out) {
        out.reservations = Items(root, "reservationSet", ReadReservation);
        out.next_token = ChildText(root, "nextToken");
      });
}

Result<DescribeInstanceStatusResponse> DecodeDescribeInstanceStatus(std::string_view xml) {
  return Decode<DescribeInstanceStatusResponse>(
      xml, "DescribeInstanceStatus", [](const xml_node& root, auto& out) {
        out.instance_statuses = Items(root, "instanceStatusSet", ReadInstanceStatus);
        out.next_token = ChildText(root, "nextToken");
      });
}

Result<InstanceStateChangeResponse> DecodeInstanceStateChanges(std::string_view xml) {
  return Decode<InstanceStateChangeResponse>(
      xml, "instance state change", [](const xml_node& root, auto& out) {
        out.instances = Items(root, "instancesSet", ReadStateChange);
      });
}

Result<CreateImageResponse> DecodeCreateImage(std::string_view xml) {
  return Decode<CreateImageResponse>(xml, "CreateImage", [](const xml_node& root, auto& out) {
    out.image_id = ChildText(root, "imageId");
  });
}

Result<DescribeInstanceAttributeResponse> DecodeDescribeInstanceAttribute(std::string_view xml) {
  return Decode<DescribeInstanceAttributeResponse>(
      xml, "DescribeInstanceAttribute", [](const xml_node& root, auto& out) {
        out.instance_id = ChildText(root, "instanceId");
        for (const xml_node& child : root.children()) {
          std::string_view name = child.name();
          if (child.type() != pugi::node_element || name == "requestId" || name == "instanceId")
            continue;
          out.attribute = name;
          out.value = ChildText(child, "value");
          break;
        }
      });
}

Result<ReturnResponse> DecodeReturn(std::string_view xml) {
  return Decode<ReturnResponse>(xml, "EC2", [](const xml_node& root, auto& out) {
    out.value = ChildBool(root, "return", true);
  });
}

}  // namespace gpubox::aws
