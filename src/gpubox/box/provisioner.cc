#include "gpubox/box/provisioner.h"

#include <algorithm>
#include <ostream>

#include "gpubox/box/setup_script.h"
#include "gpubox/box/spot_requests.h"
#include "gpubox/catalog/optimizer.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

constexpr const char* kDeepLearningImage =
    "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04)*";

}  // namespace

std::string LaunchClientToken(const BoxRecord& box, const LaunchCandidate& candidate,
                              const std::string& zone) {
  std::string key = box.name + "|" + candidate.instance_type + "|" + candidate.region + "|" + zone +
                    "|" + MarketName(candidate.market) + "|" + std::to_string(box.created_at);
  // A recovery's launches are its own: never the instance the box had before.
  if (!box.recovering_from.empty()) key += "|recovering " + box.recovering_from;
  return "gpubox-" + StableDigestHex(key);
}

namespace {

std::vector<aws::Tag> BoxTags(const std::string& name) { return {{kBoxTag, name}}; }

}  // namespace

Result<void> ValidateBoxName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 40 && name[0] >= 'a' && name[0] <= 'z' &&
            std::all_of(name.begin(), name.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
            });
  if (!ok) {
    return Fail(ErrorCode::kUsage, "bad box name '" + name + "'",
                "use 1-40 of a-z, 0-9 and '-', starting with a letter, e.g. d2l");
  }
  return {};
}

bool IsFailoverError(const Error& error, bool* next_zone) {
  static const char* kZoneCodes[] = {"InsufficientInstanceCapacity", "InsufficientCapacity",
                                     "Unsupported", "InsufficientHostCapacity"};
  static const char* kOfferCodes[] = {"VcpuLimitExceeded", "InstanceLimitExceeded",
                                      "SpotMaxPriceTooLow", "MaxSpotInstanceCountExceeded",
                                      "InsufficientFreeAddressesInSubnet"};
  for (const char* code : kZoneCodes) {
    if (error.cloud_code == code) return *next_zone = true;
  }
  *next_zone = false;
  for (const char* code : kOfferCodes) {
    if (error.cloud_code == code) return true;
  }
  return false;
}

Provisioner::Provisioner(Env& env, Cloud& cloud, BoxStore& store, const Catalog& catalog,
                         GpuboxPaths paths, std::ostream& progress)
    : env_(env),
      cloud_(cloud),
      store_(store),
      catalog_(catalog),
      paths_(std::move(paths)),
      progress_(progress) {}

void Provisioner::Event(const std::string& box, const std::string& kind,
                        const std::string& message) {
  int64_t now_us = env_.clock->NowMicros();
  (void)store_.AddEvent({now_us / 1'000'000, box, kind, message, now_us});
}

void Provisioner::StepDone(const std::string& box, const std::string& step) {
  int64_t now_us = env_.clock->NowMicros();
  if (step_started_us_ == 0) step_started_us_ = now_us;
  Event(box, "step", step + " " + FormatFixed((now_us - step_started_us_) / 1e6, 3) + " s");
  step_started_us_ = now_us;
}

SshTarget Provisioner::TargetOf(const BoxRecord& box) const { return BoxSshTarget(box, paths_); }

Result<UpPlan> Provisioner::Plan(const UpOptions& options) {
  GPUBOX_TRY_VOID(ValidateBoxName(options.name));
  std::vector<std::string> cloud_regions = GPUBOX_TRY(cloud_.Regions());
  Requirements requirements = options.requirements;
  if (requirements.regions.empty()) {
    for (const std::string& region : cloud_regions) {
      if (catalog_.FindRegion(region)) requirements.regions.push_back(region);
    }
  } else {
    for (const std::string& region : requirements.regions) {
      if (std::find(cloud_regions.begin(), cloud_regions.end(), region) == cloud_regions.end()) {
        return Fail(ErrorCode::kUsage, "region " + region + " is not offered by this cloud",
                    "regions here: " + Join(cloud_regions, ", "));
      }
    }
  }
  UpPlan plan;
  QuotaChecker quotas(cloud_, catalog_);
  for (const Offer* offer : FindOffers(catalog_, requirements, 0)) {
    const InstanceType& type = catalog_.type(*offer);
    if (type.generation == Generation::kPrevious) continue;  // explained by `offers`
    if (!options.instance_type.empty() && type.name != options.instance_type) continue;
    LaunchCandidate candidate{offer,         type.name,           catalog_.region(*offer),
                              offer->market, offer->price_usd_hr, {}};
    candidate.quota =
        GPUBOX_TRY(quotas.Check(candidate.region, type, offer->market, options.nodes));
    plan.candidates.push_back(std::move(candidate));
    if (static_cast<int>(plan.candidates.size()) >= options.max_offers) break;
  }
  if (plan.candidates.empty()) {
    return Fail(ErrorCode::kNoCapacity, "no offer meets these requirements on this cloud",
                "'gpubox offers' with the same flags shows what exists; relax a constraint");
  }
  plan.setup_script = SetupScriptFor(options);
  return plan;
}

