#pragma once
/// The local cloud's EC2 logic: every operation of the AWS client, answered
/// as EC2 answers it, over records kept in the Store and instances made real
/// by an InstanceHost. No HTTP and no root needed: tests drive Handle() and
/// Tick() with a fake host and a fake clock.
///
/// Thread-safe: requests hold the service's lock; Tick() runs host work
/// (launching, stopping, snapshots) outside it and applies the outcome after.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gpubox/local/cloud_records.h"
#include "gpubox/local/ec2_request.h"
#include "gpubox/local/fault_config.h"
#include "gpubox/local/instance_host.h"
#include "gpubox/local/key_material.h"
#include "gpubox/local/offer_book.h"
#include "gpubox/local/quotas.h"
#include "gpubox/local/store.h"
#include "gpubox/local/xml_writer.h"
#include "gpubox/sys/env.h"

namespace gpubox::local {

/// What RunInstances has settled, step by step, before it builds records.
struct LaunchPlan {
  aws::RunInstancesRequest run;
  const ImageRecord* image = nullptr;
  const RegionalOffer* offer = nullptr;  ///< the type, offered in the request's region
  std::string key_name;
  int volume_gib = 0;
  bool spot = false;
  std::string quota_code;
  std::vector<aws::GroupIdentifier> groups;
  std::string zone;
  double max_price = 0;  ///< spot only
  std::string interruption_behavior = "terminate";
  std::string spot_type = "one-time";  ///< spot only: "one-time" or "persistent"
};

/// How long terminated instances stay visible to Describe calls.
inline constexpr int64_t kTerminatedVisibleMicros = 3600LL * 1000000;

class Ec2Service {
 public:
  /// `store` and `host` must outlive the service. `account_id` is the local
  /// account's 12-digit id.
  Ec2Service(Env& env, Store& store, InstanceHost& host, std::string account_id);

  /// Loads the records from the store and adds the built-in images and the
  /// default security groups when missing.
  Result<void> Load();

  /// Answers one EC2 call (any status; errors as EC2's XML).
  Ec2Reply Handle(const Ec2Request& request);

  /// Advances instance lifecycles: launches, readiness, stops, terminations,
  /// snapshots, spot interruptions, expiry of terminated instances.
  void Tick();

  /// Faults and limits; replaces the current ones.
  void SetFaults(const FaultConfig& config);
  FaultConfig faults();
  Quotas& quotas() { return quotas_; }
  std::mutex& mutex() { return mutex_; }

  /// Puts a spot interruption notice on a running spot instance now; the
  /// instance stops or terminates after the notice period.
  Result<void> InterruptSpot(const std::string& instance_id);
  /// Stops every instance on the host (daemon shutdown; states are kept so a
  /// restart brings them back). Returns how many were stopped.
  int StopAllForShutdown();
  /// Terminates everything and deletes all images' snapshots (purge).
  void TerminateAllForPurge();
  /// Stops (disks kept) the pending and running instances `principal` launched: access
  /// revoked, its boxes must not keep running its code. Returns how many.
  int StopInstancesLaunchedBy(const std::string& principal);

  /// True when EC2 answers `request` from what already happened rather than from free
  /// capacity: a RunInstances whose client token already launched (the idempotent
  /// replay), or a StartInstances whose instances are none of them stopped. An injected
  /// capacity error must not hit those, as EC2 would never answer them with one.
  bool AnswersWithoutCapacity(const Ec2Request& request);
  /// Instances not terminated, per region (for `gpubox local status`).
  std::map<std::string, int> LiveInstanceCounts();
  /// Instances not terminated, per principal who launched them ("root" for the cloud's key).
  std::map<std::string, int> LiveInstancesByPrincipal();
  /// vCPUs counted against a quota code in a region.
  int VcpusInUse(const std::string& code, const std::string& region);

