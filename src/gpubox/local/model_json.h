#pragma once
/// JSON forms of the EC2 model types (aws/model.h) for the local cloud's
/// store: every field kept, optional fields as null when unset.

#include <nlohmann/json.hpp>
#include <optional>

#include "gpubox/aws/model.h"

namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& value) {
    if (value) {
      j = *value;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& value) {
    if (j.is_null()) {
      value.reset();
    } else {
      value = j.get<T>();
    }
  }
};
}  // namespace nlohmann

namespace gpubox::aws {

#define GPUBOX_JSON(Type, ...) NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Type, __VA_ARGS__)

GPUBOX_JSON(Tag, key, value)
GPUBOX_JSON(EbsBlockDevice, delete_on_termination, iops, snapshot_id, volume_size, volume_type,
            throughput, encrypted)
GPUBOX_JSON(BlockDeviceMapping, device_name, virtual_name, ebs, no_device)
GPUBOX_JSON(Image, image_id, name, description, state, owner_id, image_owner_alias, architecture,
            creation_date, root_device_name, root_device_type, virtualization_type,
            platform_details, is_public, block_device_mappings, tags)
GPUBOX_JSON(PlacementGroup, group_name, group_id, strategy, state, partition_count, tags)
GPUBOX_JSON(KeyPair, key_pair_id, key_name, key_fingerprint, key_type, public_key, create_time,
            tags)
GPUBOX_JSON(IpRange, cidr_ip, description)
GPUBOX_JSON(Ipv6Range, cidr_ipv6, description)
GPUBOX_JSON(UserIdGroupPair, description, group_id, group_name, user_id)
GPUBOX_JSON(IpPermission, from_port, ip_protocol, ip_ranges, ipv6_ranges, to_port,
            user_id_group_pairs)
GPUBOX_JSON(SecurityGroup, group_id, group_name, description, owner_id, vpc_id, ip_permissions,
            ip_permissions_egress, tags)
GPUBOX_JSON(InstanceState, code, name)
GPUBOX_JSON(StateReason, code, message)
GPUBOX_JSON(Placement, availability_zone, group_name, tenancy)
GPUBOX_JSON(GroupIdentifier, group_id, group_name)
GPUBOX_JSON(InstanceBlockDeviceMapping, device_name, volume_id, status, attach_time,
            delete_on_termination)
GPUBOX_JSON(InstanceMetadataOptions, state, http_tokens, http_put_response_hop_limit, http_endpoint)
GPUBOX_JSON(Instance, instance_id, image_id, state, private_dns_name, public_dns_name,
            state_transition_reason, key_name, ami_launch_index, instance_type, launch_time,
            placement, subnet_id, vpc_id, private_ip_address, public_ip_address, architecture,
            root_device_name, root_device_type, block_device_mappings, instance_lifecycle,
            spot_instance_request_id, client_token, security_groups, state_reason, tags,
            metadata_options, root_volume_size_gib)

GPUBOX_JSON(SpotInstanceStatus, code, message, update_time)
GPUBOX_JSON(SpotLaunchSpecification, image_id, instance_type, key_name, availability_zone)
GPUBOX_JSON(SpotInstanceRequest, spot_instance_request_id, spot_price, type, state, status,
            instance_id, create_time, launch_specification, launched_availability_zone,
            product_description, instance_interruption_behavior, tags)
GPUBOX_JSON(Snapshot, snapshot_id, volume_id, state, start_time, progress, owner_id, description,
            volume_size, encrypted, storage_tier, tags)

#undef GPUBOX_JSON

}  // namespace gpubox::aws
