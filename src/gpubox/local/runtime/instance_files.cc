#include "gpubox/local/runtime/instance_files.h"

#include <cstdio>
#include <set>
#include <vector>

#include "gpubox/util/encoding.h"
#include "gpubox/util/sha256.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

/// Keeps the lines of a colon-separated database whose name is not `name`
/// and whose id (field 2) is not `id`; collects the names it drops.
std::string WithoutEntry(const std::string& base, std::set<std::string>* dropped) {
  std::string kept;
  for (std::string_view line : Split(base, '\n')) {
    if (Trim(line).empty()) continue;
    auto fields = Split(line, ':');
    bool drop =
        fields[0] == kLoginUser || (fields.size() > 2 && fields[2] == std::to_string(kLoginUid));
    if (drop) {
      if (dropped) dropped->insert(std::string(fields[0]));
      continue;
    }
    kept += std::string(line) + "\n";
  }
  return kept;
}

}  // namespace

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string RenderPasswd(const std::string& base) {
  return WithoutEntry(base, nullptr) + kLoginUser + ":x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n";
}

std::string RenderGroup(const std::string& base) {
  return WithoutEntry(base, nullptr) + kLoginUser + ":x:1000:\n";
}

std::string RenderShadow(const std::string& passwd) {
  std::string shadow;
  for (std::string_view line : Split(passwd, '\n')) {
    if (Trim(line).empty()) continue;
    shadow += std::string(Split(line, ':')[0]) + ":*:19000:0:99999:7:::\n";
  }
  return shadow;
}

std::string DnsSuffix(const std::string& region) {
  return region == "us-east-1" ? "ec2.internal" : region + ".compute.internal";
}

std::string RenderHosts(const std::string& ip, const std::string& hostname,
                        const std::string& region) {
  return "127.0.0.1 localhost\n" + ip + " " + hostname + "." + DnsSuffix(region) + " " + hostname +
         "\n" + "::1 localhost ip6-localhost ip6-loopback\n";
}

std::string RenderSshdConfig(const std::string& listen_ip) {
  return std::string("# gpubox local instance sshd (generated)\n") + "ListenAddress " + listen_ip +
         "\n" +
         "Port 22\n"
         "HostKey " +
         kHostKeyPath + "\n" +
         "PidFile /run/sshd.pid\n"
         "AuthorizedKeysFile .ssh/authorized_keys\n"
         "PubkeyAuthentication yes\n"
         "PasswordAuthentication no\n"
         "KbdInteractiveAuthentication no\n"
         "PermitRootLogin no\n"
         "UsePAM no\n"
         "UseDNS no\n"
         "StrictModes yes\n"
         "AllowTcpForwarding yes\n"
         "X11Forwarding no\n"
         "PrintMotd no\n"
         "AcceptEnv LANG LC_*\n"
         "Subsystem sftp /usr/lib/openssh/sftp-server\n";
}

std::string RenderPowerCommand() {
  return R"script(#!/bin/sh
# gpubox local instance: poweroff, halt and shutdown end the OS (generated). The init (PID 1)
# ends every process and exits; the local cloud then stops or terminates the instance as its
# InstanceInitiatedShutdownBehavior says, as EC2 does.
name=${0##*/}
pending=/run/gpubox-shutdown.pid
delay=0
[ "$name" = shutdown ] && delay=1
for arg in "$@"; do
  case "$arg" in
    -r|--reboot) echo "$name: reboot is not supported on local instances" >&2; exit 1 ;;
    -c) [ "$name" = shutdown ] || continue
        [ -f "$pending" ] && kill "$(cat "$pending")" 2>/dev/null; rm -f "$pending"; exit 0 ;;
    now) delay=0 ;;
    +[0-9]*) delay=${arg#+} ;;
    -*) ;;
    *) break ;;
  esac
