#pragma once
/// The EC2 model types (API version 2016-11-15), defined once for both
/// directions: the client encodes requests and decodes responses with them,
/// the local cloud decodes requests and encodes responses with them.
///
/// Plain structs; field names are the API's member names in snake_case
/// (InstanceId -> instance_id). Request fields that the API treats as optional
/// are std::optional (or an empty vector): unset means "not sent". Members of
/// request structs are declared in the order of the botocore model, which is
/// the order the encoder writes them. Timestamps are ISO 8601 text as on the
/// wire ("2024-01-01T00:00:00.000Z").

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpubox::aws {

// ---------------------------------------------------------------- shared

struct Tag {
  std::string key;
  std::string value;
};

/// A Describe* filter: Filter.N.Name / Filter.N.Value.M.
struct Filter {
  std::string name;
  std::vector<std::string> values;
};

/// TagSpecification.N.ResourceType ("instance", "volume", "key-pair", ...).
struct TagSpecification {
  std::string resource_type;
  std::vector<Tag> tags;
};

struct EbsBlockDevice {
  std::optional<bool> delete_on_termination;
  std::optional<int> iops;
  std::optional<std::string> snapshot_id;
  std::optional<int> volume_size;  ///< GiB
  std::optional<std::string> volume_type;
  std::optional<int> throughput;
  std::optional<bool> encrypted;
};

/// Request-side (RunInstances, CreateImage) and image-side block device.
struct BlockDeviceMapping {
  std::string device_name;
  std::optional<std::string> virtual_name;
  std::optional<EbsBlockDevice> ebs;
  std::optional<std::string> no_device;
};

// ---------------------------------------------------------------- regions

struct Region {
  std::string region_name;
  std::string endpoint;       ///< "ec2.us-east-1.amazonaws.com"
  std::string opt_in_status;  ///< "opt-in-not-required", "opted-in", "not-opted-in"
};

struct AvailabilityZone {
  std::string zone_name;  ///< "us-east-1a"
  std::string zone_id;    ///< "use1-az1"
  std::string region_name;
  std::string state;      ///< "available"
  std::string zone_type;  ///< "availability-zone"
  std::string opt_in_status;
};

// ---------------------------------------------------------------- instance types

struct GpuDeviceInfo {
  std::string name;          ///< "A10G"
  std::string manufacturer;  ///< "NVIDIA"
  int count = 0;
  int memory_mib = 0;  ///< per GPU (MemoryInfo.SizeInMiB)
};

struct InstanceTypeInfo {
  std::string instance_type;
  bool current_generation = true;
  std::vector<std::string> supported_usage_classes;  ///< "on-demand", "spot"
  std::vector<std::string> supported_architectures;  ///< ProcessorInfo
  int default_vcpus = 0;                             ///< VCpuInfo.DefaultVCpus
  int64_t memory_mib = 0;                            ///< MemoryInfo.SizeInMiB
  std::vector<GpuDeviceInfo> gpus;                   ///< GpuInfo.Gpus
  int64_t total_gpu_memory_mib = 0;                  ///< GpuInfo.TotalGpuMemoryInMiB
  std::string network_performance;                   ///< NetworkInfo.NetworkPerformance
};

// ---------------------------------------------------------------- images

struct Image {
  std::string image_id;
  std::string name;
  std::string description;
  std::string state;  ///< "pending", "available", "failed", ...
  std::string owner_id;
  std::string image_owner_alias;
  std::string architecture;  ///< "x86_64", "arm64"
  std::string creation_date;
  std::string root_device_name;
  std::string root_device_type;     ///< "ebs"
  std::string virtualization_type;  ///< "hvm"
  std::string platform_details;     ///< "Linux/UNIX"
  bool is_public = false;
  std::vector<BlockDeviceMapping> block_device_mappings;
  std::vector<Tag> tags;
};

// ---------------------------------------------------------------- spot

struct SpotPrice {
  std::string availability_zone;
  std::string instance_type;
  std::string product_description;  ///< "Linux/UNIX"
  std::string spot_price;           ///< decimal text, $/h ("0.3012")
  std::string timestamp;
};

/// A spot request's status: EC2's codes ("fulfilled", "marked-for-stop",
/// "instance-stopped-no-capacity", "request-canceled-and-instance-running", ...).
struct SpotInstanceStatus {
  std::string code;
  std::string message;
  std::string update_time;
};

/// The launch specification a spot request keeps (the members gpubox reads).
struct SpotLaunchSpecification {
  std::string image_id;
  std::string instance_type;
  std::string key_name;
  std::string availability_zone;  ///< <placement><availabilityZone>
};

/// A placement group (DescribePlacementGroups): where a cluster's instances go together
/// (strategy "cluster": one zone, close on the network), or apart ("spread", "partition").
struct PlacementGroup {
  std::string group_name;
  std::string group_id;  ///< pg- and 17 hex digits
  std::string strategy;  ///< cluster, spread, partition
  std::string state;     ///< pending, available, deleting, deleted
  std::optional<int> partition_count;
  std::vector<Tag> tags;
};

/// One spot instance request (DescribeSpotInstanceRequests). RunInstances with
/// InstanceMarketOptions makes one per instance.
struct SpotInstanceRequest {
  std::string spot_instance_request_id;  ///< "sir-..."
  std::string spot_price;                ///< the maximum price, $/h as text
  std::string type;                      ///< "one-time", "persistent"
  /// "open", "active", "disabled", "cancelled", "closed", "failed".
  std::string state;
  SpotInstanceStatus status;
  std::string instance_id;  ///< the instance fulfilling it; empty while open
  std::string create_time;
  SpotLaunchSpecification launch_specification;
  std::string launched_availability_zone;
  std::string product_description;             ///< "Linux/UNIX"
  std::string instance_interruption_behavior;  ///< "terminate", "stop", "hibernate"
  std::vector<Tag> tags;
};

// ---------------------------------------------------------------- key pairs

struct KeyPair {
  std::string key_pair_id;
  std::string key_name;
  std::string key_fingerprint;
  std::string key_type;    ///< "rsa", "ed25519"
  std::string public_key;  ///< DescribeKeyPairs with IncludePublicKey
  std::string create_time;
  std::string key_material;  ///< CreateKeyPair only: the private key
  std::vector<Tag> tags;
};

// ---------------------------------------------------------------- security groups

struct IpRange {
  std::string cidr_ip;
  std::optional<std::string> description;
};

struct Ipv6Range {
  std::string cidr_ipv6;
  std::optional<std::string> description;
};

struct UserIdGroupPair {
  std::optional<std::string> description;
  std::optional<std::string> group_id;
  std::optional<std::string> group_name;
  std::optional<std::string> user_id;
};

struct IpPermission {
  std::optional<int> from_port;
  std::string ip_protocol;  ///< "tcp", "udp", "icmp", "-1"
  std::vector<IpRange> ip_ranges;
  std::vector<Ipv6Range> ipv6_ranges;
  std::optional<int> to_port;
  std::vector<UserIdGroupPair> user_id_group_pairs;  ///< wire name "Groups"
};

struct SecurityGroup {
  std::string group_id;
  std::string group_name;
  std::string description;
  std::string owner_id;
  std::string vpc_id;
  std::vector<IpPermission> ip_permissions;
  std::vector<IpPermission> ip_permissions_egress;
  std::vector<Tag> tags;
};

// ---------------------------------------------------------------- volumes and snapshots

/// A volume's attachment (DescribeVolumes' attachmentSet).
struct VolumeAttachment {
  std::string volume_id;
  std::string instance_id;
  std::string device;
  std::string state;  ///< wire name "status": "attaching", "attached", ...
  std::string attach_time;
  bool delete_on_termination = false;
};

/// An EBS volume (DescribeVolumes).
struct Volume {
  std::string volume_id;
  int size = 0;  ///< GiB
  std::string snapshot_id;
  std::string availability_zone;
  std::string state;  ///< wire name "status": "creating", "available", "in-use", ...
  std::string create_time;
  std::vector<VolumeAttachment> attachments;
  std::string volume_type;  ///< "gp3"
  std::optional<int> iops;
  bool encrypted = false;
  std::vector<Tag> tags;
};

/// An EBS snapshot (DescribeSnapshots). CreateImage makes one per EBS volume of the
/// instance; deregistering the image leaves it (and its bill) until DeleteSnapshot.
struct Snapshot {
  std::string snapshot_id;
  std::string volume_id;
  std::string state;  ///< wire name "status": "pending", "completed", "error", ...
  std::string start_time;
  std::string progress;  ///< "100%"
  std::string owner_id;
  std::string description;  ///< CreateImage's: "Created by CreateImage(i-...) for ami-..."
  int volume_size = 0;      ///< GiB
  bool encrypted = false;
  std::string storage_tier;  ///< "standard", "archive"
  std::vector<Tag> tags;
};

// ---------------------------------------------------------------- instances

/// EC2's instance state codes (InstanceState::code): the one home of these numbers.
namespace instance_state {
inline constexpr int kPending = 0;
inline constexpr int kRunning = 16;
inline constexpr int kShuttingDown = 32;
inline constexpr int kTerminated = 48;
inline constexpr int kStopping = 64;
inline constexpr int kStopped = 80;
}  // namespace instance_state

/// A code of instance_state and EC2's name for it ("running").
struct InstanceState {
  int code = 0;
  std::string name;
};

/// EC2's name of a state code ("pending", "running", "shutting-down", "terminated",
/// "stopping", "stopped"); "" for a code EC2 does not define.
inline const char* InstanceStateName(int code) {
  switch (code) {
    case instance_state::kPending:
      return "pending";
    case instance_state::kRunning:
      return "running";
    case instance_state::kShuttingDown:
      return "shutting-down";
    case instance_state::kTerminated:
      return "terminated";
    case instance_state::kStopping:
      return "stopping";
    case instance_state::kStopped:
      return "stopped";
    default:
      return "";
  }
}

inline InstanceState MakeInstanceState(int code) { return {code, InstanceStateName(code)}; }

struct StateReason {
  std::string code;  ///< "Client.UserInitiatedShutdown"
  std::string message;
};

struct Placement {
  std::optional<std::string> availability_zone;
  std::optional<std::string> group_name;
  std::optional<std::string> tenancy;
};

struct GroupIdentifier {
  std::string group_id;
  std::string group_name;
};

/// An instance's attached volume as DescribeInstances reports it.
struct InstanceBlockDeviceMapping {
  std::string device_name;
  std::string volume_id;
  std::string status;  ///< "attached"
  std::string attach_time;
  bool delete_on_termination = true;
};

struct InstanceMetadataOptions {
  std::string state;        ///< "pending", "applied"
  std::string http_tokens;  ///< "optional", "required"
  std::optional<int> http_put_response_hop_limit;
  std::string http_endpoint;  ///< "enabled", "disabled"
};

struct Instance {
  std::string instance_id;
  std::string image_id;
  InstanceState state;
  std::string private_dns_name;
  std::string public_dns_name;
  std::string state_transition_reason;
  std::string key_name;
  int ami_launch_index = 0;
  std::string instance_type;
  std::string launch_time;
  Placement placement;
  std::string subnet_id;
  std::string vpc_id;
  std::string private_ip_address;
  std::string public_ip_address;  ///< empty when none
  std::string architecture;
  std::string root_device_name;
  std::string root_device_type;
  std::vector<InstanceBlockDeviceMapping> block_device_mappings;
  std::string instance_lifecycle;  ///< "spot" for spot instances, else empty
  std::string spot_instance_request_id;
  std::string client_token;
  std::vector<GroupIdentifier> security_groups;
  StateReason state_reason;
  std::vector<Tag> tags;
  InstanceMetadataOptions metadata_options;
  /// Not on the wire (EC2 reports sizes through DescribeVolumes): the root
  /// volume's size in GiB, for the local cloud's own bookkeeping.
  int root_volume_size_gib = 0;
};

struct Reservation {
  std::string reservation_id;
  std::string owner_id;
  std::string requester_id;
  std::vector<GroupIdentifier> groups;
  std::vector<Instance> instances;
};

struct InstanceStateChange {
  std::string instance_id;
  InstanceState current_state;
  InstanceState previous_state;
};

/// DescribeInstanceStatus: one instance's state and status checks.
struct InstanceStatus {
  std::string instance_id;
  std::string availability_zone;
  InstanceState instance_state;
  std::string system_status;    ///< SystemStatus.Status: "ok", "initializing", ...
  std::string instance_status;  ///< InstanceStatus.Status
};

// ---------------------------------------------------------------- requests

struct DescribeRegionsRequest {
  std::vector<Filter> filters;
  std::vector<std::string> region_names;
  std::optional<bool> all_regions;
};

struct DescribeAvailabilityZonesRequest {
  std::vector<Filter> filters;
  std::vector<std::string> zone_names;
  std::vector<std::string> zone_ids;
  std::optional<bool> all_availability_zones;
};

struct DescribeInstanceTypesRequest {
  std::vector<std::string> instance_types;
  std::vector<Filter> filters;
  std::optional<int> max_results;
  std::optional<std::string> next_token;
};

struct DescribeImagesRequest {
  std::vector<std::string> executable_users;
  std::vector<Filter> filters;
  std::vector<std::string> image_ids;
  std::vector<std::string> owners;
  std::optional<bool> include_deprecated;
};

struct DescribeSpotPriceHistoryRequest {
  std::vector<Filter> filters;
  std::optional<std::string> availability_zone;
  std::optional<std::string> end_time;
  std::vector<std::string> instance_types;
  std::optional<int> max_results;
  std::optional<std::string> next_token;
  std::vector<std::string> product_descriptions;
  std::optional<std::string> start_time;
};

struct DescribeSpotInstanceRequestsRequest {
  std::vector<Filter> filters;
  std::vector<std::string> spot_instance_request_ids;
  std::optional<int> max_results;
  std::optional<std::string> next_token;
};

struct CancelSpotInstanceRequestsRequest {
  std::vector<std::string> spot_instance_request_ids;
};

struct CreatePlacementGroupRequest {
  std::string group_name;
  std::string strategy;  ///< cluster, spread, partition
  std::optional<int> partition_count;
  std::vector<TagSpecification> tag_specifications;
};

struct DescribePlacementGroupsRequest {
  std::vector<Filter> filters;
  std::vector<std::string> group_names;
  std::vector<std::string> group_ids;
};

struct DeletePlacementGroupRequest {
  std::string group_name;
};

struct CreateKeyPairRequest {
  std::string key_name;
  std::optional<std::string> key_type;  ///< "rsa", "ed25519"
  std::vector<TagSpecification> tag_specifications;
  std::optional<std::string> key_format;  ///< "pem", "ppk"
};

struct ImportKeyPairRequest {
  std::string key_name;
  /// The public key text ("ssh-ed25519 AAAA... comment"); base64-encoded on
  /// the wire by the encoder (it is a blob), decoded by the decoder.
  std::string public_key_material;
  std::vector<TagSpecification> tag_specifications;
};

struct DescribeKeyPairsRequest {
  std::vector<Filter> filters;
  std::vector<std::string> key_names;
  std::vector<std::string> key_pair_ids;
  std::optional<bool> include_public_key;
};

struct DeleteKeyPairRequest {
  std::optional<std::string> key_name;
  std::optional<std::string> key_pair_id;
};

struct CreateSecurityGroupRequest {
  std::string description;  ///< wire name GroupDescription
  std::string group_name;
  std::optional<std::string> vpc_id;
  std::vector<TagSpecification> tag_specifications;
};

struct AuthorizeSecurityGroupIngressRequest {
  std::optional<std::string> group_id;
  std::optional<std::string> group_name;
  std::vector<IpPermission> ip_permissions;
  std::vector<TagSpecification> tag_specifications;
};

struct DescribeSecurityGroupsRequest {
  std::vector<Filter> filters;
  std::vector<std::string> group_ids;
  std::vector<std::string> group_names;
  std::optional<std::string> next_token;
  std::optional<int> max_results;
};

struct DeleteSecurityGroupRequest {
  std::optional<std::string> group_id;
  std::optional<std::string> group_name;
};

struct SpotMarketOptions {
  std::optional<std::string> max_price;                       ///< $/h as text ("0.50")
  std::optional<std::string> spot_instance_type;              ///< "one-time", "persistent"
  std::optional<std::string> instance_interruption_behavior;  ///< "terminate", "stop", "hibernate"
};

struct InstanceMarketOptionsRequest {
  std::string market_type = "spot";
  std::optional<SpotMarketOptions> spot_options;
};

struct InstanceMetadataOptionsRequest {
  std::optional<std::string> http_tokens;  ///< "required" for IMDSv2 only
  std::optional<int> http_put_response_hop_limit;
  std::optional<std::string> http_endpoint;  ///< "enabled"
};

struct IamInstanceProfileSpecification {
  std::optional<std::string> arn;
  std::optional<std::string> name;
};

struct RunInstancesRequest {
  std::vector<BlockDeviceMapping> block_device_mappings;
  std::string image_id;
  std::string instance_type;
  std::optional<std::string> key_name;
  int max_count = 1;
  int min_count = 1;
  std::optional<Placement> placement;
  std::vector<std::string> security_group_ids;
  std::vector<std::string> security_groups;  ///< group names (default VPC)
  std::optional<std::string> subnet_id;
  /// Raw user data (a script); base64-encoded on the wire by the encoder as
  /// botocore does, decoded by the decoder.
  std::optional<std::string> user_data;
  /// Idempotency token: a retried or re-run RunInstances with the same token
  /// never launches a second instance. The client refuses to retry without it.
  std::optional<std::string> client_token;
  std::optional<IamInstanceProfileSpecification> iam_instance_profile;
  std::optional<std::string> instance_initiated_shutdown_behavior;  ///< "stop", "terminate"
  std::vector<TagSpecification> tag_specifications;
  std::optional<InstanceMarketOptionsRequest> instance_market_options;
  std::optional<InstanceMetadataOptionsRequest> metadata_options;
};

struct DescribeInstancesRequest {
  std::vector<Filter> filters;
  std::vector<std::string> instance_ids;
  std::optional<int> max_results;
  std::optional<std::string> next_token;
};

struct DescribeInstanceStatusRequest {
  std::vector<Filter> filters;
  std::vector<std::string> instance_ids;
  std::optional<int> max_results;
  std::optional<std::string> next_token;
  std::optional<bool> include_all_instances;
};

struct StartInstancesRequest {
  std::vector<std::string> instance_ids;
};

struct StopInstancesRequest {
  std::vector<std::string> instance_ids;
  std::optional<bool> hibernate;
  std::optional<bool> force;
};

struct TerminateInstancesRequest {
  std::vector<std::string> instance_ids;
};

struct CreateImageRequest {
  std::vector<BlockDeviceMapping> block_device_mappings;
  std::optional<std::string> description;
  std::string instance_id;
  std::string name;
  std::optional<bool> no_reboot;
  std::vector<TagSpecification> tag_specifications;
};

struct DeregisterImageRequest {
  std::string image_id;
};

struct DescribeVolumesRequest {
  std::vector<Filter> filters;
  std::vector<std::string> volume_ids;
  std::optional<int> max_results;
  std::optional<std::string> next_token;
};

struct DeleteVolumeRequest {
  std::string volume_id;
};

struct DescribeSnapshotsRequest {
  std::vector<Filter> filters;
  std::optional<int> max_results;
  std::optional<std::string> next_token;
  std::vector<std::string> owner_ids;  ///< wire name "Owner": "self", an account id
  std::vector<std::string> snapshot_ids;
};

struct DeleteSnapshotRequest {
  std::string snapshot_id;
};

struct CreateTagsRequest {
  std::vector<std::string> resources;
  std::vector<Tag> tags;
};

// ---------------------------------------------------------------- responses

/// Every response carries the request id (<requestId>) for support and logs.
struct DescribeRegionsResponse {
  std::string request_id;
  std::vector<Region> regions;
};

struct DescribeAvailabilityZonesResponse {
  std::string request_id;
  std::vector<AvailabilityZone> availability_zones;
};

struct DescribeInstanceTypesResponse {
  std::string request_id;
  std::vector<InstanceTypeInfo> instance_types;
  std::string next_token;
};

struct DescribeImagesResponse {
  std::string request_id;
  std::vector<Image> images;
};

struct DescribeSpotPriceHistoryResponse {
  std::string request_id;
  std::vector<SpotPrice> spot_price_history;
  std::string next_token;
};

struct DescribeSpotInstanceRequestsResponse {
  std::string request_id;
  std::vector<SpotInstanceRequest> spot_instance_requests;
  std::string next_token;
};

/// One cancelled request: its id and its state now ("cancelled", or "closed"/"completed").
struct CancelledSpotInstanceRequest {
  std::string spot_instance_request_id;
  std::string state;
};

struct CancelSpotInstanceRequestsResponse {
  std::string request_id;
  std::vector<CancelledSpotInstanceRequest> cancelled_spot_instance_requests;
};

struct DescribeVolumesResponse {
  std::string request_id;
  std::vector<Volume> volumes;
  std::string next_token;
};

struct DescribeSnapshotsResponse {
  std::string request_id;
  std::vector<Snapshot> snapshots;
  std::string next_token;
};

struct CreatePlacementGroupResponse {
  std::string request_id;
  PlacementGroup placement_group;
};

struct DescribePlacementGroupsResponse {
  std::string request_id;
  std::vector<PlacementGroup> placement_groups;
};

struct DescribeKeyPairsResponse {
  std::string request_id;
  std::vector<KeyPair> key_pairs;
};

struct CreateSecurityGroupResponse {
  std::string request_id;
  std::string group_id;
};

struct DescribeSecurityGroupsResponse {
  std::string request_id;
  std::vector<SecurityGroup> security_groups;
  std::string next_token;
};

struct DescribeInstancesResponse {
  std::string request_id;
  std::vector<Reservation> reservations;
  std::string next_token;
};

struct DescribeInstanceStatusResponse {
  std::string request_id;
  std::vector<InstanceStatus> instance_statuses;
  std::string next_token;
};

/// Start/Stop/TerminateInstances.
struct InstanceStateChangeResponse {
  std::string request_id;
  std::vector<InstanceStateChange> instances;
};

struct CreateImageResponse {
  std::string request_id;
  std::string image_id;
};

/// Operations that answer only <return>true</return> (DeleteKeyPair,
/// DeleteSecurityGroup, DeregisterImage, CreateTags, DeleteSnapshot, DeleteVolume, ...).
struct ReturnResponse {
  std::string request_id;
  bool value = true;
};

/// AuthorizeSecurityGroupIngress.
struct AuthorizeSecurityGroupIngressResponse {
  std::string request_id;
  bool value = true;
};

// RunInstances answers a Reservation (plus request_id); CreateKeyPair and
// ImportKeyPair answer a KeyPair.
struct RunInstancesResponse {
  std::string request_id;
  Reservation reservation;
};

struct KeyPairResponse {
  std::string request_id;
  KeyPair key_pair;
};

}  // namespace gpubox::aws
