#include "gpubox/local/runtime/instance_disk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "gpubox/local/runtime/instance_files.h"
#include "gpubox/local/runtime/ipv4_subnet.h"
#include "gpubox/local/runtime/ssh_keys.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr int kCopyTimeoutMs = 600000;
const char* const kDiskParts[] = {"upper", "home", "root", "tmp"};

/// chmod(2): the mode exactly (MakeDirs' modes pass through the umask; 1777 needs this).
Result<void> SetMode(const std::string& path, mode_t mode) {
  if (::chmod(path.c_str(), mode) != 0) {
    return Fail(ErrorCode::kEnvironment, "chmod " + path + ": " + std::strerror(errno));
  }
  return {};
}

/// chown -R without following links (lchown), done here: a process per call costs more
/// than the work when many instances launch at once.
Result<void> ChownTree(const std::string& path, uid_t uid, gid_t gid) {
  std::error_code error;
  if (::lchown(path.c_str(), uid, gid) != 0) {
    return Fail(ErrorCode::kEnvironment, "chown " + path + ": " + std::strerror(errno));
  }
  for (auto it = std::filesystem::recursive_directory_iterator(path, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (::lchown(it->path().c_str(), uid, gid) != 0) {
      return Fail(ErrorCode::kEnvironment,
                  "chown " + it->path().string() + ": " + std::strerror(errno));
    }
  }
  if (error) return Fail(ErrorCode::kEnvironment, "chown -R " + path + ": " + error.message());
  return {};
}

}  // namespace

InstanceDisk::InstanceDisk(const RuntimeConfig& config, FileSystem& files, ProcessRunner& runner)
    : config_(config), files_(files), runner_(runner) {}

Result<void> InstanceDisk::Run(const std::vector<std::string>& argv) {
  ProcessResult result =
      GPUBOX_TRY(runner_.Run(argv, {.stdin_text = "", .timeout_ms = kCopyTimeoutMs}));
  if (result.exit_code != 0) {
    return Fail(ErrorCode::kEnvironment,
                argv[0] + " failed: " + std::string(Trim(result.err + result.out)));
  }
  return {};
}

Result<void> InstanceDisk::Prepare(const InstanceSpec& spec) {
  std::string dir = config_.InstanceDir(spec.instance_id);
  std::string disk = dir + "/disk";
  GPUBOX_TRY_VOID(files_.MakeDirs(dir + "/rootfs", 0700));
  GPUBOX_TRY_VOID(files_.MakeDirs(disk + "/work", 0700));
  if (!spec.base_image_dir.empty()) {
    if (!files_.Exists(spec.base_image_dir + "/upper")) {
      return Fail(ErrorCode::kNotFound, "no disk snapshot at " + spec.base_image_dir);
    }
    GPUBOX_TRY_VOID(Run({"cp", "-a", "--reflink=auto", spec.base_image_dir + "/.", disk + "/"}));
  }
  for (const char* part : kDiskParts) GPUBOX_TRY_VOID(files_.MakeDirs(disk + "/" + part));
  GPUBOX_TRY_VOID(SetMode(disk + "/tmp", 01777));
  GPUBOX_TRY_VOID(SetMode(disk + "/root", 0700));
  return WriteIdentity(spec);
}

BootPlan InstanceDisk::BootPlanFor(const InstanceSpec& spec) const {
  std::string dir = config_.InstanceDir(spec.instance_id);
  BootPlan plan{spec.instance_id, dir, config_.state_dir, config_.hidden_dirs,
                HostnameForIp(spec.private_ip)};
  auto public_key = files_.ReadFile(dir + "/disk/upper" + kHostKeyPath + ".pub");
  if (public_key) plan.host_key_fingerprint = HostKeyFingerprint(*public_key);
  return plan;
}

