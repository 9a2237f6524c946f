#include "unit/box/box_fakes.h"

#include <algorithm>

#include "gpubox/util/strings.h"

namespace gpubox::testing {
namespace {

Error CloudError(const std::string& code, const std::string& message) {
  Error error{ErrorCode::kCloud, message};
  error.cloud_code = code;
  error.http_status = 400;
  return error;
}

bool Matches(const aws::Instance& instance, const std::vector<aws::Filter>& filters) {
  for (const aws::Filter& filter : filters) {
    auto has = [&](const std::string& value) {
      return std::find(filter.values.begin(), filter.values.end(), value) != filter.values.end();
    };
    if (filter.name == "instance-id" && !has(instance.instance_id)) return false;
    if (filter.name == "instance-state-name" && !has(instance.state.name)) return false;
    if (filter.name == "tag-key" &&
        std::none_of(instance.tags.begin(), instance.tags.end(),
                     [&](const aws::Tag& tag) { return has(tag.key); })) {
      return false;
    }
    if (filter.name.starts_with("tag:") &&
        std::none_of(instance.tags.begin(), instance.tags.end(), [&](const aws::Tag& tag) {
          return tag.key == filter.name.substr(4) && has(tag.value);
        })) {
      return false;
    }
  }
  return true;
}

/// The tag filters ("tag-key", "tag:KEY") and the other filters `value_of` knows hold.
template <typename ValueOf>
bool TagsAndValuesMatch(const std::vector<aws::Tag>& tags, const std::vector<aws::Filter>& filters,
                        ValueOf value_of) {
  for (const aws::Filter& filter : filters) {
    auto has = [&](const std::string& value) {
      return std::find(filter.values.begin(), filter.values.end(), value) != filter.values.end();
    };
    if (filter.name == "tag-key") {
      if (std::none_of(tags.begin(), tags.end(), [&](const aws::Tag& tag) { return has(tag.key); }))
        return false;
    } else if (filter.name.starts_with("tag:")) {
      if (std::none_of(tags.begin(), tags.end(), [&](const aws::Tag& tag) {
            return tag.key == filter.name.substr(4) && has(tag.value);
          })) {
        return false;
      }
    } else if (std::optional<std::string> value = value_of(filter.name); value && !has(*value)) {
      return false;
    }
  }
  return true;
}

void SetState(aws::Instance& instance, int code) {
  static const std::map<int, std::string> kNames = {{0, "pending"},        {16, "running"},
                                                    {32, "shutting-down"}, {48, "terminated"},
                                                    {64, "stopping"},      {80, "stopped"}};
  instance.state = {code, kNames.at(code)};
}

}  // namespace

Result<ProcessResult> FakeProcessRunner::Run(const std::vector<std::string>& argv,
                                             const ProcessOptions& options) {
  std::vector<std::string> copy = argv;
  commands_ran_.push_back(Join(copy, " "));
  ProcessResult result;
  if (argv[0] == "ssh-keygen") {
    std::string path = argv.back();
    (void)files_.WriteFile(path, "PRIVATE", 0600);
    (void)files_.WriteFile(path + ".pub", "ssh-ed25519 AAAAfake gpubox\n", 0644);
    return result;
  }
  if (argv[0] == "ssh") {
    if (argv.back() == "true" && ssh_failures_left_ > 0) {
      --ssh_failures_left_;
      result.exit_code = 255;
      result.err = "Connection refused";
      return result;
    }
    if (argv.size() >= 2 && argv[argv.size() - 2] == "cat" && argv.back() == ".gpubox/setup.log") {
      result.exit_code = log_unreadable_ ? 255 : 0;
      result.out = log_unreadable_ ? "" : setup_log_;
      return result;
    }
    if (options.stdin_text.starts_with("GPUBOX_SLURM_STEP=install\n")) {
      result.exit_code = slurm_install_fails_ ? 100 : 0;
      result.err = slurm_install_fails_ ? "E: Unable to locate package slurm-wlm\n" : "";
      result.out = slurm_install_fails_ ? ""
                                        : "gpubox-slurm-hw CPUs=4 Boards=1 RealMemory=15000\n"
                                          "gpubox-slurm-host ip-10-0-0-5\ngpubox-slurm-gpus 1\n";
      return result;
    }
    if (options.stdin_text.starts_with("GPUBOX_SLURM_STEP=configure ")) {
      slurm_configured_.push_back(options.stdin_text);
      return result;
    }
    if (argv.size() > 5 && argv[argv.size() - 5] == "sinfo") {
      for (size_t node = 0; node < slurm_configured_.size(); ++node) {
        result.out += "d2l-" + std::to_string(node) + ":" + slurm_node_state_ + "\n";
      }
      return result;
    }
    if (options.stdin_text.find("\nrun_phase ") != std::string::npos) {
      // Plays the setup script: every `run_phase NAME ...` line, in order.
      for (std::string_view line : Split(options.stdin_text, '\n')) {
        if (!line.starts_with("run_phase ")) continue;
        std::string phase(Split(line, ' ')[1]);
        if (phases_marked_.count(phase) > 0) {
          result.out += "gpubox-phase " + phase + " skip\n";
          continue;
        }
        bool fails = failing_phases_.count(phase) > 0;
        result.out +=
            "gpubox-phase " + phase + " start\n" +
            (fails ? "boom\ngpubox-command-failed 4 wget -nv https://example.com/x\n" : "ok\n") +
            "gpubox-phase " + phase + (fails ? " fail\n" : " done\n");
        if (fails) {
          result.exit_code = 1;
          break;
        }
        phases_marked_.insert(phase);
      }
      setup_log_ += result.out;
      if (options.on_stdout_line) {
        for (std::string_view line : Split(result.out, '\n')) {
          if (!line.empty()) options.on_stdout_line(line);
        }
      }
    }
  }
  return result;
}

FakeCloud::FakeCloud() {
  for (const std::string& region : regions_) {
    aws::Image dlami;
    dlami.image_id = "ami-dl-" + region;
    dlami.name = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20261101";
    dlami.architecture = "x86_64";
    dlami.state = "available";
    dlami.creation_date = "2026-11-01T00:00:00.000Z";
    dlami.owner_id = "amazon";
    images_[dlami.image_id] = dlami;
    image_region_[dlami.image_id] = region;
  }
}

Result<std::vector<std::string>> FakeCloud::Zones(const std::string& region) {
  return std::vector<std::string>{region + "a", region + "b", region + "c"};
}

Result<double> FakeCloud::QuotaValue(const std::string& region, const std::string& code) {
  auto found = quota_.find(region + "/" + code);
  return found == quota_.end() ? 64.0 : found->second;
}

Result<std::string> FakeCloud::RequestQuotaIncrease(const std::string& region,
                                                    const std::string& code, double value) {
  calls_.push_back("RequestQuotaIncrease " + region + " " + code + " " + FormatDouble(value));
  return std::string("req-1");
}

Result<std::vector<aws::Instance>> FakeCloud::DescribeInstances(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  std::vector<aws::Instance> found;
  for (auto& [id, instance] : instances_) {
    if (instance_region_[id] != region) continue;
    if (instance.state.code == 0) SetState(instance, 16);  // boots at once
    if (instance.state.code == 64) SetState(instance, 80);
    if (instance.state.code == 32) SetState(instance, 48);
    if (Matches(instance, filters)) found.push_back(instance);
  }
  return found;
}

Result<void> FakeCloud::ImportKeyPair(const std::string& region, const std::string& key_name,
                                      const std::string& public_key,
                                      const std::vector<aws::Tag>& tags) {
  calls_.push_back("ImportKeyPair " + region + " " + key_name);
  if (key_pairs_.count(region + "/" + key_name)) {
    return std::unexpected(CloudError("InvalidKeyPair.Duplicate", "exists"));
  }
  key_pairs_[region + "/" + key_name] = public_key;
  key_pair_tags_[region + "/" + key_name] = tags;
  return {};
}

Result<std::vector<aws::KeyPair>> FakeCloud::DescribeKeyPairs(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  std::vector<aws::KeyPair> found;
  for (const auto& [key, public_key] : key_pairs_) {
    if (!key.starts_with(region + "/")) continue;
    aws::KeyPair pair;
    pair.key_name = key.substr(region.size() + 1);
    pair.tags = key_pair_tags_[key];
    if (TagsAndValuesMatch(pair.tags, filters, [&](const std::string& name) {
          return name == "key-name" ? std::optional(pair.key_name) : std::nullopt;
        })) {
      found.push_back(pair);
    }
  }
  return found;
}

Result<bool> FakeCloud::KeyPairExists(const std::string& region, const std::string& key_name) {
  return key_pairs_.count(region + "/" + key_name) > 0;
}

Result<void> FakeCloud::DeleteKeyPair(const std::string& region, const std::string& key_name) {
  calls_.push_back("DeleteKeyPair " + region + " " + key_name);
  key_pairs_.erase(region + "/" + key_name);
  key_pair_tags_.erase(region + "/" + key_name);
  return {};
}

Result<std::string> FakeCloud::CreateSecurityGroup(const std::string& region,
                                                   const std::string& name,
                                                   const std::string& description,
                                                   const std::vector<aws::Tag>& tags) {
  std::string id = "sg-" + std::to_string(next_id_++);
  calls_.push_back("CreateSecurityGroup " + region + " " + name);
  aws::SecurityGroup group;
  group.group_id = id;
  group.group_name = name;
  group.tags = tags;
  groups_[id] = group;
  group_region_[id] = region;
  return id;
}

Result<std::string> FakeCloud::FindSecurityGroup(const std::string& region,
                                                 const std::string& name) {
  for (auto& [id, group] : groups_) {
    if (group.group_name == name && group_region_[id] == region) return id;
  }
  return std::string();
}

Result<std::vector<aws::SecurityGroup>> FakeCloud::DescribeSecurityGroups(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  std::vector<aws::SecurityGroup> found;
  for (const auto& [id, group] : groups_) {
    if (group_region_[id] != region) continue;
    if (TagsAndValuesMatch(group.tags, filters, [&](const std::string& name) {
          return name == "group-name" ? std::optional(group.group_name) : std::nullopt;
        })) {
      found.push_back(group);
    }
  }
  return found;
}

Result<void> FakeCloud::AuthorizeIngress(const std::string& region, const std::string& group_id,
                                         const aws::IpPermission& permission) {
  std::string from = permission.ip_ranges.empty()
                         ? "group " + permission.user_id_group_pairs.at(0).group_id.value_or("")
                         : permission.ip_ranges[0].cidr_ip;
  calls_.push_back("AuthorizeIngress " + group_id + " " + permission.ip_protocol + "/" +
                   std::to_string(permission.from_port.value_or(-1)) + " " + from);
  groups_[group_id].ip_permissions.push_back(permission);
  return {};
}

Result<void> FakeCloud::DeleteSecurityGroup(const std::string& region, const std::string& id) {
  calls_.push_back("DeleteSecurityGroup " + region + " " + id);
  for (auto& [instance_id, instance] : instances_) {
    if (instance.state.code == 48) continue;
    for (const auto& group : instance.security_groups) {
      if (group.group_id == id) {
        return std::unexpected(CloudError("DependencyViolation", "in use"));
      }
    }
  }
  groups_.erase(id);
  return {};
}

Result<std::vector<aws::Instance>> FakeCloud::RunInstances(
    const std::string& region, const aws::RunInstancesRequest& request) {
  std::string zone = request.placement->availability_zone.value_or(region + "a");
  calls_.push_back("RunInstances " + zone + " " + request.instance_type + " " +
                   request.client_token.value_or("") +
                   (request.min_count > 1 ? " x" + std::to_string(request.min_count) : ""));
  last_run_ = request;
  std::vector<aws::Instance> launched;
  for (auto& [id, instance] : instances_) {
    if (!instance.client_token.empty() && instance.client_token == request.client_token) {
      launched.push_back(instance);
    }
  }
  if (!launched.empty()) {
    std::sort(launched.begin(), launched.end(),
              [](const auto& a, const auto& b) { return a.ami_launch_index < b.ami_launch_index; });
    return launched;
  }
  int live = 0;
  for (const auto& [id, instance] : instances_) {
    bool here = instance.instance_type == request.instance_type &&
                instance.placement.availability_zone == zone && instance.state.code != 48;
    live += here ? 1 : 0;
  }
  auto cap = capacity_.find(request.instance_type + "/" + zone);
  if (no_capacity_.count(request.instance_type + "/" + zone) ||
      (cap != capacity_.end() && live + request.min_count > cap->second)) {
    return std::unexpected(CloudError("InsufficientInstanceCapacity",
                                      "no " + request.instance_type + " capacity in " + zone));
  }
  std::string group = request.placement->group_name.value_or("");
  if (!group.empty() && !placement_groups_.count(region + "/" + group)) {
    return std::unexpected(CloudError("InvalidPlacementGroup.Unknown", group + " is unknown"));
  }
  for (int index = 0; index < request.min_count; ++index) {
    launched.push_back(LaunchOne(region, request, zone, index));
  }
  return launched;
}

Result<void> FakeCloud::CreatePlacementGroup(const std::string& region, const std::string& name,
                                             const std::vector<aws::Tag>&) {
  calls_.push_back("CreatePlacementGroup " + name);
  placement_groups_.insert(region + "/" + name);
  return {};
}

Result<void> FakeCloud::DeletePlacementGroup(const std::string& region, const std::string& name) {
  calls_.push_back("DeletePlacementGroup " + name);
  for (const auto& [id, instance] : instances_) {
    if (instance.state.code != 48 && instance_region_[id] == region &&
        instance.placement.group_name.value_or("") == name) {
      return std::unexpected(CloudError("InvalidPlacementGroup.InUse", name + " is in use"));
    }
  }
  placement_groups_.erase(region + "/" + name);
  return {};
}

aws::Instance FakeCloud::LaunchOne(const std::string& region,
                                   const aws::RunInstancesRequest& request, const std::string& zone,
                                   int index) {
  aws::Instance instance;
  instance.instance_id = "i-" + std::to_string(next_id_++);
  instance.instance_type = request.instance_type;
  instance.image_id = request.image_id;
  instance.client_token = request.client_token.value_or("");
  instance.placement.availability_zone = zone;
  instance.placement.group_name = request.placement->group_name;
  instance.ami_launch_index = index;
  instance.private_ip_address = "10.0.0." + std::to_string(next_id_);
  instance.key_name = request.key_name.value_or("");
  instance.instance_lifecycle = request.instance_market_options ? "spot" : "";
  if (request.instance_market_options) {
    aws::SpotInstanceRequest spot;
    spot.spot_instance_request_id = "sir-" + std::to_string(next_id_);
    const auto& options = request.instance_market_options->spot_options;
    spot.type = options ? options->spot_instance_type.value_or("one-time") : "one-time";
    spot.instance_interruption_behavior =
        options ? options->instance_interruption_behavior.value_or("terminate") : "terminate";
    spot.state = "active";
    spot.status.code = "fulfilled";
    spot.instance_id = instance.instance_id;
    instance.spot_instance_request_id = spot.spot_instance_request_id;
    spot_requests_[spot.spot_instance_request_id] = spot;
  }
  for (const auto& group_id : request.security_group_ids) {
    instance.security_groups.push_back({group_id, ""});
  }
  aws::Volume volume;
  volume.volume_id = "vol-" + instance.instance_id.substr(2);  // ids as before: i-N, vol-N
  volume.availability_zone = zone;
  volume.state = "in-use";
  volume.volume_type = "gp3";
  volume.size = request.block_device_mappings.empty() || !request.block_device_mappings[0].ebs
                    ? 8
                    : request.block_device_mappings[0].ebs->volume_size.value_or(8);
  volume.attachments.push_back(
      {volume.volume_id, instance.instance_id, "/dev/sda1", "attached", "", true});
  for (const auto& spec : request.tag_specifications) {
    if (spec.resource_type == "instance") instance.tags = spec.tags;
    if (spec.resource_type == "volume") volume.tags = spec.tags;
  }
  instance.block_device_mappings.push_back({"/dev/sda1", volume.volume_id, "attached", "", true});
  volumes_[volume.volume_id] = volume;
  volume_region_[volume.volume_id] = region;
  SetState(instance, 0);
  instances_[instance.instance_id] = instance;
  instance_region_[instance.instance_id] = region;
  return instance;
}

Result<std::vector<aws::SpotInstanceRequest>> FakeCloud::DescribeSpotRequests(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  std::vector<aws::SpotInstanceRequest> found;
  for (auto& [id, spot] : spot_requests_) {
    bool ok = instance_region_[spot.instance_id] == region;
    for (const aws::Filter& filter : filters) {
      if (filter.name == "instance-id") ok = ok && spot.instance_id == filter.values[0];
      if (filter.name == "spot-instance-request-id") ok = ok && id == filter.values[0];
    }
    if (ok) found.push_back(spot);
  }
  return found;
}

Result<void> FakeCloud::CancelSpotRequest(const std::string& region, const std::string& id) {
  calls_.push_back("CancelSpotInstanceRequests " + id);
  if (spot_requests_.count(id)) spot_requests_[id].state = "cancelled";
  return {};
}

Result<void> FakeCloud::StartInstance(const std::string& region, const std::string& id) {
  calls_.push_back("StartInstances " + id);
  SetState(instances_.at(id), 0);
  return {};
}

Result<void> FakeCloud::StopInstance(const std::string& region, const std::string& id) {
  calls_.push_back("StopInstances " + id);
  SetState(instances_.at(id), stop_terminates_ ? 32 : 64);
  return {};
}

Result<void> FakeCloud::TerminateInstance(const std::string& region, const std::string& id) {
  calls_.push_back("TerminateInstances " + id);
  SetState(instances_.at(id), 32);
  return {};
}

Result<std::vector<aws::Image>> FakeCloud::DescribeImages(const std::string& region,
                                                          const std::vector<aws::Filter>& filters,
                                                          const std::vector<std::string>& owners) {
  std::vector<aws::Image> found;
  for (auto& [id, image] : images_) {
    if (image_region_[id] != region) continue;
    bool self = image.owner_id == "self";
    if (!owners.empty() && (owners[0] == "self") != self) continue;
    bool ok = true;
    for (const aws::Filter& filter : filters) {
      const std::string& want = filter.values[0];
      if (filter.name == "image-id") ok = ok && image.image_id == want;
      if (filter.name == "state") ok = ok && image.state == want;
      if (filter.name.starts_with("tag:")) {
        bool tagged = false;
        for (const aws::Tag& tag : image.tags) {
          tagged = tagged || (tag.key == filter.name.substr(4) && tag.value == want);
        }
        ok = ok && tagged;
      }
      if (filter.name == "name") {
        ok = ok && (want.ends_with("*") ? image.name.starts_with(want.substr(0, want.size() - 1))
                                        : image.name == want);
      }
    }
    if (ok) found.push_back(image);
  }
  return found;
}

Result<std::string> FakeCloud::CreateImage(const std::string& region,
                                           const std::string& instance_id,
                                           const std::string& image_name,
                                           const std::vector<aws::Tag>& tags) {
  aws::Image image;
  image.image_id = "ami-" + std::to_string(next_id_++);
  image.name = image_name;
  image.state = new_image_state_;
  image.owner_id = "self";
  image.tags = tags;
  aws::Snapshot snapshot;
  snapshot.snapshot_id = "snap-" + image.image_id.substr(4);  // ami-N, snap-N
  snapshot.state = "completed";
  snapshot.owner_id = "self";
  snapshot.volume_size = 8;
  snapshot.description = "Created by CreateImage(" + instance_id + ") for " + image.image_id;
  snapshot.tags = tags;
  if (auto instance = instances_.find(instance_id);
      instance != instances_.end() && !instance->second.block_device_mappings.empty()) {
    snapshot.volume_id = instance->second.block_device_mappings[0].volume_id;
    snapshot.volume_size = volumes_[snapshot.volume_id].size;
  }
  snapshots_[snapshot.snapshot_id] = snapshot;
  snapshot_region_[snapshot.snapshot_id] = region;
  aws::EbsBlockDevice ebs;
  ebs.snapshot_id = snapshot.snapshot_id;
  ebs.volume_size = snapshot.volume_size;
  image.block_device_mappings.push_back({"/dev/sda1", std::nullopt, ebs, std::nullopt});
  images_[image.image_id] = image;
  image_region_[image.image_id] = region;
  calls_.push_back("CreateImage " + instance_id + " " + image_name);
  return image.image_id;
}

Result<void> FakeCloud::DeregisterImage(const std::string& region, const std::string& image_id) {
  calls_.push_back("DeregisterImage " + image_id);
  std::vector<std::string> snapshot_ids;
  if (auto image = images_.find(image_id); image != images_.end()) {
    for (const aws::BlockDeviceMapping& mapping : image->second.block_device_mappings) {
      if (mapping.ebs && mapping.ebs->snapshot_id)
        snapshot_ids.push_back(*mapping.ebs->snapshot_id);
    }
  }
  images_.erase(image_id);
  for (const std::string& snapshot_id : snapshot_ids) (void)DeleteSnapshot(region, snapshot_id);
  return {};
}

Result<std::vector<aws::Volume>> FakeCloud::DescribeVolumes(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  std::vector<aws::Volume> found;
  for (const auto& [id, volume] : volumes_) {
    if (volume_region_[id] != region) continue;
    if (!volume.attachments.empty()) {
      auto instance = instances_.find(volume.attachments[0].instance_id);
      if (instance != instances_.end() &&
          (instance->second.state.code == 48 || instance->second.state.code == 32)) {
        continue;
      }
    }
    if (TagsAndValuesMatch(volume.tags, filters, [&](const std::string& name) {
          return name == "volume-id" ? std::optional(id) : std::nullopt;
        })) {
      found.push_back(volume);
    }
  }
  return found;
}

Result<void> FakeCloud::DeleteVolume(const std::string& region, const std::string& volume_id) {
  calls_.push_back("DeleteVolume " + volume_id);
  volumes_.erase(volume_id);
  return {};
}

Result<std::vector<aws::Snapshot>> FakeCloud::DescribeSnapshots(
    const std::string& region, const std::vector<aws::Filter>& filters) {
  std::vector<aws::Snapshot> found;
  for (const auto& [id, snapshot] : snapshots_) {
    if (snapshot_region_[id] != region) continue;
    if (TagsAndValuesMatch(snapshot.tags, filters, [&](const std::string& name) {
          return name == "snapshot-id" ? std::optional(id) : std::nullopt;
        })) {
      found.push_back(snapshot);
    }
  }
  return found;
}

Result<void> FakeCloud::DeleteSnapshot(const std::string& region, const std::string& snapshot_id) {
  calls_.push_back("DeleteSnapshot " + snapshot_id);
  for (const auto& [id, image] : images_) {
    for (const aws::BlockDeviceMapping& mapping : image.block_device_mappings) {
      if (mapping.ebs && mapping.ebs->snapshot_id == snapshot_id) {
        return std::unexpected(CloudError("InvalidSnapshot.InUse", "in use by " + id));
      }
    }
  }
  snapshots_.erase(snapshot_id);
  return {};
}

int FakeCloud::LiveInstances() const {
  return static_cast<int>(std::count_if(instances_.begin(), instances_.end(), [](const auto& it) {
    return it.second.state.code != 48 && it.second.state.code != 32;
  }));
}

}  // namespace gpubox::testing
