/// CreateTags over instances, images, security groups and key pairs.

#include "gpubox/local/ec2_decode.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_validation.h"
#include "gpubox/local/ec2_xml.h"

namespace gpubox::local {

Ec2Reply Ec2Service::CreateTags(const Ec2Request& request) {
  auto resources = request.List("ResourceId");
  auto tags = DecodeTags(request, "Tag");
  if (resources.empty()) return ErrorReply(MissingParameter("ResourceId"), request);
  // Check all first: EC2 tags nothing when one resource is missing.
  std::vector<std::vector<aws::Tag>*> targets;
  for (const std::string& id : resources) {
    std::vector<aws::Tag>* target = nullptr;
    std::string code = "InvalidID";
    if (id.starts_with("i-")) {
      code = "InvalidInstanceID.NotFound";
      auto found = instances_.find(id);
      if (found != instances_.end() && found->second.region == request.region &&
          OwnedByCaller(request, found->second.owner_id)) {
        target = &found->second.instance.tags;
      }
    } else if (id.starts_with("ami-")) {
      code = "InvalidAMIID.NotFound";
      auto found = images_.find(id);
      if (found != images_.end() && found->second.region == request.region &&
          OwnedByCaller(request, found->second.image.owner_id)) {
        target = &found->second.image.tags;
      }
    } else if (id.starts_with("sg-")) {
      code = "InvalidGroup.NotFound";
      auto found = groups_.find(id);
      if (found != groups_.end() && found->second.region == request.region &&
          OwnedByCaller(request, found->second.group.owner_id)) {
        target = &found->second.group.tags;
      }
    } else if (id.starts_with("key-")) {
      code = "InvalidKeyPair.NotFound";
      auto found = key_pairs_.find(id);
      if (found != key_pairs_.end() && found->second.region == request.region &&
          OwnedByCaller(request, found->second.owner_id)) {
        target = &found->second.key_pair.tags;
      }
    }
    if (target == nullptr) {
      return ErrorReply({400, code, "The ID '" + id + "' does not exist"}, request);
    }
    targets.push_back(target);
  }
  if (auto ok = CheckTags(tags); !ok) return ErrorReply(ok.error(), request);
  for (auto* target : targets) {
    std::vector<aws::Tag> merged = *target;
    MergeTags(merged, tags);
    if (auto ok = CheckTags(merged); !ok) return ErrorReply(ok.error(), request);
  }
  for (auto* target : targets) MergeTags(*target, tags);
  for (const std::string& id : resources) {
    if (id.starts_with("i-")) Save(instances_[id]);
    if (id.starts_with("ami-")) Save(images_[id]);
    if (id.starts_with("sg-")) Save(groups_[id]);
    if (id.starts_with("key-")) Save(key_pairs_[id]);
  }
  return ReturnTrue("CreateTags", request);
}

}  // namespace gpubox::local