std::string Provisioner::SetupScriptFor(const UpOptions& options) const {
  SetupOptions setup{cloud_.name() == "aws" ? SetupTarget::kAws : SetupTarget::kLocal,
                     options.framework, "", ""};
  if (auto poll = ParseInt(env_.Var("GPUBOX_AGENT_POLL_S").value_or(""))) {
    setup.agent_poll_s = static_cast<int>(std::clamp(*poll, 1LL, 3600LL));
  }
  if (!options.notebooks.empty()) {
    if (options.notebooks.starts_with("http://") || options.notebooks.starts_with("https://")) {
      setup.notebooks_url = options.notebooks;
    } else {
      setup.notebooks_dir = ".gpubox/upload";  // under the box user's home
    }
  }
  return SetupScript(setup);
}

Result<std::vector<aws::Instance>> Provisioner::FindExisting(const std::string& name) {
  for (const std::string& region : GPUBOX_TRY(cloud_.Regions())) {
    auto instances = GPUBOX_TRY(cloud_.DescribeInstances(
        region,
        {aws::Filter{std::string("tag:") + kBoxTag, {name}},
         aws::Filter{"instance-state-name", {"pending", "running", "stopping", "stopped"}}}));
    if (instances.empty()) continue;
    std::stable_sort(instances.begin(), instances.end(), [](const auto& a, const auto& b) {
      return a.ami_launch_index < b.ami_launch_index;
    });
    return instances;
  }
  return std::vector<aws::Instance>{};
}

int RootDiskGib(const aws::Image& image, int asked_gib) {
  int size = asked_gib;
  for (const aws::BlockDeviceMapping& mapping : image.block_device_mappings) {
    if (mapping.device_name == image.root_device_name && mapping.ebs && mapping.ebs->volume_size) {
      size = std::max(size, *mapping.ebs->volume_size);
    }
  }
  return size;
}

Result<aws::Image> Provisioner::ResolveImage(const std::string& region, const UpOptions& options,
                                             const InstanceType& type) {
  std::string arch = type.arch == "arm64" ? "arm64" : "x86_64";
  std::vector<aws::Image> images;
  if (options.image.starts_with("ami-")) {
    images = GPUBOX_TRY(cloud_.DescribeImages(region, {{"image-id", {options.image}}}, {}));
    if (images.empty()) {
      return Fail(ErrorCode::kNotFound, "no image " + options.image + " in " + region,
                  "'gpubox images' lists yours");
    }
  } else if (!options.image.empty()) {
    images = GPUBOX_TRY(cloud_.DescribeImages(region, {{"name", {options.image}}}, {"self"}));
    if (images.empty()) {
      return Fail(ErrorCode::kNotFound, "no image named '" + options.image + "' in " + region,
                  "'gpubox images' lists yours");
    }
  } else {
    images = GPUBOX_TRY(cloud_.DescribeImages(
        region, {{"name", {kDeepLearningImage}}, {"architecture", {arch}}}, {"amazon"}));
    if (images.empty()) {
      return Fail(ErrorCode::kNotFound, "no Deep Learning AMI for " + arch + " in " + region,
                  "pass --image ID");
    }
  }
  auto newest = std::max_element(images.begin(), images.end(), [](const auto& a, const auto& b) {
    return a.creation_date < b.creation_date;
  });
  return *newest;
}

