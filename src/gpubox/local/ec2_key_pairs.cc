/// Key pairs: create, import, describe, delete.

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

}  // namespace

Ec2Reply Ec2Service::CreateKeyPair(const Ec2Request& request) {
  const std::string& name = request.Get("KeyName");
  if (name.empty()) return ErrorReply(MissingParameter("KeyName"), request);
  for (const auto& [id, record] : key_pairs_) {
    if (record.region == request.region && record.key_pair.key_name == name &&
        OwnedByCaller(request, record.owner_id)) {
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
  record.owner_id = CallerAccount(request);
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
    if (record.region == request.region && record.key_pair.key_name == name &&
        OwnedByCaller(request, record.owner_id)) {
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
    if (record.region != request.region || !OwnedByCaller(request, record.owner_id)) continue;
    if (!names.empty() && !Contains(names, key.key_name)) continue;
    if (!ids.empty() && !Contains(ids, id)) continue;
    auto values = [&](const std::string& name) -> Values {
      if (name == "key-name") return std::vector{key.key_name};
      if (name == "key-pair-id") return std::vector{key.key_pair_id};
      if (name == "fingerprint") return std::vector{key.key_fingerprint};
      if (name == "key-type") return std::vector{key.key_type};
      return std::nullopt;
    };
    if (auto ok = CheckFilterNames(filters, values); !ok) return ErrorReply(ok.error(), request);
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
    if (it->second.region != request.region || !OwnedByCaller(request, it->second.owner_id)) {
      continue;
    }
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

}  // namespace gpubox::local
