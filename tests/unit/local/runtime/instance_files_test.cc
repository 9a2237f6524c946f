#include "gpubox/local/runtime/instance_files.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "gpubox/local/runtime/ipv4_subnet.h"

namespace gpubox::local {
namespace {

constexpr char kHostPasswd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "cloudsdk:x:1000:1000::/home/cloudsdk:/bin/bash\n"
    "ubuntu:x:1001:1001::/home/ubuntu:/bin/sh\n"
    "sshd:x:101:65534::/run/sshd:/usr/sbin/nologin\n";

TEST(InstanceFilesTest, PasswdHasExactlyOneUbuntuWithUid1000) {
  std::string passwd = RenderPasswd(kHostPasswd);
  EXPECT_EQ(passwd,
            "root:x:0:0:root:/root:/bin/bash\n"
            "sshd:x:101:65534::/run/sshd:/usr/sbin/nologin\n"
            "ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n");
  EXPECT_EQ(RenderPasswd(passwd), passwd);  // idempotent, for disks made from images
}

TEST(InstanceFilesTest, ShadowCarriesNoHashAndDoesNotLockUbuntu) {
  std::string shadow = RenderShadow(RenderPasswd(kHostPasswd));
  EXPECT_EQ(shadow,
            "root:*:19000:0:99999:7:::\n"
            "sshd:*:19000:0:99999:7:::\n"
            "ubuntu:*:19000:0:99999:7:::\n");
}

TEST(InstanceFilesTest, GroupGetsUbuntu) {
  EXPECT_EQ(RenderGroup("root:x:0:\ncloudsdk:x:1000:\n"), "root:x:0:\nubuntu:x:1000:\n");
}

TEST(InstanceFilesTest, HostsAndHostnameFollowEc2) {
  EXPECT_EQ(HostnameForIp("10.213.0.5"), "ip-10-213-0-5");
  EXPECT_EQ(RenderHosts("10.213.0.5", "ip-10-213-0-5", "us-east-1"),
            "127.0.0.1 localhost\n10.213.0.5 ip-10-213-0-5.ec2.internal ip-10-213-0-5\n"
            "::1 localhost ip6-localhost ip6-loopback\n");
  EXPECT_EQ(DnsSuffix("eu-west-1"), "eu-west-1.compute.internal");
}

TEST(InstanceFilesTest, SshdConfigIsKeyOnlyWithForwarding) {
  std::string config = RenderSshdConfig("10.213.0.5");
  for (const char* line :
       {"ListenAddress 10.213.0.5\n", "PasswordAuthentication no\n", "UsePAM no\n", "UseDNS no\n",
        "AllowTcpForwarding yes\n", "PermitRootLogin no\n", "PidFile /run/sshd.pid\n"}) {
    EXPECT_NE(config.find(line), std::string::npos) << line;
  }
}

TEST(InstanceFilesTest, BootScriptStartsSshdRunsUserDataOnceAndPerBootScripts) {
  BootPlan plan{"i-0abc",
                "/var/lib/gpubox/local/instances/i-0abc",
                "/var/lib/gpubox/local",
                {"/var/lib/gpubox-local"},
                "ip-10-213-0-5"};
  std::string script = RenderBootScript(plan);
  for (const char* part :
       {"/usr/sbin/sshd -f /etc/ssh/gpubox_sshd_config",
        "[ ! -e /var/lib/cloud/gpubox-user-data.i-0abc.done ]",
        ": > /var/lib/cloud/gpubox-user-data.i-0abc.done",
        "for script in /var/lib/cloud/scripts/per-boot/*; do", "echo \"[gpubox] i-0abc is up\""}) {
    EXPECT_NE(script.find(part), std::string::npos) << part;
  }
  // The root is built before the script runs (RenderBootSteps): no host path in it.
  EXPECT_EQ(script.find("/var/lib/gpubox"), std::string::npos);
  EXPECT_EQ(script.find("mount"), std::string::npos);
}

TEST(InstanceFilesTest, BootStepsBuildAPrivateRootInMountOrder) {
  BootPlan plan{"i-0abc", "/srv/my instances/i-0abc", "/srv", {"/var/gbxt-hidden", "/srv"}, "ip-1"};
  std::vector<BootStep> steps = RenderBootSteps(plan, {});
  auto index_of = [&](const std::string& target, BootStep::Kind kind = BootStep::kMount) {
    for (size_t at = 0; at < steps.size(); ++at) {
      if (steps[at].target == target && steps[at].kind == kind) return static_cast<int>(at);
    }
    return -1;
  };
  std::string root = "/srv/my instances/i-0abc/rootfs";
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps[0].kind, BootStep::kMount);
  EXPECT_EQ(steps[0].type, "overlay");
  EXPECT_EQ(steps[0].target, root);
  EXPECT_EQ(steps[0].data,
            "lowerdir=/,upperdir=/srv/my instances/i-0abc/disk/upper,"
            "workdir=/srv/my instances/i-0abc/disk/work");
  int home = index_of(root + "/home");
  ASSERT_GE(home, 0);
  EXPECT_EQ(steps[home].source, "/srv/my instances/i-0abc/disk/home");
  EXPECT_EQ(steps[home].flags, static_cast<unsigned long>(MS_BIND));
  EXPECT_EQ(steps[index_of(root + "/sys")].flags & MS_RDONLY,
            static_cast<unsigned long>(MS_RDONLY));
  // /dev: its tmpfs, then the files the host's nodes are bound on, then the binds.
  int dev = index_of(root + "/dev");
  ASSERT_GT(dev, index_of(root + "/proc"));
  for (const char* node : kBootDeviceNodes) {
    int file = index_of(root + "/dev/" + node, BootStep::kMakeFile);
    int bind = index_of(root + "/dev/" + node);
    EXPECT_GT(file, dev) << node;
    EXPECT_GT(bind, file) << node;
    EXPECT_EQ(steps[bind].source, std::string("/dev/") + node);
  }
  EXPECT_EQ(steps[index_of(root + "/dev/ptmx", BootStep::kSymlink)].source, "pts/ptmx");
  int pts = index_of(root + "/dev/pts");
  EXPECT_GT(pts, index_of(root + "/dev/pts", BootStep::kMakeDir));
  EXPECT_NE(steps[pts].data.find("newinstance"), std::string::npos);
  EXPECT_GT(index_of(root + "/run/oldroot", BootStep::kMakeDir), index_of(root + "/run"));
  // The state directory and the hidden ones: an empty read-only tmpfs, where they exist.
  EXPECT_EQ(std::count_if(steps.begin(), steps.end(),
                          [&](const BootStep& step) { return step.target == root + "/srv"; }),
            1);  // the state directory, named twice, covered once
  for (const char* hidden : {"/srv", "/var/gbxt-hidden"}) {
    int cover = index_of(root + hidden);
    ASSERT_GE(cover, 0) << hidden;
    EXPECT_TRUE(steps[cover].only_if_dir);
    EXPECT_EQ(steps[cover].flags & MS_RDONLY, static_cast<unsigned long>(MS_RDONLY));
  }
  EXPECT_EQ(index_of(root + "/dev/nvidia0"), -1);
  // A GPU type: the host's nodes bound in, nvidia-caps with what it holds.
  steps = RenderBootSteps(plan, {{"/dev/nvidia0", false}, {"/dev/nvidia-caps", true}});
  int gpu = index_of(root + "/dev/nvidia0");
  ASSERT_GT(gpu, index_of(root + "/dev/nvidia0", BootStep::kMakeFile));
  EXPECT_EQ(steps[gpu].flags, static_cast<unsigned long>(MS_BIND));
  int caps = index_of(root + "/dev/nvidia-caps");
  ASSERT_GT(caps, index_of(root + "/dev/nvidia-caps", BootStep::kMakeDir));
  EXPECT_EQ(steps[caps].flags, static_cast<unsigned long>(MS_BIND | MS_REC));
}

/// Runs the power command script as NAME with ARGS, its signal to the init and its pending
/// file replaced (never this machine's PID 1); returns its output.
std::string RunPowerCommand(const std::string& name, const std::string& args) {
  std::string dir = ::testing::TempDir() + "gpubox-power-" + std::to_string(getpid());
  std::string script = RenderPowerCommand();
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at; (at = script.find(from)) != std::string::npos;)
      script.replace(at, from.size(), to);
  };
  replace("kill -s USR1 1", "echo signalled-init");
  replace("/run/gpubox-shutdown.pid", dir + ".pending");
  std::ofstream(dir + "-" + name) << script;
  std::string command = "sh " + dir + "-" + name + " " + args + " 2>&1; echo status=$?";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  for (char buffer[256]; fgets(buffer, sizeof buffer, pipe);) out += buffer;
  pclose(pipe);
  return out;
}

