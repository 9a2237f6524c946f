#include "gpubox/local/runtime/instance_files.h"

#include <sys/mount.h>

#include <algorithm>
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

std::vector<BootStep> RenderBootSteps(const BootPlan& plan,
                                      const std::vector<GpuDevice>& gpu_devices) {
  std::string root = plan.instance_dir + "/rootfs", disk = plan.instance_dir + "/disk";
  std::vector<BootStep> steps;
  auto mount = [&](std::string source, std::string target, std::string type, unsigned long flags,
                   std::string data) {
    steps.push_back({BootStep::kMount, std::move(source), std::move(target), std::move(type), flags,
                     std::move(data)});
  };
  auto make = [&](BootStep::Kind kind, std::string target, std::string source = "") {
    steps.push_back({kind, std::move(source), std::move(target)});
  };
  mount("overlay", root, "overlay", 0,
        "lowerdir=/,upperdir=" + disk + "/upper,workdir=" + disk + "/work");
  for (const char* part : {"home", "root", "tmp"}) {
    mount(disk + "/" + part, root + "/" + part, "", MS_BIND, "");
  }
  mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  mount("sysfs", root + "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  // A fresh /dev: its directories, the mount points of the host's nodes, the usual links.
  mount("tmpfs", root + "/dev", "tmpfs", MS_NOSUID, "mode=755,size=1m");
  make(BootStep::kMakeDir, root + "/dev/pts");
  make(BootStep::kMakeDir, root + "/dev/shm");
  for (const char* node : kBootDeviceNodes) make(BootStep::kMakeFile, root + "/dev/" + node);
  for (const auto& [name, target] : {std::pair{"ptmx", "pts/ptmx"},
                                     {"fd", "/proc/self/fd"},
                                     {"stdin", "/proc/self/fd/0"},
                                     {"stdout", "/proc/self/fd/1"},
                                     {"stderr", "/proc/self/fd/2"}}) {
    make(BootStep::kSymlink, root + "/dev/" + name, target);
  }
  for (const GpuDevice& device : gpu_devices) {
    make(device.directory ? BootStep::kMakeDir : BootStep::kMakeFile, root + device.path);
    mount(device.path, root + device.path, "", MS_BIND | (device.directory ? MS_REC : 0), "");
  }
  for (const char* node : kBootDeviceNodes) {
    mount(std::string("/dev/") + node, root + "/dev/" + node, "", MS_BIND, "");
  }
  mount("devpts", root + "/dev/pts", "devpts", 0, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=256m");
  mount("tmpfs", root + "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m");
  for (const char* dir : {"/run/sshd", "/run/lock", "/run/oldroot"}) {
    make(BootStep::kMakeDir, root + dir);
  }
  // The local cloud's own files, and the other hidden host paths, stay hidden.
  std::vector<std::string> hidden = {plan.state_dir};
  for (const std::string& dir : plan.hidden_dirs) {
    if (std::find(hidden.begin(), hidden.end(), dir) == hidden.end()) hidden.push_back(dir);
  }
  for (const std::string& dir : hidden) {
    mount("tmpfs", root + dir, "tmpfs", MS_RDONLY, "size=4k,mode=700");
    steps.back().only_if_dir = true;
  }
  return steps;
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
  return "#!/bin/sh\n"
         "# gpubox instance init: PID 1 of the instance once its root is built (generated).\n"
         "set -eu\n"
         "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
         "export HOME=/root LANG=C.UTF-8\n"
         "/usr/sbin/sshd -f " +
         std::string(kSshdConfigPath) + "\n" +
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
