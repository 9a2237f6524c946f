/// Images: describe, create (a snapshot of an instance's disk), deregister.

#include <algorithm>

#include "gpubox/local/ec2_decode.h"
#include "gpubox/local/ec2_paging.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_xml.h"
#include "gpubox/local/iso_time.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

using Values = std::optional<std::vector<std::string>>;

}  // namespace

Ec2Reply Ec2Service::DescribeImages(const Ec2Request& request) {
  auto filters = request.Filters();
  auto ids = request.List("ImageId");
  auto owners = request.List("Owner");
  // Visible: the public (built-in) images and the caller's own.
  auto visible = [&](const ImageRecord& record) {
    return record.image.is_public || OwnedByCaller(request, record.image.owner_id);
  };
  for (const std::string& id : ids) {
    auto found = images_.find(id);
    if (found == images_.end() || found->second.region != request.region ||
        !visible(found->second)) {
      return ErrorReply(
          {400, "InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist"}, request);
    }
  }
  XmlWriter xml = StartResponse("DescribeImages", request.request_id);
  xml.Open("imagesSet");
  for (const auto& [id, record] : images_) {
    const aws::Image& image = record.image;
    if (record.region != request.region || !visible(record)) continue;
    if (!ids.empty() && !Contains(ids, id)) continue;
    if (!owners.empty()) {
      bool owned = false;
      for (const std::string& owner : owners) {
        if ((owner == "self" && OwnedByCaller(request, image.owner_id)) ||
            owner == image.owner_id ||
            (!image.image_owner_alias.empty() && owner == image.image_owner_alias)) {
          owned = true;
        }
      }
      if (!owned) continue;
    }
    auto values = [&](const std::string& name) -> Values {
      if (name == "image-id") return std::vector{image.image_id};
      if (name == "name") return std::vector{image.name};
      if (name == "description") return std::vector{image.description};
      if (name == "state") return std::vector{image.state};
      if (name == "owner-id") return std::vector{image.owner_id};
      if (name == "owner-alias") return std::vector{image.image_owner_alias};
      if (name == "architecture") return std::vector{image.architecture};
      if (name == "root-device-type") return std::vector{image.root_device_type};
      if (name == "virtualization-type") return std::vector{image.virtualization_type};
      if (name == "platform-details") return std::vector{image.platform_details};
      if (name == "image-type") return std::vector<std::string>{"machine"};
      if (name == "is-public") return std::vector<std::string>{image.is_public ? "true" : "false"};
      return std::nullopt;
    };
    if (auto ok = CheckFilterNames(filters, values); !ok) return ErrorReply(ok.error(), request);
    if (!MatchesFilters(filters, image.tags, values)) continue;
    xml.Open("item");
    WriteImage(xml, image);
    xml.Close();
  }
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::CreateImage(const Ec2Request& request) {
  const std::string& instance_id = request.Get("InstanceId");
  const std::string& name = request.Get("Name");
  if (instance_id.empty()) return ErrorReply(MissingParameter("InstanceId"), request);
  if (name.empty()) return ErrorReply(MissingParameter("Name"), request);
  auto instance = instances_.find(instance_id);
  if (instance == instances_.end() || instance->second.region != request.region ||
      !OwnedByCaller(request, instance->second.owner_id) ||
      instance->second.instance.state.code == kTerminated) {
    return ErrorReply(
        {400, "InvalidInstanceID.NotFound", "The instance ID '" + instance_id + "' does not exist"},
        request);
  }
  int state = instance->second.instance.state.code;
  if (state != kRunning && state != kStopped) {
    return ErrorReply({400, "IncorrectState",
                       "Instance '" + instance_id +
                           "' is not in a state from which it can be "
                           "imaged."},
                      request);
  }
  for (const auto& [id, record] : images_) {
    if (record.region == request.region && OwnedByCaller(request, record.image.owner_id) &&
        record.image.name == name) {
      return ErrorReply(
          {400, "InvalidAMIName.Duplicate", "AMI name " + name + " is already in use by AMI " + id},
          request);
    }
  }
  const InstanceRecord& source = instance->second;
  ImageRecord record;
  record.region = request.region;
  record.source_instance_id = instance_id;
  aws::Image& image = record.image;
  image.image_id = NewId("ami-");
  image.name = name;
  image.description = request.Get("Description");
  image.state = "pending";
  image.owner_id = CallerAccount(request);
  image.architecture = source.instance.architecture;
  image.creation_date = IsoTime(Now());
  image.root_device_name = "/dev/sda1";
  image.root_device_type = "ebs";
  image.virtualization_type = "hvm";
  image.platform_details = "Linux/UNIX";
  aws::EbsBlockDevice ebs;
  ebs.snapshot_id = NewId("snap-");
  ebs.volume_size = source.instance.root_volume_size_gib;
  ebs.volume_type = "gp3";
  ebs.delete_on_termination = true;
  image.block_device_mappings.push_back({"/dev/sda1", std::nullopt, ebs, std::nullopt});
  auto specifications = DecodeTagSpecifications(request);
  image.tags = TagsFor(specifications, "image");
  images_[image.image_id] = record;
  Save(record);
  AddImageSnapshot(record, source.instance.block_device_mappings.empty()
                               ? ""
                               : source.instance.block_device_mappings[0].volume_id);
  SnapshotRecord& snapshot = snapshots_[*ebs.snapshot_id];
  snapshot.snapshot.tags = TagsFor(specifications, "snapshot");
  Save(snapshot);
  XmlWriter xml = StartResponse("CreateImage", request.request_id);
  xml.Text("imageId", image.image_id);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DeregisterImage(const Ec2Request& request) {
  const std::string& id = request.Get("ImageId");
  auto found = images_.find(id);
  if (found == images_.end() || found->second.region != request.region ||
      (!found->second.image.is_public && !OwnedByCaller(request, found->second.image.owner_id))) {
    return ErrorReply({400, "InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist"},
                      request);
  }
  if (!OwnedByCaller(request, found->second.image.owner_id)) {
    return ErrorReply(
        {400, "InvalidAMIID.Unavailable", "The image '" + id + "' is not owned by this account"},
        request);
  }
  // The host's copy is freed (only an image can use it here); the snapshot's record stays,
  // as EC2 keeps the snapshot, until DeleteSnapshot.
  if (found->second.image.state == "available") (void)host_.DeleteSnapshot(id);
  images_.erase(found);
  (void)store_.Delete("image", id);
  return ReturnTrue("DeregisterImage", request);
}

}  // namespace gpubox::local
