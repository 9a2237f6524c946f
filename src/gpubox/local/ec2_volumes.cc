/// Volumes and snapshots. A volume is an instance's root disk: described from the instance
/// (in use from launch until the instance is terminated, when it goes with it). A snapshot
/// is made by CreateImage and stays until DeleteSnapshot, after its image too (as on EC2).

#include <algorithm>

#include "gpubox/local/ec2_paging.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_xml.h"

namespace gpubox::local {
namespace {

using Values = std::optional<std::vector<std::string>>;

bool Listed(const std::vector<std::string>& ids, const std::string& id) {
  return ids.empty() || std::find(ids.begin(), ids.end(), id) != ids.end();
}

Values VolumeValues(const aws::Volume& volume, const std::string& name) {
  const aws::VolumeAttachment* attached =
      volume.attachments.empty() ? nullptr : &volume.attachments.front();
  auto attachment = [&](const std::string& value) {
    return attached ? std::vector{value} : std::vector<std::string>{};
  };
  if (name == "volume-id") return std::vector{volume.volume_id};
  if (name == "status") return std::vector{volume.state};
  if (name == "availability-zone") return std::vector{volume.availability_zone};
  if (name == "size") return std::vector{std::to_string(volume.size)};
  if (name == "volume-type") return std::vector{volume.volume_type};
  if (name == "snapshot-id") return std::vector{volume.snapshot_id};
  if (name == "create-time") return std::vector{volume.create_time};
  if (name == "encrypted") return std::vector<std::string>{volume.encrypted ? "true" : "false"};
  if (name == "attachment.instance-id") return attachment(attached ? attached->instance_id : "");
  if (name == "attachment.status") return attachment(attached ? attached->state : "");
  if (name == "attachment.device") return attachment(attached ? attached->device : "");
  if (name == "attachment.delete-on-termination") {
    return attachment(attached && attached->delete_on_termination ? "true" : "false");
  }
  return std::nullopt;
}

Values SnapshotValues(const aws::Snapshot& snapshot, const std::string& name) {
  if (name == "snapshot-id") return std::vector{snapshot.snapshot_id};
  if (name == "status") return std::vector{snapshot.state};
  if (name == "volume-id") return std::vector{snapshot.volume_id};
  if (name == "owner-id") return std::vector{snapshot.owner_id};
  if (name == "volume-size") return std::vector{std::to_string(snapshot.volume_size)};
  if (name == "description") return std::vector{snapshot.description};
  if (name == "progress") return std::vector{snapshot.progress};
  if (name == "start-time") return std::vector{snapshot.start_time};
  if (name == "storage-tier") return std::vector{snapshot.storage_tier};
  if (name == "encrypted") return std::vector<std::string>{snapshot.encrypted ? "true" : "false"};
  return std::nullopt;
}

Ec2Error VolumeNotFound(const std::string& id) {
  return {400, "InvalidVolume.NotFound", "The volume '" + id + "' does not exist."};
}

Ec2Error SnapshotNotFound(const std::string& id) {
  return {400, "InvalidSnapshot.NotFound", "The snapshot '" + id + "' does not exist."};
}

}  // namespace

void Ec2Service::AddImageSnapshot(const ImageRecord& image, const std::string& volume_id) {
  const aws::Image& made = image.image;
  if (made.block_device_mappings.empty() || !made.block_device_mappings[0].ebs ||
      !made.block_device_mappings[0].ebs->snapshot_id) {
    return;
  }
  const aws::EbsBlockDevice& ebs = *made.block_device_mappings[0].ebs;
  SnapshotRecord record;
  record.region = image.region;
  record.image_id = made.image_id;
  aws::Snapshot& snapshot = record.snapshot;
  snapshot.snapshot_id = *ebs.snapshot_id;
  snapshot.volume_id = volume_id.empty() ? "vol-ffffffff" : volume_id;  // EC2's "unknown"
  snapshot.state = made.state == "available" ? "completed"
                   : made.state == "failed"  ? "error"
                                             : "pending";
  snapshot.start_time = made.creation_date;
  snapshot.progress = snapshot.state == "completed" ? "100%" : "0%";
  snapshot.owner_id = made.owner_id;
  snapshot.description =
      "Created by CreateImage(" + image.source_instance_id + ") for " + made.image_id;
  snapshot.volume_size = ebs.volume_size.value_or(0);
  snapshot.storage_tier = "standard";
  snapshot.tags = made.tags;
  snapshots_[snapshot.snapshot_id] = record;
  Save(record);
}

Ec2Reply Ec2Service::DescribeVolumes(const Ec2Request& request) {
  auto filters = request.Filters();
  auto ids = request.List("VolumeId");
  if (auto ok = CheckFilterNames(
          filters, [](const std::string& name) { return VolumeValues(aws::Volume{}, name); });
      !ok) {
    return ErrorReply(ok.error(), request);
  }
  std::vector<aws::Volume> volumes;
  for (const auto& [id, record] : instances_) {
    const aws::Instance& instance = record.instance;
    if (record.region != request.region || !OwnedByCaller(request, record.owner_id) ||
        instance.state.code == kTerminated || instance.block_device_mappings.empty()) {
      continue;
    }
    const aws::InstanceBlockDeviceMapping& disk = instance.block_device_mappings.front();
    aws::Volume volume;
    volume.volume_id = disk.volume_id;
    volume.size = instance.root_volume_size_gib;
    if (auto image = images_.find(instance.image_id);
        image != images_.end() && !image->second.image.block_device_mappings.empty() &&
        image->second.image.block_device_mappings[0].ebs) {
      volume.snapshot_id =
          image->second.image.block_device_mappings[0].ebs->snapshot_id.value_or("");
    }
    volume.availability_zone = instance.placement.availability_zone.value_or("");
    volume.state = "in-use";
    volume.create_time = disk.attach_time;
    volume.attachments.push_back({disk.volume_id, id, disk.device_name, "attached",
                                  disk.attach_time, disk.delete_on_termination});
    volume.volume_type = "gp3";
    volume.iops = 3000;
    volume.tags = record.volume_tags;
    volumes.push_back(std::move(volume));
  }
  for (const std::string& id : ids) {
    if (std::none_of(volumes.begin(), volumes.end(),
                     [&](const aws::Volume& volume) { return volume.volume_id == id; })) {
      return ErrorReply(VolumeNotFound(id), request);
    }
  }
  std::vector<const aws::Volume*> matched;
  for (const aws::Volume& volume : volumes) {
    if (!Listed(ids, volume.volume_id)) continue;
    if (MatchesFilters(filters, volume.tags,
                       [&](const std::string& name) { return VolumeValues(volume, name); })) {
      matched.push_back(&volume);
    }
  }
  std::sort(matched.begin(), matched.end(),
            [](auto* a, auto* b) { return a->volume_id < b->volume_id; });
  auto page = PageOf(request, matched.size(), 0, 500);
  if (!page) return ErrorReply(page.error(), request);
  XmlWriter xml = StartResponse("DescribeVolumes", request.request_id);
  xml.Open("volumeSet");
  for (size_t index = page->begin; index < page->end; ++index) {
    xml.Open("item");
    WriteVolume(xml, *matched[index]);
    xml.Close();
  }
  xml.Close();
  xml.TextIfSet("nextToken", page->next_token);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DeleteVolume(const Ec2Request& request) {
  const std::string& id = request.Get("VolumeId");
  if (id.empty()) return ErrorReply(MissingParameter("VolumeId"), request);
  // Every local volume is an instance's root disk: attached until it goes with the instance.
  for (const auto& [instance_id, record] : instances_) {
    if (record.region != request.region || !OwnedByCaller(request, record.owner_id) ||
        record.instance.state.code == kTerminated) {
      continue;
    }
    for (const aws::InstanceBlockDeviceMapping& disk : record.instance.block_device_mappings) {
      if (disk.volume_id == id) {
        return ErrorReply(
            {400, "VolumeInUse", "Volume " + id + " is currently attached to " + instance_id},
            request);
      }
    }
  }
  return ErrorReply(VolumeNotFound(id), request);
}

Ec2Reply Ec2Service::DescribeSnapshots(const Ec2Request& request) {
  auto filters = request.Filters();
  auto ids = request.List("SnapshotId");
  auto owners = request.List("Owner");
  if (auto ok = CheckFilterNames(
          filters, [](const std::string& name) { return SnapshotValues(aws::Snapshot{}, name); });
      !ok) {
    return ErrorReply(ok.error(), request);
  }
  // The caller's own snapshots (the built-in images' are not anyone's to list).
  auto visible = [&](const SnapshotRecord& record) {
    return record.region == request.region && OwnedByCaller(request, record.snapshot.owner_id);
  };
  for (const std::string& id : ids) {
    auto found = snapshots_.find(id);
    if (found == snapshots_.end() || !visible(found->second)) {
      return ErrorReply(SnapshotNotFound(id), request);
    }
  }
  std::vector<const aws::Snapshot*> matched;
  for (const auto& [id, record] : snapshots_) {
    if (!visible(record) || !Listed(ids, id)) continue;
    const aws::Snapshot& snapshot = record.snapshot;
    if (!owners.empty() &&
        std::none_of(owners.begin(), owners.end(), [&](const std::string& owner) {
          return owner == "self" || owner == CallerAccount(request);
        })) {
      continue;
    }
    if (MatchesFilters(filters, snapshot.tags,
                       [&](const std::string& name) { return SnapshotValues(snapshot, name); })) {
      matched.push_back(&snapshot);
    }
  }
  auto page = PageOf(request, matched.size(), 0, 1000);
  if (!page) return ErrorReply(page.error(), request);
  XmlWriter xml = StartResponse("DescribeSnapshots", request.request_id);
  xml.Open("snapshotSet");
  for (size_t index = page->begin; index < page->end; ++index) {
    xml.Open("item");
    WriteSnapshot(xml, *matched[index]);
    xml.Close();
  }
  xml.Close();
  xml.TextIfSet("nextToken", page->next_token);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DeleteSnapshot(const Ec2Request& request) {
  const std::string& id = request.Get("SnapshotId");
  if (id.empty()) return ErrorReply(MissingParameter("SnapshotId"), request);
  auto found = snapshots_.find(id);
  if (found == snapshots_.end() || found->second.region != request.region ||
      !OwnedByCaller(request, found->second.snapshot.owner_id)) {
    return ErrorReply(SnapshotNotFound(id), request);
  }
  if (images_.count(found->second.image_id)) {
    return ErrorReply({400, "InvalidSnapshot.InUse",
                       "The snapshot " + id + " is currently in use by " + found->second.image_id},
                      request);
  }
  snapshots_.erase(found);
  (void)store_.Delete("snapshot", id);
  return ReturnTrue("DeleteSnapshot", request);
}

}  // namespace gpubox::local
