#include "gpubox/local/runtime/instance_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

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

TEST(InstanceFilesTest, BootScriptBuildsAPrivateRootRunsUserDataOnceAndPerBootScripts) {
  BootPlan plan{"i-0abc",
                "/var/lib/gpubox/local/instances/i-0abc",
                "/var/lib/gpubox/local",
                {"/var/lib/gpubox-local"},
                "ip-10-213-0-5",
                false};
  std::string script = RenderBootScript(plan);
  for (const char* part :
       {"I='/var/lib/gpubox/local/instances/i-0abc'",
        "echo 'ip-10-213-0-5' > /proc/sys/kernel/hostname", "mount -a -T \"$I/boot-mounts.root\"",
        "mount -a -T \"$I/boot-mounts.devices\"", "cp -a \"$I/dev-skeleton/.\" \"$R/dev/\"",
        "pivot_root . run/oldroot", "umount -l /run/oldroot",
        "/usr/sbin/sshd -f /etc/ssh/gpubox_sshd_config",
        "[ ! -e /var/lib/cloud/gpubox-user-data.i-0abc.done ]",
        ": > /var/lib/cloud/gpubox-user-data.i-0abc.done",
        "for script in /var/lib/cloud/scripts/per-boot/*; do",
        "mount -t tmpfs -o size=4k,mode=700,ro tmpfs \"$R\"'/var/lib/gpubox-local'"}) {
    EXPECT_NE(script.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(script.find("nvidia"), std::string::npos);
  plan.pass_gpus = true;
  EXPECT_NE(RenderBootScript(plan).find("/dev/nvidia*"), std::string::npos);
}

TEST(InstanceFilesTest, BootMountsAreFstabLinesInMountOrder) {
  BootPlan plan{"i-0abc", "/srv/my instances/i-0abc", "/srv", {}, "ip-10-213-0-5", false};
  std::string root = RenderBootMounts(plan, BootMountStage::kRoot);
  EXPECT_EQ(root.find("overlay /srv/my\\040instances/i-0abc/rootfs overlay "
                      "lowerdir=/,upperdir=/srv/my\\040instances/i-0abc/disk/upper,"
                      "workdir=/srv/my\\040instances/i-0abc/disk/work 0 0\n"),
            0u);
  EXPECT_NE(root.find("/srv/my\\040instances/i-0abc/disk/home "
                      "/srv/my\\040instances/i-0abc/rootfs/home none bind 0 0\n"),
            std::string::npos);
  EXPECT_LT(root.find("rootfs/proc proc"), root.find("rootfs/dev tmpfs"));
  std::string devices = RenderBootMounts(plan, BootMountStage::kDevices);
  for (const char* node : kBootDeviceNodes) {
    EXPECT_NE(devices.find(std::string("/dev/") + node +
                           " /srv/my\\040instances/i-0abc/rootfs/dev/" + node + " none bind 0 0\n"),
              std::string::npos)
        << node;
  }
  EXPECT_NE(devices.find("devpts /srv/my\\040instances/i-0abc/rootfs/dev/pts devpts newinstance"),
            std::string::npos);
  EXPECT_EQ(FstabField("a\\b\tc\nd"), "a\\134b\\011c\\012d");
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
  BootPlan plan{"i-0abc", "/i", "/s", {}, "ip-10-213-0-5", false};
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