Result<void> InstanceDisk::WriteIdentity(const InstanceSpec& spec) {
  std::string upper = config_.InstanceDir(spec.instance_id) + "/disk/upper";
  std::string home = config_.InstanceDir(spec.instance_id) + "/disk/home/ubuntu";
  GPUBOX_TRY_VOID(files_.MakeDirs(upper + "/etc/ssh"));
  GPUBOX_TRY_VOID(files_.MakeDirs(upper + "/var/lib/cloud"));
  // An image keeps the users it had; a fresh disk starts from the host's.
  auto base_of = [&](const std::string& name) -> Result<std::string> {
    std::string own = upper + "/etc/" + name;
    return files_.ReadFile(files_.Exists(own) ? own : "/etc/" + name);
  };
  std::string passwd = RenderPasswd(GPUBOX_TRY(base_of("passwd")));
  GPUBOX_TRY_VOID(files_.WriteFile(upper + "/etc/passwd", passwd, 0644));
  GPUBOX_TRY_VOID(
      files_.WriteFile(upper + "/etc/group", RenderGroup(GPUBOX_TRY(base_of("group"))), 0644));
  GPUBOX_TRY_VOID(files_.WriteFile(upper + "/etc/shadow", RenderShadow(passwd), 0640));
  std::string hostname = HostnameForIp(spec.private_ip);
  GPUBOX_TRY_VOID(files_.WriteFile(upper + "/etc/hostname", hostname + "\n", 0644));
  GPUBOX_TRY_VOID(files_.WriteFile(upper + "/etc/hosts",
                                   RenderHosts(spec.private_ip, hostname, spec.region), 0644));
  GPUBOX_TRY_VOID(
      files_.WriteFile(upper + kSshdConfigPath, RenderSshdConfig(spec.private_ip), 0644));
  std::string host_key = upper + kHostKeyPath;
  GPUBOX_TRY_VOID(files_.Remove(host_key));
  GPUBOX_TRY_VOID(files_.Remove(host_key + ".pub"));
  OpenSshKeyPair key = GPUBOX_TRY(GenerateEd25519KeyPair("root@" + hostname));
  GPUBOX_TRY_VOID(files_.WriteFile(host_key, key.private_key, 0600));
  GPUBOX_TRY_VOID(files_.WriteFile(host_key + ".pub", key.public_line + "\n", 0644));
  GPUBOX_TRY_VOID(WritePowerCommands(upper));
  // As on Ubuntu's cloud images: the login user may sudo without a password (where the host
  // has sudo: instances run the host's binaries). Root in the instance is no more than user
  // data already gives.
  GPUBOX_TRY_VOID(files_.MakeDirs(upper + "/etc/sudoers.d"));
  GPUBOX_TRY_VOID(files_.WriteFile(upper + "/etc/sudoers.d/90-gpubox-" + std::string(kLoginUser),
                                   std::string(kLoginUser) + " ALL=(ALL) NOPASSWD:ALL\n", 0440));
  // User data belongs to this instance only, never to one an image came from.
  std::string user_data = upper + kUserDataPath;
  GPUBOX_TRY_VOID(files_.Remove(user_data));
  if (spec.user_data.rfind("#!", 0) == 0) {
    GPUBOX_TRY_VOID(files_.WriteFile(user_data, spec.user_data, 0700));
  }
  GPUBOX_TRY_VOID(files_.MakeDirs(home + "/.ssh", 0700));
  GPUBOX_TRY_VOID(files_.WriteFile(home + "/.ssh/authorized_keys", spec.authorized_keys, 0600));
  GPUBOX_TRY_VOID(SetMode(home, 0755));
  GPUBOX_TRY_VOID(SetMode(home + "/.ssh", 0700));
  GPUBOX_TRY_VOID(ChownTree(home, kLoginUid, kLoginUid));
  return {};
}

Result<void> InstanceDisk::WritePowerCommands(const std::string& upper) {
  // /sbin too where it is a directory of its own (not merged into /usr): a directory in the
  // upper layer would hide a /sbin link.
  std::vector<std::string> dirs = {"/usr/sbin"};
  std::error_code error;
  if (std::filesystem::is_directory("/sbin", error) && !std::filesystem::is_symlink("/sbin", error))
    dirs.push_back("/sbin");
  for (const std::string& dir : dirs) {
    GPUBOX_TRY_VOID(files_.MakeDirs(upper + dir));
    for (const char* command : kPowerCommands) {
      std::string path = upper + dir + "/" + command;
      GPUBOX_TRY_VOID(files_.Remove(path));
      GPUBOX_TRY_VOID(files_.WriteFile(path, RenderPowerCommand(), 0755));
    }
  }
  return {};
}

Result<void> InstanceDisk::Snapshot(const std::string& instance_id, const std::string& image_dir) {
  std::string disk = config_.InstanceDir(instance_id) + "/disk";
  if (!files_.Exists(disk + "/upper")) {
    return Fail(ErrorCode::kNotFound, "instance " + instance_id + " has no disk");
  }
  if (files_.Exists(image_dir)) {
    return Fail(ErrorCode::kUsage, "image directory " + image_dir + " already exists");
  }
  GPUBOX_TRY_VOID(files_.MakeDirs(image_dir, 0700));
  std::vector<std::string> argv = {"cp", "-a", "--reflink=auto"};
  for (const char* part : kDiskParts) argv.push_back(disk + "/" + part);
  argv.push_back(image_dir + "/");
  auto copied = Run(argv);
  if (!copied) Run({"rm", "-rf", "--one-file-system", image_dir});
  return copied;
}

Result<void> InstanceDisk::Remove(const std::string& instance_id) {
  GPUBOX_TRY_VOID(ValidateInstanceId(instance_id));
  if (!files_.Exists(config_.InstanceDir(instance_id))) return {};
  return Run({"rm", "-rf", "--one-file-system", config_.InstanceDir(instance_id)});
}

}  // namespace gpubox::local
