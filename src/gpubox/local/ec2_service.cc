#include "gpubox/local/ec2_service.h"

#include <cstdio>

#include "gpubox/aws/crypto.h"
#include "gpubox/catalog/quota.h"
#include "gpubox/local/cloud_records_json.h"
#include "gpubox/local/ec2_validation.h"
#include "gpubox/local/iso_time.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr char kAmazonOwnerId[] = "137112412989";
constexpr char kImageDate[] = "20261101";

uint64_t Mix(uint64_t value) {
  value ^= value >> 33;
  value *= 0xff51afd7ed558ccdULL;
  value ^= value >> 33;
  value *= 0xc4ceb9fe1a85ec53ULL;
  return value ^ (value >> 33);
}

std::string HexId(std::string_view prefix, uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0%016llx", static_cast<unsigned long long>(value));
  return std::string(prefix) + text;
}

uint64_t HashText(std::string_view text) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ULL;
  return Mix(hash);
}

template <typename Record>
Result<void> LoadKind(Store& store, std::string_view kind, std::map<std::string, Record>& records) {
  auto rows = GPUBOX_TRY(store.LoadAll(kind));
  for (auto& [id, document] : rows) {
    try {
      records[id] = nlohmann::json::parse(document).template get<Record>();
    } catch (const nlohmann::json::exception& error) {
      return Fail(ErrorCode::kInternal, "local cloud database: bad " + std::string(kind) +
                                            " record " + id + ": " + error.what());
    }
  }
  return {};
}

}  // namespace

Ec2Service::Ec2Service(Env& env, Store& store, InstanceHost& host, std::string account_id)
    : env_(env),
      store_(store),
      host_(host),
      account_id_(std::move(account_id)),
      offers_(Catalog::Builtin()) {
  handlers_ = {
      {"DescribeRegions", &Ec2Service::DescribeRegions},
      {"DescribeAvailabilityZones", &Ec2Service::DescribeAvailabilityZones},
      {"DescribeInstanceTypes", &Ec2Service::DescribeInstanceTypes},
      {"DescribeSpotPriceHistory", &Ec2Service::DescribeSpotPriceHistory},
      {"DescribeImages", &Ec2Service::DescribeImages},
      {"CreateImage", &Ec2Service::CreateImage},
      {"DeregisterImage", &Ec2Service::DeregisterImage},
      {"CreateKeyPair", &Ec2Service::CreateKeyPair},
      {"ImportKeyPair", &Ec2Service::ImportKeyPair},
      {"DescribeKeyPairs", &Ec2Service::DescribeKeyPairs},
      {"DeleteKeyPair", &Ec2Service::DeleteKeyPair},
      {"CreateSecurityGroup", &Ec2Service::CreateSecurityGroup},
      {"AuthorizeSecurityGroupIngress", &Ec2Service::AuthorizeSecurityGroupIngress},
      {"DescribeSecurityGroups", &Ec2Service::DescribeSecurityGroups},
      {"DeleteSecurityGroup", &Ec2Service::DeleteSecurityGroup},
      {"CreateTags", &Ec2Service::CreateTags},
      {"RunInstances", &Ec2Service::RunInstances},
      {"DescribeInstances", &Ec2Service::DescribeInstances},
      {"DescribeInstanceStatus", &Ec2Service::DescribeInstanceStatus},
      {"DescribeAddresses", &Ec2Service::DescribeAddresses},
      {"StartInstances", &Ec2Service::StartInstances},
      {"StopInstances", &Ec2Service::StopInstances},
      {"TerminateInstances", &Ec2Service::TerminateInstances},
      {"DescribeSpotInstanceRequests", &Ec2Service::DescribeSpotInstanceRequests},
      {"DescribeInstanceAttribute", &Ec2Service::DescribeInstanceAttribute},
      {"ModifyInstanceAttribute", &Ec2Service::ModifyInstanceAttribute},
      {"CancelSpotInstanceRequests", &Ec2Service::CancelSpotInstanceRequests},
      {"DescribeVolumes", &Ec2Service::DescribeVolumes},
      {"DeleteVolume", &Ec2Service::DeleteVolume},
      {"DescribeSnapshots", &Ec2Service::DescribeSnapshots},
      {"DeleteSnapshot", &Ec2Service::DeleteSnapshot},
      {"CreatePlacementGroup", &Ec2Service::CreatePlacementGroup},
      {"DescribePlacementGroups", &Ec2Service::DescribePlacementGroups},
      {"DeletePlacementGroup", &Ec2Service::DeletePlacementGroup},
  };
}

