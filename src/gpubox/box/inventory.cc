#include "gpubox/box/inventory.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <thread>

#include "gpubox/box/instance_facts.h"
#include "gpubox/catalog/disk_price.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

using aws::instance_state::kRunning;
using aws::instance_state::kShuttingDown;
using aws::instance_state::kTerminated;

constexpr const char* kKindNames[] = {"spot-request", "instance", "volume",        "image",
                                      "snapshot",     "key-pair", "security-group"};

std::string BoxOf(const std::vector<aws::Tag>& tags) {
  for (const aws::Tag& tag : tags) {
    if (tag.key == kBoxTag) return tag.value;
  }
  return "";
}

std::string Gib(int gib) { return std::to_string(gib) + " GiB"; }

/// The image a snapshot was made for, from CreateImage's description
/// ("Created by CreateImage(i-...) for ami-..."); "" when it does not say.
std::string ImageOfSnapshot(const aws::Snapshot& snapshot) {
  size_t at = snapshot.description.find(" for ami-");
  if (at == std::string::npos) return "";
  std::string rest = snapshot.description.substr(at + 5);
  return rest.substr(0, rest.find(' '));
}

}  // namespace

const char* ResourceKindName(ResourceKind kind) { return kKindNames[static_cast<int>(kind)]; }

struct Inventory::Known {
  std::set<std::string> instances, key_names, group_ids, images, launching_boxes;
  std::map<std::string, double> price_by_instance;
};

Inventory::Inventory(Env& env, Cloud& cloud, BoxStore& store, const Catalog& catalog)
    : env_(env), cloud_(cloud), store_(store), catalog_(catalog) {}

double Inventory::InstanceUsdPerHour(const aws::Instance& instance, const std::string& region,
                                     const Known& known) const {
  if (auto price = known.price_by_instance.find(instance.instance_id);
      price != known.price_by_instance.end()) {
    return price->second;
  }
  // Unknown to the store: the catalog's price of its type, region and market.
  auto type = catalog_.FindType(instance.instance_type);
  auto region_idx = catalog_.FindRegion(region);
  if (!type || !region_idx) return 0;
  Market market = InstanceMarket(instance);
  for (const Offer& offer : catalog_.offers()) {
    if (offer.type_idx == *type && offer.region_idx == *region_idx && offer.market == market) {
      return offer.price_usd_hr;
    }
  }
  return 0;
}

