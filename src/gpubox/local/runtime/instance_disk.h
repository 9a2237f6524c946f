#pragma once
/// An instance's directory and private disk:
///   instances/ID/record.json   the RuntimeInstanceRecord
///   instances/ID/console.log   everything the instance's init printed
///   instances/ID/rootfs/       mount point of the instance's root (only in its namespace)
///   instances/ID/disk/upper    the overlay's upper layer: every change to /
///   instances/ID/disk/work     overlayfs scratch
///   instances/ID/disk/{home,root,tmp}   /home, /root and /tmp of the instance
/// An image is a copy of disk/ without work/.

#include <string>

#include "gpubox/local/runtime/instance_files.h"
#include "gpubox/local/runtime/instance_spec.h"
#include "gpubox/local/runtime/runtime_config.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/process_runner.h"

namespace gpubox::local {

class InstanceDisk {
 public:
  /// All three must outlive the InstanceDisk.
  InstanceDisk(const RuntimeConfig& config, FileSystem& files, ProcessRunner& runner);

  /// Builds the directory of a new instance (spec.private_ip set): the disk,
  /// fresh or copied from spec.base_image_dir, then the instance's identity
  /// on it: users (ubuntu, uid 1000, with spec.authorized_keys), host name,
  /// /etc/hosts, an sshd config and a new host key, the user data.
  /// kEnvironment when a copy or a tool fails.
  Result<void> Prepare(const InstanceSpec& spec);

  /// What the instance's boot builds and runs (RenderBootSteps, RenderBootScript): its
  /// directories, host name and host key's fingerprint.
  BootPlan BootPlanFor(const InstanceSpec& spec) const;

  /// Copies the instance's disk to image_dir (created; must not exist yet).
  Result<void> Snapshot(const std::string& instance_id, const std::string& image_dir);

  /// Deletes the instance's directory, disk included; succeeds when it is gone.
  Result<void> Remove(const std::string& instance_id);

  std::string ConsoleLogPath(const std::string& instance_id) const {
    return config_.InstanceDir(instance_id) + "/console.log";
  }
  std::string RecordPath(const std::string& instance_id) const {
    return config_.InstanceDir(instance_id) + "/record.json";
  }

 private:
  Result<void> Run(const std::vector<std::string>& argv);
  Result<void> WriteIdentity(const InstanceSpec& spec);
  /// kPowerCommands over the host's, in the disk's upper layer (`upper`).
  Result<void> WritePowerCommands(const std::string& upper);

  const RuntimeConfig& config_;
  FileSystem& files_;
  ProcessRunner& runner_;
};

}  // namespace gpubox::local