Result<void> Ec2Service::Load() {
  std::lock_guard lock(mutex_);
  GPUBOX_TRY_VOID(LoadKind(store_, "instance", instances_));
  GPUBOX_TRY_VOID(LoadKind(store_, "image", images_));
  GPUBOX_TRY_VOID(LoadKind(store_, "key_pair", key_pairs_));
  GPUBOX_TRY_VOID(LoadKind(store_, "security_group", groups_));
  GPUBOX_TRY_VOID(LoadKind(store_, "client_token", client_tokens_));
  GPUBOX_TRY_VOID(LoadKind(store_, "spot_request", spot_requests_));
  GPUBOX_TRY_VOID(LoadKind(store_, "snapshot", snapshots_));
  GPUBOX_TRY_VOID(LoadKind(store_, "placement_group", placement_groups_));
  std::map<std::string, QuotaRecord> quotas;
  for (auto& [id, document] : GPUBOX_TRY(store_.LoadAll("quota"))) {
    auto json = nlohmann::json::parse(document, nullptr, false);
    if (json.is_object()) {
      quotas_.Set(json.value("code", ""), json.value("region", ""), json.value("value", 0.0));
    }
  }
  for (auto& [id, record] : instances_) {
    if (record.host_state == HostState::kRunning) needs_adopt_.insert(id);
  }
  AddBuiltins();
  std::set<std::string> imaged;
  for (const auto& [id, snapshot] : snapshots_) imaged.insert(snapshot.image_id);
  for (const auto& [id, image] : images_) {
    if (!image.builtin && !imaged.count(id)) AddImageSnapshot(image, "");
  }
  return {};
}

void Ec2Service::AddBuiltins() {
  struct BuiltinImage {
    const char* name;
    const char* description;
    int volume_gib;
  };
  const BuiltinImage kImages[] = {
      {"Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) ",
       "Supported EC2 instances: G4dn, G5, G6, Gr6, G6e, P4d, P4de, P5, P5e, P5en. NVIDIA "
       "driver, CUDA, cuDNN, NCCL, EFA, Docker and the NVIDIA container toolkit.",
       75},
      {"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-",
       "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2026-11-01", 8},
  };
  for (const std::string& region : LocalRegions()) {
    for (const BuiltinImage& builtin : kImages) {
      std::string name = std::string(builtin.name) + kImageDate;
      std::string id = HexId("ami-", HashText(region + "/" + name));
      if (images_.count(id)) continue;
      ImageRecord record;
      record.region = region;
      record.builtin = true;
      aws::Image& image = record.image;
      image.image_id = id;
      image.name = name;
      image.description = builtin.description;
      image.state = "available";
      image.owner_id = kAmazonOwnerId;
      image.image_owner_alias = "amazon";
      image.architecture = "x86_64";
      image.creation_date = "2026-11-01T00:00:00.000Z";
      image.root_device_name = "/dev/sda1";
      image.root_device_type = "ebs";
      image.virtualization_type = "hvm";
      image.platform_details = "Linux/UNIX";
      image.is_public = true;
      aws::EbsBlockDevice ebs;
      ebs.snapshot_id = HexId("snap-", HashText(id));
      ebs.volume_size = builtin.volume_gib;
      ebs.volume_type = "gp3";
      ebs.delete_on_termination = true;
      image.block_device_mappings.push_back({"/dev/sda1", std::nullopt, ebs, std::nullopt});
      images_[id] = record;
      Save(record);
    }
  }
  EnsureAccountDefaults(account_id_);
}