done
if [ "$(id -u)" != 0 ]; then echo "$name: must be root" >&2; exit 1; fi
if [ "$delay" -gt 0 ] 2>/dev/null; then
  (trap 'kill $! 2>/dev/null; exit 0' TERM
   sleep $((delay * 60)) & wait $! && kill -s USR1 1) </dev/null >/dev/null 2>&1 &
  echo $! > "$pending"
  echo "Shutdown scheduled in $delay minute(s), use 'shutdown -c' to cancel."
  exit 0
fi
echo "$name: the system is going down now" >&2
exec kill -s USR1 1
)script";
}

std::string FstabField(const std::string& field) {
  std::string escaped;
  for (char c : field) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
      char octal[5];
      std::snprintf(octal, sizeof octal, "\\%03o", static_cast<unsigned char>(c));
      escaped += octal;
    } else {
      escaped += c;
    }
  }
  return escaped;
}

const char* BootMountsFile(BootMountStage stage) {
  return stage == BootMountStage::kRoot ? "boot-mounts.root" : "boot-mounts.devices";
}

std::string RenderBootMounts(const BootPlan& plan, BootMountStage stage) {
  std::string root = plan.instance_dir + "/rootfs", disk = plan.instance_dir + "/disk";
  auto line = [](const std::string& source, const std::string& target, const char* type,
                 const std::string& options) {
    return FstabField(source) + " " + FstabField(target) + " " + type + " " + FstabField(options) +
           " 0 0\n";
  };
  std::string mounts;
  if (stage == BootMountStage::kRoot) {
    mounts += line("overlay", root, "overlay",
                   "lowerdir=/,upperdir=" + disk + "/upper,workdir=" + disk + "/work");
    for (const char* part : {"home", "root", "tmp"}) {
      mounts += line(disk + "/" + part, root + "/" + part, "none", "bind");
    }
    mounts += line("proc", root + "/proc", "proc", "nosuid,nodev,noexec");
    mounts += line("sysfs", root + "/sys", "sysfs", "ro,nosuid,nodev,noexec");
    mounts += line("tmpfs", root + "/dev", "tmpfs", "mode=755,size=1m,nosuid");
    return mounts;
  }
  for (const char* node : kBootDeviceNodes) {
    mounts += line(std::string("/dev/") + node, root + "/dev/" + node, "none", "bind");
  }
  mounts +=
      line("devpts", root + "/dev/pts", "devpts", "newinstance,ptmxmode=0666,mode=0620,gid=5");
  mounts += line("tmpfs", root + "/dev/shm", "tmpfs", "mode=1777,size=256m,nosuid,nodev");
  mounts += line("tmpfs", root + "/run", "tmpfs", "mode=755,size=16m,nosuid,nodev");
  return mounts;
}

std::string HostKeyFingerprint(std::string_view public_key_line) {
  std::vector<std::string_view> fields = Split(Trim(public_key_line), ' ');
  if (fields.size() < 2 || fields[0] != "ssh-ed25519") return "";
  auto blob = Base64Decode(fields[1]);
  if (!blob || blob->empty()) return "";
  std::string digest = Base64Encode(Sha256Digest(*blob));
  while (!digest.empty() && digest.back() == '=') digest.pop_back();
  std::string comment = fields.size() > 2 ? std::string(fields[2]) : "no comment";
  return "256 SHA256:" + digest + " " + comment + " (ED25519)";
}