  const OfferBook& offers() const { return offers_; }
  /// The service's own account (the cloud's root key); callers may have others.
  const std::string& account_id() const { return account_id_; }

 private:
  using Handler = std::function<Ec2Reply(Ec2Service*, const Ec2Request&)>;
  friend class Ec2ServiceHandlers;

  // ec2_service.cc: common pieces.
  /// Accounts: every resource but the built-in images belongs to one, and a caller sees and
  /// touches only its own account's (EC2's model; ec2_service.cc).
  /// The caller's account: the request's, else the service's own.
  const std::string& CallerAccount(const Ec2Request& request) const;
  /// The account owning a record; "" (records made before accounts) is the service's own.
  const std::string& AccountOf(const std::string& owner_id) const;
  bool OwnedByCaller(const Ec2Request& request, const std::string& owner_id) const {
    return AccountOf(owner_id) == CallerAccount(request);
  }
  /// The account's default security group in each region, made at its first call.
  void EnsureAccountDefaults(const std::string& account);
  std::string NewId(std::string_view prefix);
  int64_t Now() { return env_.clock->NowMicros(); }
  void Save(const InstanceRecord& record);
  void Save(const ImageRecord& record);
  void Save(const KeyPairRecord& record);
  void Save(const GroupRecord& record);
  void Save(const PlacementGroupRecord& record);
  void Save(const SpotRequestRecord& record);
  void Save(const SnapshotRecord& record);
  void AddBuiltins();
  LaunchSpec SpecFor(const InstanceRecord& record);
  std::vector<aws::IpPermission> IngressFor(const InstanceRecord& record);
  /// `member` gained or lost its address (launched, started, stopped, terminated): every
  /// live instance whose rules name one of its groups has its firewall rewritten.
  void PeersChanged(const InstanceRecord& member);
  void SetState(InstanceRecord& record, int code, std::string reason_code = "",
                std::string reason_message = "");

  // Handlers, one file per EC2 resource: ec2_regions_and_types.cc, ec2_images.cc,
  // ec2_key_pairs.cc, ec2_security_groups.cc, ec2_tags.cc, ec2_run_instances.cc,
  // ec2_instances.cc (Describe*), ec2_instance_state.cc (Start/Stop/Terminate),
  // ec2_instance_attributes.cc (Describe/ModifyInstanceAttribute), ec2_spot_requests.cc,
  // ec2_placement_groups.cc.
  Ec2Reply DescribeRegions(const Ec2Request& request);
  Ec2Reply DescribeAvailabilityZones(const Ec2Request& request);
  Ec2Reply DescribeInstanceTypes(const Ec2Request& request);
  Ec2Reply DescribeSpotPriceHistory(const Ec2Request& request);
  Ec2Reply DescribeImages(const Ec2Request& request);
  Ec2Reply CreateImage(const Ec2Request& request);
  Ec2Reply DeregisterImage(const Ec2Request& request);
  Ec2Reply CreateKeyPair(const Ec2Request& request);
  Ec2Reply ImportKeyPair(const Ec2Request& request);
  Ec2Reply DescribeKeyPairs(const Ec2Request& request);
  Ec2Reply DeleteKeyPair(const Ec2Request& request);
  Ec2Reply CreateSecurityGroup(const Ec2Request& request);
  Ec2Reply AuthorizeSecurityGroupIngress(const Ec2Request& request);
  Ec2Reply DescribeSecurityGroups(const Ec2Request& request);
  Ec2Reply DeleteSecurityGroup(const Ec2Request& request);
  Ec2Reply CreateTags(const Ec2Request& request);
  Ec2Reply RunInstances(const Ec2Request& request);
  Ec2Reply DescribeInstances(const Ec2Request& request);
  Ec2Reply DescribeInstanceStatus(const Ec2Request& request);
  /// No Elastic IPs in the local cloud: an empty set (clients such as
  /// Libcloud's list_nodes ask for them).
  Ec2Reply DescribeAddresses(const Ec2Request& request);
  Ec2Reply StartInstances(const Ec2Request& request);
  Ec2Reply StopInstances(const Ec2Request& request);
  Ec2Reply TerminateInstances(const Ec2Request& request);
  Ec2Reply DescribeSpotInstanceRequests(const Ec2Request& request);
  // ec2_instance_attributes.cc
  Ec2Reply DescribeInstanceAttribute(const Ec2Request& request);
  Ec2Reply ModifyInstanceAttribute(const Ec2Request& request);
  Ec2Reply CancelSpotInstanceRequests(const Ec2Request& request);
  // ec2_volumes.cc: volumes (the instances' root disks) and snapshots (made by CreateImage).
  Ec2Reply DescribeVolumes(const Ec2Request& request);
  Ec2Reply DeleteVolume(const Ec2Request& request);
  Ec2Reply DescribeSnapshots(const Ec2Request& request);
  Ec2Reply DeleteSnapshot(const Ec2Request& request);
  /// The snapshot record of a created image (made by CreateImage; for an image stored before
  /// snapshots were records, made now from its block device mapping).
  void AddImageSnapshot(const ImageRecord& image, const std::string& volume_id);
  Ec2Reply CreatePlacementGroup(const Ec2Request& request);
  Ec2Reply DescribePlacementGroups(const Ec2Request& request);
  Ec2Reply DeletePlacementGroup(const Ec2Request& request);
  /// The Start/Stop/TerminateInstances answer: applies `transition` to each
  /// instance, saves those whose state changed, and lists previous and current states.
  Ec2Reply StateChangeReply(const std::string& action, const Ec2Request& request,
                            const std::vector<InstanceRecord*>& records,
                            const std::function<void(InstanceRecord&)>& transition);
  /// Records a new key pair (Create or Import) in the request's region and returns it.
  const aws::KeyPair& AddKeyPair(const Ec2Request& request, const std::string& name,
                                 const KeyMaterial& material);