TEST(InstanceFilesTest, BootScriptEndsTheOsWhenAPowerCommandSignalsItsInit) {
  BootPlan plan{"i-0abc", "/i", "/s", {}, "ip-10-213-0-5"};
  std::string script = RenderBootScript(plan);
  EXPECT_NE(script.find("kill -s TERM -- -1; sleep 2; kill -s KILL -- -1; exit 0' USR1"),
            std::string::npos);
  EXPECT_EQ(std::size(kPowerCommands), 3u);
}

TEST(InstanceFilesTest, PowerCommandsSignalTheInitAtOnceOrAtTheirTime) {
  if (geteuid() != 0) GTEST_SKIP() << "the commands are root's";
  EXPECT_NE(RunPowerCommand("poweroff", "").find("signalled-init\nstatus=0"), std::string::npos);
  EXPECT_NE(RunPowerCommand("halt", "-p").find("signalled-init"), std::string::npos);
  EXPECT_NE(RunPowerCommand("shutdown", "-h now").find("signalled-init"), std::string::npos);
  std::string later = RunPowerCommand("shutdown", "-h +5 'going down'");
  EXPECT_NE(later.find("Shutdown scheduled in 5 minute(s)"), std::string::npos) << later;
  EXPECT_EQ(later.find("signalled-init"), std::string::npos);
  EXPECT_NE(RunPowerCommand("shutdown", "-c").find("status=0"), std::string::npos);
  std::string reboot = RunPowerCommand("shutdown", "-r now");
  EXPECT_NE(reboot.find("reboot is not supported"), std::string::npos);
  EXPECT_NE(reboot.find("status=1"), std::string::npos);
}

TEST(InstanceFilesTest, ShellQuoteSurvivesQuotes) { EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'"); }

TEST(InstanceFilesTest, HostKeyFingerprintIsWhatSshKeygenPrints) {
  // The judge: ssh-keygen itself, on a key it makes.
  std::string dir = "/tmp/gpubox-fp-" + std::to_string(getpid());
  std::string key = dir + "/key";
  ASSERT_EQ(std::system(("mkdir -p " + dir +
                         " && ssh-keygen -q -t ed25519 -N '' -C root@ip-10-0-0-4 -f " + key +
                         " && ssh-keygen -lf " + key + ".pub > " + dir + "/fp")
                            .c_str()),
            0);
  std::ifstream public_key(key + ".pub"), printed(dir + "/fp");
  std::string line, expected;
  std::getline(public_key, line);
  std::getline(printed, expected);
  std::system(("rm -rf " + dir).c_str());
  EXPECT_EQ(HostKeyFingerprint(line), expected);
  EXPECT_EQ(HostKeyFingerprint("ssh-rsa AAAAB3NzaC1yc2E= x"), "");
  EXPECT_EQ(HostKeyFingerprint("ssh-ed25519 !!! x"), "");
}

}  // namespace
}  // namespace gpubox::local
