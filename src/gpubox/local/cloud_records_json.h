#pragma once
/// JSON forms of the local cloud's records, for the Store.

#include "gpubox/local/cloud_records.h"
#include "gpubox/local/model_json.h"

namespace gpubox::local {

NLOHMANN_JSON_SERIALIZE_ENUM(HostState, {{HostState::kNone, "none"},
                                         {HostState::kRunning, "running"},
                                         {HostState::kStopped, "stopped"},
                                         {HostState::kGone, "gone"}})

/// A record as the store keeps it. Never throws: text that is not UTF-8 (validation refuses
/// it in requests; this is the last line) is kept with U+FFFD in its place.
inline std::string StoredJson(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InstanceRecord, instance, region, reservation_id,
                                                owner_id, launched_by, vcpus, quota_code,
                                                spot_max_price, interruption_behavior, user_data,
                                                snapshot_image_id, state_since_us, interrupt_at_us,
                                                host_state, firewall_dirty, interruption_cause,
                                                shutdown_behavior, volume_tags)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SpotRequestRecord, request, region, launch_template,
                                                state_since_us)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ImageRecord, image, region, source_instance_id,
                                                builtin)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SnapshotRecord, snapshot, region, image_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(KeyPairRecord, key_pair, region, owner_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GroupRecord, group, region)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PlacementGroupRecord, group, region, owner_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClientTokenRecord, region, token, parameters_hash,
                                                reservation_id, instance_ids)

}  // namespace gpubox::local