  // RunInstances' steps (ec2_run_instances.cc), in order.
  /// The earlier answer when the client token is known (or its mismatch error).
  std::optional<Ec2Reply> ReplayClientToken(const Ec2Request& request,
                                            const aws::RunInstancesRequest& run);
  Ec2Result<void> ValidateLaunch(const Ec2Request& request, LaunchPlan& plan);
  Ec2Result<void> ResolveLaunchGroups(const Ec2Request& request, LaunchPlan& plan);
  Ec2Result<void> CheckLaunchQuota(const Ec2Request& request, LaunchPlan& plan);
  Ec2Result<void> ChooseLaunchZone(const Ec2Request& request, LaunchPlan& plan);
  Ec2Result<void> CheckSpotPrice(const Ec2Request& request, LaunchPlan& plan);
  /// Placement.GroupName: the caller's group of the region (InvalidPlacementGroup.Unknown);
  /// a cluster group keeps its instances in one zone (that of its live instances).
  Ec2Result<void> ResolvePlacementGroup(const Ec2Request& request, LaunchPlan& plan);
  /// Stores the instances (MinCount, then as many more up to MaxCount as fit).
  aws::Reservation BuildInstances(const Ec2Request& request, const LaunchPlan& plan);
  void RememberClientToken(const Ec2Request& request, const aws::RunInstancesRequest& run,
                           const aws::Reservation& reservation);

