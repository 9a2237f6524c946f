#pragma once
/// The text of the files that make an instance's host identity: its users,
/// host name, sshd configuration and the boot script its PID namespace runs.
/// Pure functions, so every file is checked without root.

#include <string>
#include <vector>

namespace gpubox::local {

inline constexpr int kLoginUid = 1000;
inline constexpr char kLoginUser[] = "ubuntu";

/// `base` (the host's or the image's /etc/passwd) without any "ubuntu" or uid
/// 1000 entry, plus ubuntu (1000:1000, /home/ubuntu, /bin/bash).
std::string RenderPasswd(const std::string& base);
/// `base` /etc/group without any "ubuntu" or gid 1000 group, plus ubuntu.
std::string RenderGroup(const std::string& base);
/// One entry per user of `passwd`, every password field "*" (no password
/// login, not locked: key login works), so no host hash is carried over.
std::string RenderShadow(const std::string& passwd);

/// "ec2.internal" in us-east-1, "REGION.compute.internal" elsewhere.
std::string DnsSuffix(const std::string& region);
std::string RenderHosts(const std::string& ip, const std::string& hostname,
                        const std::string& region);

/// Paths inside the instance.
inline constexpr char kSshdConfigPath[] = "/etc/ssh/gpubox_sshd_config";
inline constexpr char kHostKeyPath[] = "/etc/ssh/gpubox_host_ed25519_key";
inline constexpr char kUserDataPath[] = "/var/lib/cloud/gpubox-user-data";
/// Run at every boot, as root, as cloud-init does on EC2 (the on-box agent's hook lives here).
inline constexpr char kPerBootDir[] = "/var/lib/cloud/scripts/per-boot";

std::string RenderSshdConfig(const std::string& listen_ip);

/// The commands that end an instance's OS. Each is RenderPowerCommand's script, written to
/// the disk's upper layer at /usr/sbin/NAME over the host's (a systemctl link, which fails
/// where no systemd runs).
inline constexpr const char* kPowerCommands[] = {"poweroff", "halt", "shutdown"};
/// The power commands' script: asks the instance's init (PID 1) with SIGUSR1 to end every
/// process and exit, which the local cloud sees (InstanceRuntime::PoweredOff). `poweroff`
/// and `halt` at once; `shutdown` at its time (`now`, `+M` minutes; none: +1, as systemd),
/// `shutdown -c` cancels a pending one, a reboot is refused. Root only.
std::string RenderPowerCommand();

struct BootPlan {
  std::string instance_id;
  std::string instance_dir;              ///< host path: holds disk/ and the rootfs/ mount point
  std::string state_dir;                 ///< host path hidden from the instance
  std::vector<std::string> hidden_dirs;  ///< more host paths hidden from it
  std::string hostname;
  bool pass_gpus = false;  ///< bind the host's /dev/nvidia* into the instance
  /// "256 SHA256:... root@HOST (ED25519)", printed to the console at boot as cloud-init does.
  std::string host_key_fingerprint;
};

/// What `ssh-keygen -lf` prints for an OpenSSH ed25519 public key line ("ssh-ed25519 BASE64
/// COMMENT"): "256 SHA256:DIGEST COMMENT (ED25519)" (unpadded base64 of the blob's SHA-256);
/// "" for anything else. Computed here: an ssh-keygen per boot costs twenty booting instances
/// a process each.
std::string HostKeyFingerprint(std::string_view public_key_line);

/// The device nodes bound from the host into every instance's /dev.
inline constexpr const char* kBootDeviceNodes[] = {"null",   "zero",    "full",
                                                   "random", "urandom", "tty"};
/// In the instance directory: /dev's files (empty node files for kBootDeviceNodes, pts/ and
/// shm/, the ptmx, fd, stdin, stdout and stderr links), copied into the fresh /dev at boot.
inline constexpr char kDevSkeletonDir[] = "dev-skeleton";

/// A field of an fstab(5) line: space, tab, newline and backslash written as octal escapes.
std::string FstabField(const std::string& field);

enum class BootMountStage {
  kRoot,     ///< the overlay root, the disk's /home /root /tmp, /proc, /sys, a tmpfs /dev
  kDevices,  ///< once /dev has its files: the host's nodes bound, devpts, /dev/shm, /run
};
/// The boot's mounts of a stage as fstab(5) lines (absolute host paths under
/// plan.instance_dir/rootfs), mounted by one `mount -a -T` each; kept in the instance
/// directory as BootMountsFile(stage).
std::string RenderBootMounts(const BootPlan& plan, BootMountStage stage);
const char* BootMountsFile(BootMountStage stage);

/// The script run by /bin/sh as PID 1 of the instance's new PID, mount and
/// UTS namespaces (already inside its network namespace). It builds the
/// root: an overlay of the host's / with the instance's disk as the upper
/// layer, /home /root /tmp from the disk, private /proc /sys /dev /run,
/// pivots into it, starts sshd, runs the user data once (a marker on the
/// disk) and the per-boot scripts (kPerBootDir) every boot, then stays as
/// the reaping init. At SIGUSR1 (a power command) it sends every process
/// SIGTERM, then SIGKILL two seconds later, and exits: the OS is shut down.
/// Output goes to the console log.
std::string RenderBootScript(const BootPlan& plan);

/// Single-quotes for sh.
std::string ShellQuote(const std::string& text);

}  // namespace gpubox::local