Result<void> Provisioner::EnsureAccess(BoxRecord& box, const std::string& region,
                                       const UpOptions& options) {
  std::string public_key = GPUBOX_TRY(EnsureKeyPair(env_, box.key_path, "gpubox-" + box.name));
  if (!GPUBOX_TRY(cloud_.KeyPairExists(region, box.key_name))) {
    GPUBOX_TRY_VOID(cloud_.ImportKeyPair(region, box.key_name, public_key, BoxTags(box.name)));
    Event(box.name, "key-pair", "imported " + box.key_name + " in " + region);
  }
  std::string group_id = GPUBOX_TRY(cloud_.FindSecurityGroup(region, box.key_name));
  if (group_id.empty()) {
    bool cluster = box.nodes > 1;
    group_id = GPUBOX_TRY(cloud_.CreateSecurityGroup(
        region, box.key_name,
        cluster ? "gpubox cluster " + box.name + ": SSH from its owner, all traffic among its nodes"
                : "gpubox box " + box.name + ": SSH from its owner only",
        BoxTags(box.name)));
    aws::IpPermission ssh;
    ssh.ip_protocol = "tcp";
    ssh.from_port = 22;
    ssh.to_port = 22;
    ssh.ip_ranges.push_back({options.caller_cidr, "gpubox caller"});
    GPUBOX_TRY_VOID(cloud_.AuthorizeIngress(region, group_id, ssh));
    if (cluster) {  // rendezvous, gloo and NCCL use ports of their own choosing
      aws::IpPermission peers;
      peers.ip_protocol = "-1";
      peers.user_id_group_pairs.push_back(aws::UserIdGroupPair{});
      peers.user_id_group_pairs.back().group_id = group_id;
      GPUBOX_TRY_VOID(cloud_.AuthorizeIngress(region, group_id, peers));
    }
    Event(box.name, "security-group",
          "made " + group_id + " in " + region + ": tcp/22 from " + options.caller_cidr +
              (cluster ? ", all traffic from its own members" : ""));
  }
  box.security_group_id = group_id;
  if (box.nodes > 1) {
    GPUBOX_TRY_VOID(
        cloud_.CreatePlacementGroup(region, ClusterPlacementGroup(box.name), BoxTags(box.name)));
  }
  return {};
}

void Provisioner::CleanUp(const BoxRecord& box, const std::vector<std::string>& regions_touched) {
  if (!box.public_ip.empty()) CloseSshMaster(env_, TargetOf(box));
  for (const std::string& region : regions_touched) {
    auto instances =
        cloud_.DescribeInstances(region, {aws::Filter{std::string("tag:") + kBoxTag, {box.name}}});
    if (instances) {
      // A spot instance's persistent request first, or the cloud replaces what we terminate.
      (void)CancelBoxSpotRequests(cloud_, region, box.name, "");
      for (const aws::Instance& instance : *instances) {
        if (instance.state.code == aws::instance_state::kTerminated) continue;
        if (!instance.spot_instance_request_id.empty()) {
          (void)CancelBoxSpotRequests(cloud_, region, box.name, instance.spot_instance_request_id);
        }
        (void)cloud_.TerminateInstance(region, instance.instance_id);
        progress_ << "gpubox: terminated " << instance.instance_id << " (failed up)\n";
      }
      // The group can go only once its instances are gone.
      for (int wait_idx = 0; wait_idx < 600; ++wait_idx) {
        auto left = cloud_.DescribeInstances(
            region, {aws::Filter{std::string("tag:") + kBoxTag, {box.name}},
                     aws::Filter{"instance-state-name",
                                 {"pending", "running", "stopping", "stopped", "shutting-down"}}});
        if (!left || left->empty()) break;
        env_.clock->SleepMicros(200'000);
      }
    }
    if (auto group = cloud_.FindSecurityGroup(region, box.key_name); group && !group->empty()) {
      (void)cloud_.DeleteSecurityGroup(region, *group);
    }
    (void)cloud_.DeleteKeyPair(region, box.key_name);
    if (box.nodes > 1) (void)cloud_.DeletePlacementGroup(region, ClusterPlacementGroup(box.name));
  }
  for (int node = 1; node < box.nodes; ++node) {
    (void)store_.Delete(NodeName(box.name, node));
    (void)env_.files->Remove(paths_.known_hosts(NodeName(box.name, node)));
  }
  for (const std::string& file :
       {box.key_path, box.key_path + ".pub", paths_.known_hosts(box.name)}) {
    if (!box.key_path.empty()) (void)env_.files->Remove(file);
  }
  (void)store_.Delete(box.name);
  Event(box.name, "cleanup", "deleted what the failed up made");
}

}  // namespace gpubox