  // Limits and lookups (ec2_instance_state.cc, ec2_instances.cc, ec2_security_groups.cc).
  Ec2Result<void> CheckQuota(const std::string& region, const std::string& code, int vcpus_wanted,
                             bool spot);
  /// The instances of `ids` in the request's region; Malformed/NotFound errors as EC2's.
  /// (The caller's own: another account's instance is NotFound, as on EC2.)
  Ec2Result<std::vector<InstanceRecord*>> FindInstances(const Ec2Request& request,
                                                        const std::vector<std::string>& ids);
  /// The caller's group of the request's region by id or by name, or EC2's
  /// InvalidGroup.NotFound.
  Ec2Result<GroupRecord*> LookupGroup(const Ec2Request& request, const std::string& id_or_name,
                                      bool by_id);
  /// The group, or nullptr (for existence checks; LookupGroup for errors).
  GroupRecord* FindGroup(const Ec2Request& request, const std::string& id_or_name, bool by_id);
  /// The caller's placement group of the request's region by name, or nullptr.
  PlacementGroupRecord* FindPlacementGroup(const Ec2Request& request, const std::string& name);
  /// The client token's key: "region/token" for the service's own account (as stored before
  /// accounts), "account/region/token" for others.
  std::string ClientTokenKey(const Ec2Request& request, const std::string& token) const;
  const std::string& DefaultVpc(const std::string& region);
  int CapacityOf(const std::string& type) const;
  int InstancesOfTypeIn(const std::string& type, const std::string& zone);

  // Spot requests (ec2_spot_requests.cc): one per spot instance, following it.
  /// The request of a spot instance, or nullptr (on-demand, or a request since deleted).
  SpotRequestRecord* SpotRequestOf(const InstanceRecord& record);
  /// Sets the request's state and status code (with EC2's message for it) and saves it.
  void SetSpotStatus(SpotRequestRecord& request, const std::string& state, const std::string& code);
  /// Whether the user may start this stopped spot instance: not one stopped by an
  /// interruption (the spot service starts those), nor one whose pool has no capacity.
  Ec2Result<void> CheckSpotStart(const InstanceRecord& record);
  /// Makes the request of a new spot instance (active, fulfilled).
  void AddSpotRequest(const Ec2Request& request, const LaunchPlan& plan,
                      const InstanceRecord& record);
  /// Whether the spot pool (type, zone) can take one more instance now: capacity not
  /// withdrawn nor blocked, a free slot, and the price within `max_price`.
  bool SpotCapacityFor(const std::string& type, const std::string& zone, double max_price);
  /// Puts the notice on a running spot instance (due after the notice period) and marks its
  /// request; `cause` is "no-capacity" or "by-price". Returns the IMDS action ("stop",
  /// "terminate") and time for the host.
  std::pair<std::string, std::string> MarkForInterruption(InstanceRecord& record,
                                                          const std::string& cause);
  /// The spot service's side of Tick (under the lock): notices for spot instances whose pool
  /// lost its capacity; persistent requests' instances stopped by an interruption started
  /// again, and terminated ones replaced, once their pool has capacity; old closed requests
  /// forgotten. Returns the instances given a notice (for the host).
  std::vector<std::string> TickSpot(int64_t now);

  Env& env_;
  Store& store_;
  InstanceHost& host_;
  std::string account_id_;
  OfferBook offers_;
  Quotas quotas_;
  FaultConfig faults_;

  std::mutex mutex_;
  std::map<std::string, InstanceRecord> instances_;  ///< by id
  std::map<std::string, ImageRecord> images_;
  std::map<std::string, KeyPairRecord> key_pairs_;                ///< by key pair id
  std::map<std::string, GroupRecord> groups_;                     ///< by group id
  std::map<std::string, ClientTokenRecord> client_tokens_;        ///< by "region/token"
  std::map<std::string, SpotRequestRecord> spot_requests_;        ///< by request id
  std::map<std::string, PlacementGroupRecord> placement_groups_;  ///< by group id
  std::map<std::string, SnapshotRecord> snapshots_;               ///< by snapshot id
  std::set<std::string> in_flight_;       ///< instance or image ids with host work under way
  std::set<std::string> needs_adopt_;     ///< running before a daemon restart
  std::set<std::string> accounts_ready_;  ///< accounts whose default groups exist
  std::map<std::string, Handler> handlers_;
  uint64_t id_counter_ = 0;
};

}  // namespace gpubox::local
