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

/// A host GPU device (/dev/nvidia*) bound into a GPU instance: a node, or a directory
/// (nvidia-caps, bound with what it holds).
struct GpuDevice {
  std::string path;
  bool directory = false;
};

/// One step of the first half of an instance's boot, which its init makes with system calls
/// (instance_init.h) before its shell: host paths, in the instance's new mount namespace.
struct BootStep {
  enum Kind { kMount, kMakeDir, kMakeFile, kSymlink };
  Kind kind;
  std::string source;        ///< kMount: what is mounted; kSymlink: the link's target
  std::string target;        ///< the path mounted on, or made
  std::string type;          ///< kMount: the file system type ("" for a bind)
  unsigned long flags = 0;   ///< kMount: MS_* flags
  std::string data;          ///< kMount: the file system's options
  bool only_if_dir = false;  ///< kMount: skipped unless target is a directory
};

/// The steps that build the instance's root under plan.instance_dir/rootfs, in order: an
/// overlay of the host's / with the disk's upper layer on top, the disk's /home /root /tmp,
/// private /proc and read-only /sys, a fresh tmpfs /dev (the host's kBootDeviceNodes and
/// `gpu_devices` bound in, its own devpts and /dev/shm), a tmpfs /run with /run/sshd,
/// /run/lock and /run/oldroot (the pivot's), and the state directory and the hidden
/// directories covered by empty read-only tmpfs.
std::vector<BootStep> RenderBootSteps(const BootPlan& plan,
                                      const std::vector<GpuDevice>& gpu_devices);

/// The script the instance's init runs as /bin/sh, PID 1, once RenderBootSteps built its
/// root and it pivoted there: it starts sshd, runs the user data once (a marker on the
/// disk) and the per-boot scripts (kPerBootDir) every boot, then stays as the reaping init.
/// At SIGUSR1 (a power command) it sends every process SIGTERM, then SIGKILL two seconds
/// later, and exits: the OS is shut down. Output goes to the console log.
std::string RenderBootScript(const BootPlan& plan);

/// Single-quotes for sh.
std::string ShellQuote(const std::string& text);

}  // namespace gpubox::local