RegionInventory Inventory::TakeRegion(const std::string& region, const Known& known) {
  RegionInventory out{region, {}, std::nullopt};
  const std::vector<aws::Filter> tagged = {{"tag-key", {kBoxTag}}};
  auto fail = [&](const Error& error) {
    out.error = error;
    return out;
  };
  auto add = [&](ResourceKind kind, std::string id, const std::vector<aws::Tag>& tags,
                 std::string state, std::string detail, double monthly, bool orphan) {
    out.resources.push_back({region,
                             kind,
                             std::move(id),
                             BoxOf(tags),
                             std::move(state),
                             std::move(detail),
                             monthly,
                             orphan,
                             {}});
    return &out.resources.back();
  };

  auto instances = cloud_.DescribeInstances(region, tagged);
  if (!instances) return fail(instances.error());
  std::set<std::string> orphan_instances;
  for (const aws::Instance& instance : *instances) {
    if (instance.state.code == kTerminated) continue;
    bool orphan = !known.instances.count(instance.instance_id);
    if (orphan) orphan_instances.insert(instance.instance_id);
    double monthly = instance.state.code == kRunning
                         ? InstanceUsdPerHour(instance, region, known) * kHoursPerMonth
                         : 0;
    TaggedResource* row =
        add(ResourceKind::kInstance, instance.instance_id, instance.tags, instance.state.name,
            instance.instance_type + " " + MarketName(InstanceMarket(instance)), monthly, orphan);
    if (!instance.spot_instance_request_id.empty()) {
      row->related.push_back(instance.spot_instance_request_id);
    }
  }

  auto requests = cloud_.DescribeSpotRequests(region, tagged);
  if (!requests) return fail(requests.error());
  for (const aws::SpotInstanceRequest& request : *requests) {
    if (request.state == "cancelled" || request.state == "closed") continue;  // inert
    bool orphan = request.instance_id.empty() ? !known.launching_boxes.count(BoxOf(request.tags))
                                              : !known.instances.count(request.instance_id);
    add(ResourceKind::kSpotRequest, request.spot_instance_request_id, request.tags, request.state,
        request.type + (request.instance_id.empty() ? "" : " for " + request.instance_id), 0,
        orphan);
  }

  auto volumes = cloud_.DescribeVolumes(region, tagged);
  if (!volumes) return fail(volumes.error());
  for (const aws::Volume& volume : *volumes) {
    std::string instance_id = volume.attachments.empty() ? "" : volume.attachments[0].instance_id;
    bool orphan = instance_id.empty() || !known.instances.count(instance_id);
    add(ResourceKind::kVolume, volume.volume_id, volume.tags, volume.state,
        Gib(volume.size) + " " + volume.volume_type +
            (instance_id.empty() ? "" : " on " + instance_id),
        volume.size * DiskUsdPerGibMonth(region), orphan);
  }

  auto images = cloud_.DescribeImages(region, tagged, {"self"});
  if (!images) return fail(images.error());
  std::map<std::string, std::string> image_of_snapshot;
  std::set<std::string> orphan_images;
  for (const aws::Image& image : *images) {
    bool orphan = !known.images.count(image.image_id);
    if (orphan) orphan_images.insert(image.image_id);
    int gib = 0;
    std::vector<std::string> snapshots;
    for (const aws::BlockDeviceMapping& mapping : image.block_device_mappings) {
      if (!mapping.ebs) continue;
      gib += mapping.ebs->volume_size.value_or(0);
      if (mapping.ebs->snapshot_id) {
        snapshots.push_back(*mapping.ebs->snapshot_id);
        image_of_snapshot[*mapping.ebs->snapshot_id] = image.image_id;
      }
    }
    TaggedResource* row = add(ResourceKind::kImage, image.image_id, image.tags, image.state,
                              image.name + ", " + Gib(gib) + " in snapshots",
                              gib * SnapshotUsdPerGibMonth(region), orphan);
    row->related = snapshots;
  }

  auto snapshots = cloud_.DescribeSnapshots(region, tagged);
  if (!snapshots) return fail(snapshots.error());
  for (const aws::Snapshot& snapshot : *snapshots) {
    auto listed = image_of_snapshot.find(snapshot.snapshot_id);
    std::string image =
        listed != image_of_snapshot.end() ? listed->second : ImageOfSnapshot(snapshot);
    bool of_listed_image = listed != image_of_snapshot.end();
    // A snapshot belongs with its image: kept while the image is known, an orphan once the
    // image is gone (or unknown).
    bool orphan = of_listed_image ? orphan_images.count(image) > 0 : !known.images.count(image);
    add(ResourceKind::kSnapshot, snapshot.snapshot_id, snapshot.tags, snapshot.state,
        Gib(snapshot.volume_size) +
            (image.empty() ? "" : (of_listed_image ? " in " : " of gone ") + image),
        of_listed_image ? 0 : snapshot.volume_size * SnapshotUsdPerGibMonth(region), orphan);
  }

  auto keys = cloud_.DescribeKeyPairs(region, tagged);
  if (!keys) return fail(keys.error());
  for (const aws::KeyPair& key : *keys) {
    add(ResourceKind::kKeyPair, key.key_name, key.tags, "", key.key_type, 0,
        !known.key_names.count(key.key_name));
  }
  auto groups = cloud_.DescribeSecurityGroups(region, tagged);
  if (!groups) return fail(groups.error());
  for (const aws::SecurityGroup& group : *groups) {
    add(ResourceKind::kSecurityGroup, group.group_id, group.tags, "", group.group_name, 0,
        !known.group_ids.count(group.group_id));
  }
  return out;
}

Result<std::vector<RegionInventory>> Inventory::Take(const std::vector<std::string>& regions,
                                                     bool parallel) {
  Known known;
  for (const BoxRecord& box : GPUBOX_TRY(store_.List())) {
    if (box.cloud != cloud_.name()) continue;
    for (const std::string* id : {&box.instance_id, &box.recovering_from}) {
      if (id->empty()) continue;
      known.instances.insert(*id);
      known.price_by_instance[*id] = box.price_usd_hr;
    }
    if (!box.key_name.empty()) known.key_names.insert(box.key_name);
    if (!box.security_group_id.empty()) known.group_ids.insert(box.security_group_id);
    for (const std::string* id : {&box.image_id, &box.recovery_image}) {
      if (!id->empty()) known.images.insert(*id);
    }
    if (box.state == BoxState::kLaunching) known.launching_boxes.insert(box.name);
  }
  for (const BakedImage& image : GPUBOX_TRY(store_.BakedImages())) {
    if (image.cloud == cloud_.name()) known.images.insert(image.image_id);
  }
  std::vector<RegionInventory> out(regions.size());
  if (!parallel) {
    for (size_t idx = 0; idx < regions.size(); ++idx) out[idx] = TakeRegion(regions[idx], known);
    return out;
  }
  std::vector<std::thread> threads;
  threads.reserve(regions.size());
  for (size_t idx = 0; idx < regions.size(); ++idx) {
    threads.emplace_back([&, idx] { out[idx] = TakeRegion(regions[idx], known); });
  }
  for (std::thread& thread : threads) thread.join();
  return out;
}