const std::string& Ec2Service::CallerAccount(const Ec2Request& request) const {
  return request.account_id.empty() ? account_id_ : request.account_id;
}

const std::string& Ec2Service::AccountOf(const std::string& owner_id) const {
  return owner_id.empty() ? account_id_ : owner_id;
}

void Ec2Service::EnsureAccountDefaults(const std::string& account) {
  if (!accounts_ready_.insert(account).second) return;
  for (const std::string& region : LocalRegions()) {
    // The service's own account keeps the id it had before there were other accounts.
    std::string seed = account == account_id_ ? region : account + "/" + region;
    std::string group_id = HexId("sg-", HashText(seed + "/default"));
    if (groups_.count(group_id)) continue;
    GroupRecord record;
    record.region = region;
    record.group.group_id = group_id;
    record.group.group_name = "default";
    record.group.description = "default VPC security group";
    record.group.owner_id = account;
    record.group.vpc_id = DefaultVpc(region);
    aws::IpPermission self;
    self.ip_protocol = "-1";
    self.user_id_group_pairs.push_back({std::nullopt, group_id, std::nullopt, account});
    record.group.ip_permissions.push_back(self);
    aws::IpPermission egress;
    egress.ip_protocol = "-1";
    egress.ip_ranges.push_back({"0.0.0.0/0", std::nullopt});
    record.group.ip_permissions_egress.push_back(egress);
    groups_[group_id] = record;
    Save(record);
  }
}

const std::string& Ec2Service::DefaultVpc(const std::string& region) {
  static std::map<std::string, std::string> vpcs;
  static std::mutex vpcs_mutex;
  std::lock_guard lock(vpcs_mutex);
  auto& vpc = vpcs[region];
  if (vpc.empty()) vpc = HexId("vpc-", HashText(region + "/vpc"));
  return vpc;
}

std::string Ec2Service::NewId(std::string_view prefix) {
  uint64_t entropy = static_cast<uint64_t>(env_.random->Uniform() * 9007199254740992.0);
  return HexId(prefix, Mix(entropy ^ (static_cast<uint64_t>(Now()) << 7) ^ ++id_counter_));
}

void Ec2Service::Save(const InstanceRecord& record) {
  (void)store_.Put("instance", record.instance.instance_id, StoredJson(record));
}
void Ec2Service::Save(const SnapshotRecord& record) {
  (void)store_.Put("snapshot", record.snapshot.snapshot_id, StoredJson(record));
}
void Ec2Service::Save(const ImageRecord& record) {
  (void)store_.Put("image", record.image.image_id, StoredJson(record));
}
void Ec2Service::Save(const KeyPairRecord& record) {
  (void)store_.Put("key_pair", record.key_pair.key_pair_id, StoredJson(record));
}
void Ec2Service::Save(const GroupRecord& record) {
  (void)store_.Put("security_group", record.group.group_id, StoredJson(record));
}
void Ec2Service::Save(const PlacementGroupRecord& record) {
  (void)store_.Put("placement_group", record.group.group_id, StoredJson(record));
}

Ec2Reply Ec2Service::Handle(const Ec2Request& request) {
  auto handler = handlers_.find(request.action);
  if (handler == handlers_.end()) {
    Ec2Error error{400, "InvalidAction",
                   "The action " + request.action + " is not valid for this web service."};
    return {error.status, Ec2ErrorXml(error, request.request_id)};
  }
  if (auto valid = ValidateParameters(request); !valid) return ErrorReply(valid.error(), request);
  // DryRun: RunInstances checks everything first (its steps); the other
  // actions answer once their parameters are valid.
  if (EqualsIgnoreCase(request.Get("DryRun"), "true") && request.action != "RunInstances") {
    return ErrorReply(DryRunSucceeded(), request);
  }
  std::lock_guard lock(mutex_);
  EnsureAccountDefaults(CallerAccount(request));
  return handler->second(this, request);
}

