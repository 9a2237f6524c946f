#pragma once
/// Nothing paid forgotten: every resource gpubox tagged (kBoxTag), in every region, whether
/// or not this laptop's store knows it, with what it costs a month (`ls --all-regions`);
/// and the orphans among them deleted (`gc`). The cloud is the truth: a deleted store
/// cannot hide a billing instance, volume or snapshot.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "gpubox/catalog/catalog.h"
#include "gpubox/cloud/cloud.h"
#include "gpubox/state/box_store.h"
#include "gpubox/sys/env.h"

namespace gpubox {

/// The kinds gpubox tags, in the order `gc` deletes them (a spot request before its
/// instance, an instance before its key pair and security group).
enum class ResourceKind : uint8_t {
  kSpotRequest,
  kInstance,
  kVolume,
  kImage,
  kSnapshot,
  kKeyPair,
  kSecurityGroup,
};
/// "spot-request", "instance", "volume", "image", "snapshot", "key-pair", "security-group".
const char* ResourceKindName(ResourceKind kind);

/// One tagged resource.
struct TaggedResource {
  std::string region;
  ResourceKind kind = ResourceKind::kInstance;
  std::string id;      ///< i-..., sir-..., vol-..., ami-..., snap-..., sg-...; a key pair's name
  std::string box;     ///< its kBoxTag value
  std::string state;   ///< the cloud's ("running", "in-use", "available", ...); "" when none
  std::string detail;  ///< "g4dn.xlarge spot", "96 GiB gp3", "of ami-...", ...
  /// What it costs a month as it is now: a running instance its $/h × 730 h, a volume or
  /// snapshot its GiB at the EBS rate, an image its snapshots'; 0 for the free kinds (and
  /// for a snapshot counted in its image's row).
  double monthly_usd = 0;
  bool orphan = false;  ///< the store does not know it (nor the box or image it belongs to)
  /// An instance's spot request (cancelled before it is terminated); an image's snapshots.
  std::vector<std::string> related;
};

/// One region's resources, or why it could not be listed.
struct RegionInventory {
  std::string region;
  std::vector<TaggedResource> resources;
  std::optional<Error> error;
};

/// What `gc` did.
struct GcReport {
  int deleted = 0;
  std::vector<std::string> failures;  ///< "kind id: message"
};

class Inventory {
 public:
  /// `env` gives the clock for gc's waits; all must outlive this.
  Inventory(Env& env, Cloud& cloud, BoxStore& store, const Catalog& catalog);

  /// Lists every region of `regions`, `parallel`: each on a thread of its own, at once (the
  /// cloud's calls for different regions may run concurrently); else one after another.
  /// Regions come back in the order given; a region that fails has its error set.
  Result<std::vector<RegionInventory>> Take(const std::vector<std::string>& regions, bool parallel);

  /// Deletes the orphans of `inventory`, in an order that works: spot requests cancelled,
  /// instances terminated (and waited for, `wait_timeout_s` at most), detached volumes
  /// deleted, images deregistered with their snapshots, the remaining snapshots deleted, then
  /// key pairs and security groups (retried while an instance still holds them). One
  /// progress line per deletion; a failure is reported and the rest goes on.
  GcReport Collect(const std::vector<RegionInventory>& inventory, std::ostream& progress,
                   int wait_timeout_s = 600);

 private:
  /// What the store knows, for this cloud.
  struct Known;
  RegionInventory TakeRegion(const std::string& region, const Known& known);
  double InstanceUsdPerHour(const aws::Instance& instance, const std::string& region,
                            const Known& known) const;
  /// Waits until none of `instance_ids` is running or terminating any more.
  void WaitTerminated(const std::string& region, const std::vector<std::string>& instance_ids,
                      int wait_timeout_s);

  Env& env_;
  Cloud& cloud_;
  BoxStore& store_;
  const Catalog& catalog_;
};

}  // namespace gpubox