void Inventory::WaitTerminated(const std::string& region,
                               const std::vector<std::string>& instance_ids, int wait_timeout_s) {
  if (instance_ids.empty()) return;
  int64_t deadline = env_.clock->NowMicros() + int64_t{wait_timeout_s} * 1'000'000;
  while (env_.clock->NowMicros() < deadline) {
    auto instances = cloud_.DescribeInstances(region, {{"instance-id", instance_ids}});
    if (instances && std::all_of(instances->begin(), instances->end(), [](const auto& instance) {
          return instance.state.code == kTerminated;
        })) {
      return;
    }
    env_.clock->SleepMicros(cloud_.StatePollMicros());
  }
}

GcReport Inventory::Collect(const std::vector<RegionInventory>& inventory, std::ostream& progress,
                            int wait_timeout_s) {
  GcReport report;
  auto done = [&](const TaggedResource& resource, const Result<void>& result, const char* verb) {
    if (result) {
      ++report.deleted;
      progress << "gpubox: " << verb << ' ' << ResourceKindName(resource.kind) << ' ' << resource.id
               << " (" << resource.region << ")\n";
    } else {
      report.failures.push_back(std::string(ResourceKindName(resource.kind)) + " " + resource.id +
                                ": " + result.error().message);
    }
  };
  for (const RegionInventory& region : inventory) {
    std::vector<const TaggedResource*> orphans;
    for (const TaggedResource& resource : region.resources) {
      if (resource.orphan) orphans.push_back(&resource);
    }
    std::stable_sort(orphans.begin(), orphans.end(),
                     [](auto* a, auto* b) { return a->kind < b->kind; });
    std::set<std::string> cancelled, snapshots_gone;
    std::vector<std::string> terminated;
    for (const TaggedResource* orphan : orphans) {
      const TaggedResource& resource = *orphan;
      const std::string& where = region.region;
      switch (resource.kind) {
        case ResourceKind::kSpotRequest:
          if (cancelled.insert(resource.id).second) {
            done(resource, cloud_.CancelSpotRequest(where, resource.id), "cancelled");
          }
          break;
        case ResourceKind::kInstance: {
          // Its request first (even untagged), else a persistent one launches a replacement.
          for (const std::string& request : resource.related) {
            if (cancelled.insert(request).second) (void)cloud_.CancelSpotRequest(where, request);
          }
          auto gone = cloud_.TerminateInstance(where, resource.id);
          if (gone) terminated.push_back(resource.id);
          done(resource, gone, "terminated");
          break;
        }
        case ResourceKind::kVolume:
          WaitTerminated(where, terminated, wait_timeout_s);
          terminated.clear();
          // An orphan instance's volume went with it; a detached one is deleted.
          if (resource.state == "available") {
            done(resource, cloud_.DeleteVolume(where, resource.id), "deleted");
          } else {
            auto left = cloud_.DescribeVolumes(where, {{"volume-id", {resource.id}}});
            if (left && !left->empty() && left->front().state == "available") {
              done(resource, cloud_.DeleteVolume(where, resource.id), "deleted");
            } else if (left && left->empty()) {
              done(resource, Result<void>{}, "deleted (with its instance)");
            } else {
              report.failures.push_back("volume " + resource.id + ": still " +
                                        (left && !left->empty() ? left->front().state : "unknown"));
            }
          }
          break;
        case ResourceKind::kImage:
          for (const std::string& snapshot : resource.related) snapshots_gone.insert(snapshot);
          done(resource, cloud_.DeregisterImage(where, resource.id), "deregistered");
          break;
        case ResourceKind::kSnapshot:
          if (snapshots_gone.count(resource.id)) {
            done(resource, Result<void>{}, "deleted (with its image)");
          } else {
            done(resource, cloud_.DeleteSnapshot(where, resource.id), "deleted");
          }
          break;
        case ResourceKind::kKeyPair:
          done(resource, cloud_.DeleteKeyPair(where, resource.id), "deleted");
          break;
        case ResourceKind::kSecurityGroup: {
          WaitTerminated(where, terminated, wait_timeout_s);
          terminated.clear();
          // An instance that is still shutting down holds its group: retry until it lets go.
          int64_t deadline = env_.clock->NowMicros() + int64_t{wait_timeout_s} * 1'000'000;
          auto deleted = cloud_.DeleteSecurityGroup(where, resource.id);
          while (!deleted && deleted.error().cloud_code == "DependencyViolation" &&
                 env_.clock->NowMicros() < deadline) {
            env_.clock->SleepMicros(cloud_.StatePollMicros() * 4);
            deleted = cloud_.DeleteSecurityGroup(where, resource.id);
          }
          done(resource, deleted, "deleted");
          break;
        }
      }
    }
  }
  return report;
}

}  // namespace gpubox