std::string RenderBootScript(const BootPlan& plan) {
  std::string marker = "/var/lib/cloud/gpubox-user-data." + plan.instance_id + ".done";
  std::string gpus = plan.pass_gpus
                         ? "for node in /dev/nvidia*; do\n"
                           "  [ -e \"$node\" ] || continue\n"
                           "  if [ -d \"$node\" ]; then mkdir -p \"$R$node\"; mount --rbind "
                           "\"$node\" \"$R$node\"\n"
                           "  else : > \"$R$node\"; mount --bind \"$node\" \"$R$node\"; fi\n"
                           "  echo \"[gpubox] GPU device $node\"\n"
                           "done\n"
                         : "";
  std::string hidden;
  for (const std::string& dir : plan.hidden_dirs) {
    std::string path = "\"$R\"" + ShellQuote(dir);
    hidden += "if [ -d " + path + " ]; then mount -t tmpfs -o size=4k,mode=700,ro tmpfs " + path +
              "; fi\n";
  }
  // Every program started here costs a fork and an exec, and twenty instances boot at
  // once on two cores: no `date`, the mounts go in two `mount -a` batches (fstab files:
  // libmount cannot parse one from a pipe),
  // /dev's files are copied from the skeleton the disk was prepared with, and the host
  // name is set through /proc.
  return "#!/bin/sh\n"
         "# gpubox instance boot: PID 1 of the instance's namespaces (generated).\n"
         "set -eu\n"
         "I=" +
         ShellQuote(plan.instance_dir) + "\n" + "S=" + ShellQuote(plan.state_dir) + "\n" +
         "R=\"$I/rootfs\"\n"
         "echo \"[gpubox] booting " +
         plan.instance_id + "\"\n" + "echo " + ShellQuote(plan.hostname) +
         " > /proc/sys/kernel/hostname\n"
         "mount -a -T \"$I/" +
         BootMountsFile(BootMountStage::kRoot) +
         "\"\n"
         "cp -a \"$I/" +
         kDevSkeletonDir + "/.\" \"$R/dev/\"\n" + gpus + "mount -a -T \"$I/" +
         BootMountsFile(BootMountStage::kDevices) +
         "\"\n"
         "mkdir -p \"$R/run/sshd\" \"$R/run/lock\" \"$R/run/oldroot\"\n"
         "# The local cloud's own files stay hidden from the instance.\n"
         "if [ -d \"$R$S\" ]; then mount -t tmpfs -o size=4k,mode=700,ro tmpfs \"$R$S\"; fi\n" +
         hidden +
         "cd \"$R\"\n"
         "pivot_root . run/oldroot\n"
         "umount -l /run/oldroot\n"
         "cd /\n"
         "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
         "export HOME=/root LANG=C.UTF-8\n"
         "/usr/sbin/sshd -f " +
         kSshdConfigPath + "\n" +
         "echo \"[gpubox] sshd started\"\n"
         "set +e\n"
         "if [ -f " +
         kUserDataPath + " ] && [ ! -e " + marker + " ]; then\n" + "  : > " + marker + "\n" +
         "  (cd /root; echo \"[gpubox] running user data\"; " + kUserDataPath + "\n" +
         "   echo \"[gpubox] user data exited with status $?\") </dev/null &\n"
         "fi\n"
         "# Every boot, as cloud-init's scripts-per-boot: the executables there, in order.\n"
         "(for script in " +
         kPerBootDir +
         "/*; do\n"
         "  [ -f \"$script\" ] && [ -x \"$script\" ] || continue\n"
         "  echo \"[gpubox] per-boot $script\"; \"$script\"\n"
         "done) </dev/null &\n" +
         (plan.host_key_fingerprint.empty()
              ? ""
              : "echo " + ShellQuote("[gpubox] host key: " + plan.host_key_fingerprint) + "\n") +
         "echo \"[gpubox] " + plan.instance_id + " is up\"\n" +
         "trap 'exit 0' TERM INT\n"
         "# A power command inside (RenderPowerCommand): end every process, then the OS.\n"
         "# (dash's kill takes the pid -1, every process, only after --.)\n"
         "trap 'echo \"[gpubox] OS shutdown at $(date -u +%FT%TZ)\"; kill -s TERM -- -1; "
         "sleep 2; kill -s KILL -- -1; exit 0' USR1\n"
         "while :; do sleep 86400 & wait $!; done\n";
}

}  // namespace gpubox::local