void Ec2Service::SetFaults(const FaultConfig& config) {
  std::lock_guard lock(mutex_);
  faults_ = config;
  for (const auto& [key, value] : config.quotas) {
    size_t slash = key.find('/');
    if (slash != std::string::npos) quotas_.Set(key.substr(0, slash), key.substr(slash + 1), value);
  }
}

FaultConfig Ec2Service::faults() {
  std::lock_guard lock(mutex_);
  return faults_;
}

void Ec2Service::SetState(InstanceRecord& record, int code, std::string reason_code,
                          std::string reason_message) {
  // As on EC2, an instance's launch time is its last start's.
  if (code == kPending && record.instance.state.code == kStopped) {
    record.instance.launch_time = IsoTime(Now());
  }
  // Entering or leaving pending/running gains or loses the instance's place in the rules
  // naming its groups (its address may go to another account's instance next).
  auto live = [](int state) { return state == kPending || state == kRunning; };
  bool peers_change = live(record.instance.state.code) != live(code);
  record.instance.state = MakeState(code);
  record.state_since_us = Now();
  if (peers_change) PeersChanged(record);
  record.instance.state_reason = {std::move(reason_code), std::move(reason_message)};
  if (code == kStopped || code == kTerminated) {
    record.instance.state_transition_reason =
        (record.instance.state_reason.code.starts_with("Client.") ? "User initiated ("
                                                                  : "Service initiated (") +
        IsoTime(Now()).substr(0, 19) + " GMT)";
  } else if (code == kRunning) {
    record.instance.state_transition_reason.clear();
  }
  if (code == kTerminated || code == kStopped) record.instance.public_ip_address.clear();
}

namespace {

bool InGroup(const InstanceRecord& record, const std::string& group_id) {
  return std::any_of(record.instance.security_groups.begin(), record.instance.security_groups.end(),
                     [&](const aws::GroupIdentifier& group) { return group.group_id == group_id; });
}

}  // namespace

std::vector<aws::IpPermission> Ec2Service::IngressFor(const InstanceRecord& record) {
  std::vector<aws::IpPermission> ingress;
  for (const aws::GroupIdentifier& group : record.instance.security_groups) {
    auto found = groups_.find(group.group_id);
    if (found == groups_.end()) continue;
    for (const aws::IpPermission& permission : found->second.group.ip_permissions) {
      // A rule stored before validation existed and that no firewall can
      // express is left out rather than failing the instance.
      auto normal = NormalizePermission(permission);
      if (!normal) continue;
      // A rule naming a group admits the addresses of that group's instances (of the same
      // account) that have one now, as EC2 does: a self-referencing rule opens a cluster to
      // itself alone. PeersChanged() has the rule rewritten when members come and go.
      for (const aws::UserIdGroupPair& pair : normal->user_id_group_pairs) {
        for (const auto& [id, peer] : instances_) {
          if (!pair.group_id || !InGroup(peer, *pair.group_id) ||
              AccountOf(peer.owner_id) != AccountOf(record.owner_id) ||
              peer.instance.private_ip_address.empty() ||
              (peer.instance.state.code != kPending && peer.instance.state.code != kRunning)) {
            continue;
          }
          normal->ip_ranges.push_back({peer.instance.private_ip_address + "/32", std::nullopt});
        }
      }
      normal->user_id_group_pairs.clear();
      ingress.push_back(std::move(*normal));
    }
  }
  return ingress;
}

