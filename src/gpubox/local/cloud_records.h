#pragma once
/// The local cloud's records: the EC2 model types plus what only the local
/// cloud keeps (region, timers, what the host has done). Stored as JSON.

#include <cstdint>
#include <string>
#include <vector>

#include "gpubox/aws/model.h"

namespace gpubox::local {

/// What the instance host has done with an instance so far.
enum class HostState { kNone, kRunning, kStopped, kGone };

struct InstanceRecord {
  aws::Instance instance;
  std::string region;
  std::string reservation_id;
  std::string owner_id;
  std::string launched_by;  ///< the principal (user) whose key launched it; "" for root
  int vcpus = 0;
  std::string quota_code;
  double spot_max_price = 0;          ///< spot only
  std::string interruption_behavior;  ///< spot only: "terminate" or "stop"
  std::string user_data;              ///< base64, as RunInstances took it (the bytes may be binary)
  /// InstanceInitiatedShutdownBehavior: what a shutdown inside the OS does, "stop" or
  /// "terminate" (RunInstances, ModifyInstanceAttribute).
  std::string shutdown_behavior = "stop";
  std::string snapshot_image_id;  ///< the created image it was launched from
  int64_t state_since_us = 0;
  int64_t interrupt_at_us = 0;  ///< a spot interruption is due then; 0: none
  /// Why the pending (or last) spot interruption came: "no-capacity" or "by-price"
  /// (EC2's status codes are built from it: marked-for-stop, instance-stopped-no-capacity).
  std::string interruption_cause;
  HostState host_state = HostState::kNone;
  bool firewall_dirty = false;  ///< security groups changed since the host was told
  /// The root volume's tags (RunInstances' TagSpecification for "volume"): the volume is
  /// the instance's disk, described by DescribeVolumes until the instance is terminated.
  std::vector<aws::Tag> volume_tags;
};

/// A spot instance request, made by RunInstances with InstanceMarketOptions, one per
/// instance. A persistent request outlives its instance's interruptions: the cloud
/// starts the instance again (behaviour stop) or launches a replacement from
/// `launch_template` (its instance terminated) once capacity allows, until it is cancelled.
struct SpotRequestRecord {
  aws::SpotInstanceRequest request;
  std::string region;
  InstanceRecord launch_template;  ///< the first instance as launched, for replacements
  int64_t state_since_us = 0;      ///< closed and cancelled requests are forgotten after a while
};

struct ImageRecord {
  aws::Image image;
  std::string region;
  std::string source_instance_id;  ///< CreateImage only; empty for built-in images
  bool builtin = false;
};

/// An EBS snapshot: CreateImage makes one of the instance's disk. It outlives the image
/// (DeregisterImage frees the host's copy, as an image is all that could use it here, but
/// the record stays, as EC2 keeps, and bills, the snapshot) until DeleteSnapshot.
struct SnapshotRecord {
  aws::Snapshot snapshot;
  std::string region;
  std::string image_id;  ///< the image made with it
};

struct KeyPairRecord {
  aws::KeyPair key_pair;
  std::string region;
  std::string owner_id;  ///< the account; "" (records before accounts): the service's own
};

struct PlacementGroupRecord {
  aws::PlacementGroup group;
  std::string region;
  std::string owner_id;  ///< the account
};

struct GroupRecord {
  aws::SecurityGroup group;
  std::string region;
};

/// RunInstances ClientToken: same token and same parameters answer the same
/// reservation.
struct ClientTokenRecord {
  std::string region;
  std::string token;
  std::string parameters_hash;
  std::string reservation_id;
  std::vector<std::string> instance_ids;
};

/// An approved Service Quotas increase.
struct QuotaRecord {
  std::string code;
  std::string region;
  double value = 0;
};

// EC2 instance state codes: the model's (aws/model.h).
using aws::instance_state::kPending;
using aws::instance_state::kRunning;
using aws::instance_state::kShuttingDown;
using aws::instance_state::kStopped;
using aws::instance_state::kStopping;
using aws::instance_state::kTerminated;

/// The model's state of a code; an unknown code reads as stopped.
aws::InstanceState MakeState(int code);

}  // namespace gpubox::local
