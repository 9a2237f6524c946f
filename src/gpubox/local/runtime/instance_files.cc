#include "gpubox/local/runtime/instance_files.h"

#include <set>
#include <vector>

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

std::string RenderBootScript(const BootPlan& plan) {
  std::string marker = "/var/lib/cloud/gpubox-user-data." + plan.instance_id + ".done";
  std::string gpus = plan.pass_gpus
                         ? "for node in /dev/nvidia*; do\n"
                           "  [ -e \"$node\" ] || continue\n"
                           "  if [ -d \"$node\" ]; then mkdir -p \"$R$node\"; mount --rbind "
                           "\"$node\" \"$R$node\"\n"
                           "  else touch \"$R$node\"; mount --bind \"$node\" \"$R$node\"; fi\n"
                           "  echo \"[gpubox] GPU device $node\"\n"
                           "done\n"
                         : "";
  std::string hidden;
  for (const std::string& dir : plan.hidden_dirs) {
    std::string path = "\"$R\"" + ShellQuote(dir);
    hidden += "if [ -d " + path + " ]; then mount -t tmpfs -o size=4k,mode=700,ro tmpfs " + path +
              "; fi\n";
  }
  return "#!/bin/sh\n"
         "# gpubox instance boot: PID 1 of the instance's namespaces (generated).\n"
         "set -eu\n"
         "I=" +
         ShellQuote(plan.instance_dir) + "\n" + "S=" + ShellQuote(plan.state_dir) + "\n" +
         "D=\"$I/disk\"\n"
         "R=\"$I/rootfs\"\n"
         "echo \"[gpubox] booting " +
         plan.instance_id + " at $(date -u +%FT%TZ)\"\n" + "hostname " + ShellQuote(plan.hostname) +
         "\n" +
         "mount -t overlay overlay -o \"lowerdir=/,upperdir=$D/upper,workdir=$D/work\" \"$R\"\n"
         "mount --bind \"$D/home\" \"$R/home\"\n"
         "mount --bind \"$D/root\" \"$R/root\"\n"
         "mount --bind \"$D/tmp\" \"$R/tmp\"\n"
         "mount -t proc -o nosuid,nodev,noexec proc \"$R/proc\"\n"
         "mount -t sysfs -o ro,nosuid,nodev,noexec sysfs \"$R/sys\"\n"
         "mount -t tmpfs -o mode=755,size=1m,nosuid tmpfs \"$R/dev\"\n"
         "for node in null zero full random urandom tty; do\n"
         "  touch \"$R/dev/$node\"; mount --bind \"/dev/$node\" \"$R/dev/$node\"\n"
         "done\n"
         "mkdir \"$R/dev/pts\" \"$R/dev/shm\"\n"
         "mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts \"$R/dev/pts\"\n"
         "ln -s pts/ptmx \"$R/dev/ptmx\"\n"
         "ln -s /proc/self/fd \"$R/dev/fd\"\n"
         "ln -s /proc/self/fd/0 \"$R/dev/stdin\"\n"
         "ln -s /proc/self/fd/1 \"$R/dev/stdout\"\n"
         "ln -s /proc/self/fd/2 \"$R/dev/stderr\"\n"
         "mount -t tmpfs -o mode=1777,size=256m,nosuid,nodev tmpfs \"$R/dev/shm\"\n" +
         gpus +
         "mount -t tmpfs -o mode=755,size=16m,nosuid,nodev tmpfs \"$R/run\"\n"
         "mkdir -p \"$R/run/sshd\" \"$R/run/lock\" \"$R/run/oldroot\"\n"
         "# The local cloud's own files stay hidden from the instance.\n"
         "if [ -d \"$R$S\" ]; then mount -t tmpfs -o size=4k,mode=700,ro tmpfs \"$R$S\"; fi\n" +
         hidden +
         "cd \"$R\"\n"
         "pivot_root . run/oldroot\n"
         "umount -l /run/oldroot\n"
         "rmdir /run/oldroot\n"
         "cd /\n"
         "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
         "export HOME=/root LANG=C.UTF-8\n"
         "/usr/sbin/sshd -f " +
         kSshdConfigPath + "\n" +
         "echo \"[gpubox] sshd started\"\n"
         "set +e\n"
         "if [ -f " +
         kUserDataPath + " ] && [ ! -e " + marker + " ]; then\n" + "  touch " + marker + "\n" +
         "  (cd /root; echo \"[gpubox] running user data\"; " + kUserDataPath + "\n" +
         "   echo \"[gpubox] user data exited with status $?\") </dev/null &\n"
         "fi\n"
         "ssh-keygen -lf " +
         kHostKeyPath + ".pub | sed 's/^/[gpubox] host key: /'\n" + "echo \"[gpubox] " +
         plan.instance_id + " is up\"\n" +
         "trap 'exit 0' TERM INT\n"
         "while :; do sleep 86400 & wait $!; done\n";
}

}  // namespace gpubox::local
