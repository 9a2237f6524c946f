/// Images, key pairs, security groups and tags.

#include <algorithm>

#include "gpubox/aws/crypto.h"
#include "gpubox/local/ec2_decode.h"
#include "gpubox/local/ec2_paging.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_xml.h"
#include "gpubox/local/iso_time.h"
#include "gpubox/local/key_material.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

using Values = std::optional<std::vector<std::string>>;

Ec2Reply ErrorReply(const Ec2Error& error, const Ec2Request& request) {
  return {error.status, Ec2ErrorXml(error, request.request_id)};
}

Ec2Reply ReturnTrue(std::string_view action, const Ec2Request& request,
                    std::string_view extra_name = "", std::string_view extra_value = "") {
  XmlWriter xml = StartResponse(action, request.request_id);
  xml.Bool("return", true);
  if (!extra_name.empty()) xml.Text(extra_name, extra_value);
  return {200, xml.Finish()};
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

// ---------------------------------------------------------------- images

Ec2Reply Ec2Service::DescribeImages(const Ec2Request& request) {
  auto filters = request.Filters();
  auto ids = request.List("ImageId");
  auto owners = request.List("Owner");
  for (const std::string& id : ids) {
    auto found = images_.find(id);
    if (found == images_.end() || found->second.region != request.region) {
      return ErrorReply(
          {400, "InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist"}, request);
    }
  }
  XmlWriter xml = StartResponse("DescribeImages", request.request_id);
  xml.Open("imagesSet");
  for (const auto& [id, record] : images_) {
    const aws::Image& image = record.image;
    if (record.region != request.region) continue;
    if (!ids.empty() && !Contains(ids, id)) continue;
    if (!owners.empty()) {
      bool owned = false;
      for (const std::string& owner : owners) {
        if ((owner == "self" && image.owner_id == account_id_) || owner == image.owner_id ||
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
    if (auto error = CheckFilterNames(filters, values)) return ErrorReply(*error, request);
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
    if (record.region == request.region && record.image.owner_id == account_id_ &&
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
  image.owner_id = account_id_;
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
  image.tags = TagsFor(DecodeTagSpecifications(request), "image");
  images_[image.image_id] = record;
  Save(record);
  XmlWriter xml = StartResponse("CreateImage", request.request_id);
  xml.Text("imageId", image.image_id);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DeregisterImage(const Ec2Request& request) {
  const std::string& id = request.Get("ImageId");
  auto found = images_.find(id);
  if (found == images_.end() || found->second.region != request.region) {
    return ErrorReply({400, "InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist"},
                      request);
  }
  if (found->second.image.owner_id != account_id_) {
    return ErrorReply(
        {400, "InvalidAMIID.Unavailable", "The image '" + id + "' is not owned by this account"},
        request);
  }
  if (found->second.image.state == "available") (void)host_.DeleteSnapshot(id);
  images_.erase(found);
  (void)store_.Delete("image", id);
  return ReturnTrue("DeregisterImage", request);
}

// ---------------------------------------------------------------- key pairs

Ec2Reply Ec2Service::CreateKeyPair(const Ec2Request& request) {
  const std::string& name = request.Get("KeyName");
  if (name.empty()) return ErrorReply(MissingParameter("KeyName"), request);
  for (const auto& [id, record] : key_pairs_) {
    if (record.region == request.region && record.key_pair.key_name == name) {
      return ErrorReply(
          {400, "InvalidKeyPair.Duplicate", "The keypair '" + name + "' already exists."}, request);
    }
  }
  std::string type = request.Has("KeyType") ? request.Get("KeyType") : "rsa";
  auto material = GenerateKeyMaterial(type, name);
  if (!material) return ErrorReply(InvalidParameter(material.error().message), request);
  const aws::KeyPair& key = AddKeyPair(request, name, *material);
  XmlWriter xml = StartResponse("CreateKeyPair", request.request_id);
  xml.Text("keyName", key.key_name);
  xml.Text("keyFingerprint", key.key_fingerprint);
  xml.Text("keyMaterial", material->private_key);
  xml.Text("keyPairId", key.key_pair_id);
  WriteTags(xml, key.tags);
  return {200, xml.Finish()};
}

const aws::KeyPair& Ec2Service::AddKeyPair(const Ec2Request& request, const std::string& name,
                                           const KeyMaterial& material) {
  KeyPairRecord record;
  record.region = request.region;
  aws::KeyPair& key = record.key_pair;
  key.key_pair_id = NewId("key-");
  key.key_name = name;
  key.key_fingerprint = material.fingerprint;
  key.key_type = material.key_type;
  key.public_key = material.public_key;
  key.create_time = IsoTime(Now());
  key.tags = TagsFor(DecodeTagSpecifications(request), "key-pair");
  Save(record);
  return (key_pairs_[key.key_pair_id] = std::move(record)).key_pair;
}

Ec2Reply Ec2Service::ImportKeyPair(const Ec2Request& request) {
  const std::string& name = request.Get("KeyName");
  if (name.empty()) return ErrorReply(MissingParameter("KeyName"), request);
  if (!request.Has("PublicKeyMaterial")) {
    return ErrorReply(MissingParameter("PublicKeyMaterial"), request);
  }
  for (const auto& [id, record] : key_pairs_) {
    if (record.region == request.region && record.key_pair.key_name == name) {
      return ErrorReply(
          {400, "InvalidKeyPair.Duplicate", "The keypair '" + name + "' already exists."}, request);
    }
  }
  auto decoded = aws::Base64Decode(request.Get("PublicKeyMaterial"));
  auto material = ParsePublicKey(decoded ? *decoded : request.Get("PublicKeyMaterial"));
  if (!material) {
    return ErrorReply({400, "InvalidKey.Format", material.error().message}, request);
  }
  const aws::KeyPair& key = AddKeyPair(request, name, *material);
  XmlWriter xml = StartResponse("ImportKeyPair", request.request_id);
  xml.Text("keyFingerprint", key.key_fingerprint);
  xml.Text("keyName", key.key_name);
  xml.Text("keyPairId", key.key_pair_id);
  WriteTags(xml, key.tags);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DescribeKeyPairs(const Ec2Request& request) {
  auto filters = request.Filters();
  auto names = request.List("KeyName");
  auto ids = request.List("KeyPairId");
  bool include_public = EqualsIgnoreCase(request.Get("IncludePublicKey"), "true");
  std::vector<const aws::KeyPair*> matched;
  for (const auto& [id, record] : key_pairs_) {
    const aws::KeyPair& key = record.key_pair;
    if (record.region != request.region) continue;
    if (!names.empty() && !Contains(names, key.key_name)) continue;
    if (!ids.empty() && !Contains(ids, id)) continue;
    auto values = [&](const std::string& name) -> Values {
      if (name == "key-name") return std::vector{key.key_name};
      if (name == "key-pair-id") return std::vector{key.key_pair_id};
      if (name == "fingerprint") return std::vector{key.key_fingerprint};
      if (name == "key-type") return std::vector{key.key_type};
      return std::nullopt;
    };
    if (auto error = CheckFilterNames(filters, values)) return ErrorReply(*error, request);
    if (MatchesFilters(filters, key.tags, values)) matched.push_back(&key);
  }
  for (const std::string& name : names) {
    if (std::none_of(matched.begin(), matched.end(),
                     [&](const aws::KeyPair* key) { return key->key_name == name; })) {
      return ErrorReply(
          {400, "InvalidKeyPair.NotFound", "The key pair '" + name + "' does not exist"}, request);
    }
  }
  for (const std::string& id : ids) {
    if (std::none_of(matched.begin(), matched.end(),
                     [&](const aws::KeyPair* key) { return key->key_pair_id == id; })) {
      return ErrorReply(
          {400, "InvalidKeyPair.NotFound", "The key pair '" + id + "' does not exist"}, request);
    }
  }
  XmlWriter xml = StartResponse("DescribeKeyPairs", request.request_id);
  xml.Open("keySet");
  for (const aws::KeyPair* key : matched) {
    aws::KeyPair shown = *key;
    if (!include_public) shown.public_key.clear();
    xml.Open("item");
    WriteKeyPair(xml, shown);
    xml.Close();
  }
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DeleteKeyPair(const Ec2Request& request) {
  const std::string& name = request.Get("KeyName");
  const std::string& id = request.Get("KeyPairId");
  if (name.empty() && id.empty()) return ErrorReply(MissingParameter("KeyName"), request);
  std::string deleted_id;
  for (auto it = key_pairs_.begin(); it != key_pairs_.end(); ++it) {
    if (it->second.region != request.region) continue;
    if ((!name.empty() && it->second.key_pair.key_name == name) ||
        (!id.empty() && it->first == id)) {
      deleted_id = it->first;
      (void)store_.Delete("key_pair", it->first);
      key_pairs_.erase(it);
      break;
    }
  }
  if (deleted_id.empty() && !id.empty()) {
    return ErrorReply({400, "InvalidKeyPair.NotFound", "The key pair '" + id + "' does not exist"},
                      request);
  }
  return ReturnTrue("DeleteKeyPair", request, deleted_id.empty() ? "" : "keyPairId", deleted_id);
}

// ---------------------------------------------------------------- tags

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
      if (found != instances_.end() && found->second.region == request.region) {
        target = &found->second.instance.tags;
      }
    } else if (id.starts_with("ami-")) {
      code = "InvalidAMIID.NotFound";
      auto found = images_.find(id);
      if (found != images_.end() && found->second.region == request.region &&
          found->second.image.owner_id == account_id_) {
        target = &found->second.image.tags;
      }
    } else if (id.starts_with("sg-")) {
      code = "InvalidGroup.NotFound";
      auto found = groups_.find(id);
      if (found != groups_.end() && found->second.region == request.region) {
        target = &found->second.group.tags;
      }
    } else if (id.starts_with("key-")) {
      code = "InvalidKeyPair.NotFound";
      auto found = key_pairs_.find(id);
      if (found != key_pairs_.end() && found->second.region == request.region) {
        target = &found->second.key_pair.tags;
      }
    }
    if (target == nullptr) {
      return ErrorReply({400, code, "The ID '" + id + "' does not exist"}, request);
    }
    targets.push_back(target);
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