void Ec2Service::PeersChanged(const InstanceRecord& member) {
  for (auto& [id, instance] : instances_) {
    if (instance.instance.state.code != kRunning && instance.instance.state.code != kPending) {
      continue;
    }
    for (const aws::GroupIdentifier& group : instance.instance.security_groups) {
      auto found = groups_.find(group.group_id);
      if (found == groups_.end()) continue;
      for (const aws::IpPermission& permission : found->second.group.ip_permissions) {
        for (const aws::UserIdGroupPair& pair : permission.user_id_group_pairs) {
          if (pair.group_id && InGroup(member, *pair.group_id)) instance.firewall_dirty = true;
        }
      }
    }
  }
}

LaunchSpec Ec2Service::SpecFor(const InstanceRecord& record) {
  LaunchSpec spec;
  const aws::Instance& instance = record.instance;
  spec.instance_id = instance.instance_id;
  spec.image_id = instance.image_id;
  spec.region = record.region;
  spec.zone = instance.placement.availability_zone.value_or("");
  spec.instance_type = instance.instance_type;
  if (const InstanceType* type = offers_.FindType(instance.instance_type)) {
    spec.vcpus = type->vcpus;
    spec.mem_mib = type->mem_mib;
    spec.gpu_count = std::max(type->gpu_count, type->gpu_model.empty() ? 0 : 1);
  }
  spec.snapshot_image_id = record.snapshot_image_id;
  spec.volume_gib = instance.root_volume_size_gib;
  spec.key_name = instance.key_name;
  for (const auto& [id, key] : key_pairs_) {
    if (key.region == record.region && key.key_pair.key_name == instance.key_name &&
        AccountOf(key.owner_id) == AccountOf(record.owner_id)) {
      spec.authorized_key = key.key_pair.public_key;
    }
  }
  // Stored as base64; a record from before that holds the text itself (never valid base64:
  // a script starts with "#!").
  auto user_data = aws::Base64Decode(record.user_data);
  spec.user_data = user_data ? *user_data : record.user_data;
  spec.imds_tokens_required = instance.metadata_options.http_tokens == "required";
  spec.ingress = IngressFor(record);
  return spec;
}

bool Ec2Service::AnswersWithoutCapacity(const Ec2Request& request) {
  std::lock_guard lock(mutex_);
  if (request.action == "RunInstances") {
    std::string token = request.Get("ClientToken");
    return !token.empty() && client_tokens_.contains(ClientTokenKey(request, token));
  }
  if (request.action != "StartInstances") return false;
  for (const std::string& id : request.List("InstanceId")) {
    auto found = instances_.find(id);
    if (found == instances_.end() || found->second.instance.state.code == kStopped) return false;
  }
  return true;
}

std::map<std::string, int> Ec2Service::LiveInstanceCounts() {
  std::lock_guard lock(mutex_);
  std::map<std::string, int> counts;
  for (const std::string& region : LocalRegions()) counts[region] = 0;
  for (const auto& [id, record] : instances_) {
    if (record.instance.state.code != kTerminated) ++counts[record.region];
  }
  return counts;
}

std::map<std::string, int> Ec2Service::LiveInstancesByPrincipal() {
  std::lock_guard lock(mutex_);
  std::map<std::string, int> counts;
  for (const auto& [id, record] : instances_) {
    if (record.instance.state.code == kTerminated) continue;
    ++counts[record.launched_by.empty() ? "root" : record.launched_by];
  }
  return counts;
}

int Ec2Service::StopInstancesLaunchedBy(const std::string& principal) {
  std::lock_guard lock(mutex_);
  int stopped = 0;
  for (auto& [id, record] : instances_) {
    int code = record.instance.state.code;
    if (record.launched_by != principal || (code != kPending && code != kRunning)) continue;
    SetState(record, kStopping, "Server.AccessRevoked",
             "Server.AccessRevoked: the launching user's access to the local cloud was revoked");
    Save(record);
    ++stopped;
  }
  return stopped;
}

}  // namespace gpubox::local
