// Root-only: real namespaces, sshd, nftables and IMDS on this host.
#include "gpubox/local/runtime/instance_runtime.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "gpubox/local/runtime/host_processes.h"
#include "gpubox/local/runtime/instance_record.h"
#include "gpubox/util/strings.h"
#include "runtime_test_host.h"

namespace gpubox::local {
namespace {

using testing_host::kBridgeIp;
using testing_host::RuntimeTest;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string ImdsGet(testing_host::RuntimeTestHost& host, const std::string& instance_id,
                    const std::string& path, const std::string& token) {
  std::vector<std::string> argv = {"curl", "-s", "-w", " %{http_code}", "--max-time", "5"};
  if (!token.empty()) {
    argv.push_back("-H");
    argv.push_back("X-aws-ec2-metadata-token: " + token);
  }
  argv.push_back(std::string("http://169.254.169.254") + path);
  return host.InNetns(instance_id, argv).out;
}

std::string ImdsToken(testing_host::RuntimeTestHost& host, const std::string& instance_id) {
  return host
      .InNetns(instance_id, {"curl", "-s", "--max-time", "5", "-X", "PUT", "-H",
                             "X-aws-ec2-metadata-token-ttl-seconds: 60",
                             "http://169.254.169.254/latest/api/token"})
      .out;
}

uint64_t PidNamespaceOf(const std::string& state_dir, const std::string& instance_id) {
  std::ifstream file(state_dir + "/instances/" + instance_id + "/record.json");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto record = DecodeRuntimeRecord(text);
  return record ? record->pid_namespace : 0;
}

TEST_F(RuntimeTest, LaunchSshImdsUserDataStopStartTerminate) {
  InstanceSpec spec = host().Spec("i-0gbxt000000000001");
  spec.user_data =
      "#!/bin/sh\necho hello-from-user-data\necho ran >> /home/ubuntu/user-data-runs\n"
      "echo root-was-here > /opt/gbxt-marker\n";
  auto start = std::chrono::steady_clock::now();
  auto launched = runtime().Launch(spec);
  ASSERT_TRUE(launched) << launched.error().message << " " << launched.error().hint;
  EXPECT_NE(launched->state, InstanceState::kStopped);
  auto running = runtime().WaitUntilRunning(spec.instance_id);
  ASSERT_TRUE(running) << running.error().message;
  ProcessResult login =
      host().Ssh(running->private_ip, "id -un; id -u; hostname; cat /etc/hostname");
  double launch_to_login = SecondsSince(start);
  std::printf("[ metric ] launch -> ssh login: %.3f s\n", launch_to_login);
  ASSERT_EQ(login.exit_code, 0) << login.err;
  EXPECT_EQ(login.out, "ubuntu\n1000\nip-10-213-250-4\nip-10-213-250-4\n");
  EXPECT_EQ(running->private_ip, "10.213.250.4");

  // The instance inherits no descriptor of the daemon (sockets above all).
  std::string keeper_fds = "/proc/" + std::to_string(running->init_pid) + "/fd";
  EXPECT_EQ(host().runner().Run({"find", keeper_fds, "-lname", "socket:*"})->out, "");
  // Hidden host directories stay hidden; the host's /root and /home too.
  EXPECT_EQ(host().Ssh(running->private_ip, "cat /var/tmp/gbxt-hidden/secret").out, "");
  EXPECT_EQ(host().Ssh(running->private_ip, "ls /home").out, "ubuntu\n");
  // The host's processes are invisible; the host's users are not touched.
  ProcessResult processes = host().Ssh(running->private_ip, "ps -e -o comm=");
  EXPECT_EQ(processes.out.find("gpubox_tests"), std::string::npos) << processes.out;
  EXPECT_NE(processes.out.find("sshd"), std::string::npos) << processes.out;
  std::ifstream host_passwd("/etc/passwd");
  std::string passwd((std::istreambuf_iterator<char>(host_passwd)), {});
  EXPECT_EQ(passwd.find("ubuntu:x:1000"), std::string::npos);

  // IMDSv2 inside the namespace: 401 without a token, metadata with one.
  EXPECT_EQ(ImdsGet(host(), spec.instance_id, "/latest/meta-data/instance-id", ""),
            "Unauthorized 401");
  std::string token = ImdsToken(host(), spec.instance_id);
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(ImdsGet(host(), spec.instance_id, "/latest/meta-data/instance-id", token),
            spec.instance_id + " 200");
  EXPECT_EQ(
      ImdsGet(host(), spec.instance_id, "/latest/meta-data/placement/availability-zone", token),
      "us-east-1a 200");
  EXPECT_EQ(ImdsGet(host(), spec.instance_id, "/latest/meta-data/spot/instance-action", token)
                .substr(0, 9),
            "Not Found");
  ASSERT_TRUE(runtime().SetInstanceAction(spec.instance_id, "stop", "2026-01-01T00:00:00Z"));
  EXPECT_EQ(ImdsGet(host(), spec.instance_id, "/latest/meta-data/spot/instance-action", token),
            R"({"action":"stop","time":"2026-01-01T00:00:00Z"} 200)");
  // ... and from a process of the instance itself.
  ProcessResult inside = host().Ssh(
      running->private_ip,
      "t=$(curl -s -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 30' "
      "http://169.254.169.254/latest/api/token); curl -s -H \"X-aws-ec2-metadata-token: $t\" "
      "http://169.254.169.254/latest/meta-data/local-ipv4");
  EXPECT_EQ(inside.out, "10.213.250.4");

  // User data ran as root, its output is in the console log.
  std::string console;
  for (int attempt = 0; attempt < 200; ++attempt) {
    console = runtime().ConsoleOutput(spec.instance_id).value_or("");
    if (console.find("user data exited") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_NE(console.find("hello-from-user-data"), std::string::npos) << console;
  EXPECT_EQ(host().Ssh(running->private_ip, "cat /opt/gbxt-marker").out, "root-was-here\n");
  EXPECT_FALSE(access("/opt/gbxt-marker", F_OK) == 0) << "the instance wrote to the host's /opt";

  // Stop: an OS shutdown (a process that handles SIGTERM gets it and time to write), then no
  // process left, no namespace; the disk stays.
  ASSERT_EQ(host().Ssh(running->private_ip, "echo keep > ~/keep.txt").exit_code, 0);
  ASSERT_EQ(host()
                .Ssh(running->private_ip,
                     "setsid nohup sh -c 'trap \"sleep 0.3; echo termed > ~/termed.txt; exit\" "
                     "TERM; while :; do sleep 0.05; done' >/dev/null 2>&1 < /dev/null & sleep 0.3")
                .exit_code,
            0);
  uint64_t pid_namespace = PidNamespaceOf(host().config().state_dir, spec.instance_id);
  ASSERT_NE(pid_namespace, 0u);
  ASSERT_TRUE(runtime().Stop(spec.instance_id));
  EXPECT_EQ(runtime().Status(spec.instance_id)->state, InstanceState::kStopped);
  EXPECT_TRUE(ProcessesInNamespace("pid", pid_namespace).empty());
  EXPECT_EQ(NamespaceFileInode(host().config().NetnsPath(spec.instance_id)), 0u);

  // Start again: same IP, files kept, user data not run a second time.
  ASSERT_TRUE(runtime().Start(spec.instance_id));
  ASSERT_TRUE(runtime().WaitUntilRunning(spec.instance_id));
  EXPECT_EQ(host().Ssh(running->private_ip, "cat ~/keep.txt ~/user-data-runs ~/termed.txt").out,
            "keep\nran\ntermed\n");

  // Terminate: nothing of it is left.
  pid_namespace = PidNamespaceOf(host().config().state_dir, spec.instance_id);
  ASSERT_TRUE(runtime().Terminate(spec.instance_id));
  EXPECT_TRUE(ProcessesInNamespace("pid", pid_namespace).empty());
  EXPECT_EQ(NamespaceFileInode(host().config().NetnsPath(spec.instance_id)), 0u);
  auto veth =
      host().runner().Run({"ip", "link", "show", host().config().VethName(spec.instance_id)});
  EXPECT_NE(veth->exit_code, 0);
  EXPECT_FALSE(access(host().config().InstanceDir(spec.instance_id).c_str(), F_OK) == 0);
  EXPECT_EQ(runtime().Status(spec.instance_id).error().code, ErrorCode::kNotFound);
}

TEST_F(RuntimeTest, FirewallAdmitsOnlyTheGroupsRulesAndTunnelsWork) {
  InstanceSpec spec = host().Spec("i-0gbxt000000000002");
  ASSERT_TRUE(runtime().Launch(spec));
  auto running = runtime().WaitUntilRunning(spec.instance_id);
  ASSERT_TRUE(running) << running.error().message;
  std::string ip = running->private_ip;
  ASSERT_EQ(host()
                .Ssh(ip,
                     "setsid python3 -m http.server 8888 --bind 0.0.0.0 "
                     "</dev/null >/dev/null 2>&1 & "
                     "for i in $(seq 100); do curl -s -o /dev/null 127.0.0.1:8888 && break; "
                     "sleep 0.05; done")
                .exit_code,
            0);
  auto direct = [&] {
    return host()
        .runner()
        .Run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "1",
              "http://" + ip + ":8888/"})
        ->out;
  };
  EXPECT_EQ(direct(), "000") << "port 8888 must be closed: the group admits only 22";

  // ssh -L 18889:127.0.0.1:8888 reaches it through the tunnel.
  std::vector<std::string> tunnel =
      host().SshArgv(ip, {"-N", "-o", "ExitOnForwardFailure=yes", "-L", "18889:127.0.0.1:8888"});
  tunnel[0] = "/usr/bin/ssh";
  auto tunnel_pid = SpawnDetached(tunnel, "/dev/null");
  ASSERT_TRUE(tunnel_pid);
  std::string through;
  for (int attempt = 0; attempt < 100 && through != "200"; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    through = host()
                  .runner()
                  .Run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                        "http://127.0.0.1:18889/"})
                  ->out;
  }
  KillProcess(*tunnel_pid, SIGTERM);
  ReapIfExited(*tunnel_pid);
  EXPECT_EQ(through, "200");

  // Rules are re-applied when the groups change.
  ASSERT_TRUE(runtime().UpdateFirewall(spec.instance_id,
                                       {{"tcp", 22, 22, {std::string(kBridgeIp) + "/32"}},
                                        {"tcp", 8888, 8888, {std::string(kBridgeIp) + "/32"}}}));
  EXPECT_EQ(direct(), "200");
  ASSERT_TRUE(runtime().UpdateFirewall(spec.instance_id, {}));
  EXPECT_EQ(direct(), "000");
  EXPECT_NE(host().Ssh(ip, "true", {"-o", "ConnectTimeout=1"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  waitpid(*tunnel_pid, nullptr, 0);
}

// Each instance is its own host: it reaches neither another instance's sshd (the
// group admits ssh from the host only), nor services the host keeps on its loopback
// (where the local cloud's endpoint listens), nor another instance's files.
TEST_F(RuntimeTest, InstancesReachNeitherEachOtherNorTheHostsLoopbackNorEachOthersFiles) {
  InstanceSpec spec_a = host().Spec("i-0gbxt000000000005");
  InstanceSpec spec_b = host().Spec("i-0gbxt000000000006");
  ASSERT_TRUE(runtime().Launch(spec_a));
  ASSERT_TRUE(runtime().Launch(spec_b));
  auto running_a = runtime().WaitUntilRunning(spec_a.instance_id);
  auto running_b = runtime().WaitUntilRunning(spec_b.instance_id);
  ASSERT_TRUE(running_a) << running_a.error().message;
  ASSERT_TRUE(running_b) << running_b.error().message;
  const std::string ip_a = running_a->private_ip;
  const std::string ip_b = running_b->private_ip;
  auto probe = [&](const std::string& from_ip, const std::string& to, int port) {
    return host()
        .Ssh(from_ip, "timeout 2 bash -c '</dev/tcp/" + to + "/" + std::to_string(port) +
                          "' 2>/dev/null && echo open || echo closed")
        .out;
  };

  // sshd: the host reaches B's, A does not.
  ASSERT_EQ(host().Ssh(ip_b, "true").exit_code, 0);
  EXPECT_EQ(probe(ip_a, ip_b, 22), "closed\n");
  EXPECT_EQ(probe(ip_a, ip_a, 22), "open\n") << "the probe itself must see an open port";

  // A listener on the host's loopback, as the endpoint binds: not reachable from A.
  int port = 18000 + static_cast<int>(getpid() % 1000);
  auto server = SpawnDetached(
      {"/usr/bin/python3", "-m", "http.server", std::to_string(port), "--bind", "127.0.0.1"},
      "/dev/null");
  ASSERT_TRUE(server);
  std::string host_sees;
  for (int attempt = 0; attempt < 100 && host_sees != "200"; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    host_sees = host()
                    .runner()
                    .Run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "1",
                          "http://127.0.0.1:" + std::to_string(port) + "/"})
                    ->out;
  }
  EXPECT_EQ(host_sees, "200");
  EXPECT_EQ(probe(ip_a, "127.0.0.1", port), "closed\n");
  EXPECT_EQ(probe(ip_a, kBridgeIp, port), "closed\n");
  KillProcess(*server, SIGTERM);
  waitpid(*server, nullptr, 0);

  // Files: what B writes is on B's disk, which the host sees and A does not.
  ASSERT_EQ(host().Ssh(ip_b, "echo s3cret > ~/b-secret").exit_code, 0);
  std::string b_file =
      host().config().state_dir + "/instances/" + spec_b.instance_id + "/disk/home/ubuntu/b-secret";
  EXPECT_EQ(host().runner().Run({"cat", b_file})->out, "s3cret\n");
  // As root in A's mount namespace (A's own view of its files), B's file is nowhere.
  std::string in_a =
      host()
          .runner()
          .Run({"nsenter", "-t", std::to_string(running_a->init_pid), "-m", "--", "sh", "-c",
                "cat " + b_file + " /home/ubuntu/b-secret 2>/dev/null; ls -A " +
                    host().config().state_dir + " | wc -l"})
          ->out;
  EXPECT_EQ(in_a, "0\n") << "A must see neither B's file nor the local cloud's state";
  ASSERT_TRUE(runtime().Terminate(spec_a.instance_id));
  ASSERT_TRUE(runtime().Terminate(spec_b.instance_id));
}

TEST_F(RuntimeTest, SnapshotCarriesTheDiskToANewInstance) {
  InstanceSpec spec = host().Spec("i-0gbxt000000000003");
  spec.user_data = "#!/bin/sh\necho baked > /opt/gbxt-baked\n";
  ASSERT_TRUE(runtime().Launch(spec));
  auto running = runtime().WaitUntilRunning(spec.instance_id);
  ASSERT_TRUE(running) << running.error().message;
  ASSERT_EQ(host()
                .Ssh(running->private_ip, "mkdir -p ~/d2l && echo notebook > ~/d2l/ch1.ipynb")
                .exit_code,
            0);
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (runtime().ConsoleOutput(spec.instance_id)->find("user data exited") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  std::string image_dir = host().config().state_dir + "/images/ami-0gbxt";
  ASSERT_TRUE(runtime().SnapshotDisk(spec.instance_id, image_dir));

  InstanceSpec from_image = host().Spec("i-0gbxt000000000004");
  from_image.base_image_dir = image_dir;
  ASSERT_TRUE(runtime().Launch(from_image));
  auto second = runtime().WaitUntilRunning(from_image.instance_id);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_NE(second->private_ip, running->private_ip);
  EXPECT_EQ(host().Ssh(second->private_ip, "cat ~/d2l/ch1.ipynb /opt/gbxt-baked; hostname").out,
            "notebook\nbaked\n" + second->hostname + "\n");
  EXPECT_EQ(runtime().ConsoleOutput(from_image.instance_id)->find("running user data"),
            std::string::npos);
  ASSERT_TRUE(runtime().DeleteSnapshot(image_dir));
  EXPECT_FALSE(access(image_dir.c_str(), F_OK) == 0);
}

TEST_F(RuntimeTest, RecoverAdoptsASurvivorAndRestartsTheDead) {
  InstanceSpec spec = host().Spec("i-0gbxt000000000005");
  ASSERT_TRUE(runtime().Launch(spec));
  auto running = runtime().WaitUntilRunning(spec.instance_id);
  ASSERT_TRUE(running);
  host().RestartRuntime();  // the daemon restarts; the instance keeps running
  auto adopted = runtime().Recover(spec.instance_id, true);
  ASSERT_TRUE(adopted) << adopted.error().message;
  EXPECT_EQ(adopted->state, InstanceState::kRunning);
  EXPECT_EQ(adopted->init_pid, running->init_pid);
  EXPECT_FALSE(ImdsToken(host(), spec.instance_id).empty());

  ASSERT_TRUE(runtime().Stop(spec.instance_id));
  host().RestartRuntime();
  auto restarted = runtime().Recover(spec.instance_id, true);
  ASSERT_TRUE(restarted) << restarted.error().message;
  ASSERT_TRUE(runtime().WaitUntilRunning(spec.instance_id));
  EXPECT_EQ(host().Ssh(running->private_ip, "echo back").out, "back\n");
  auto stopped = runtime().Recover(spec.instance_id, false);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->state, InstanceState::kStopped);
}

TEST_F(RuntimeTest, TwentyInstancesAtOnce) {
  constexpr int kCount = 20;
  std::vector<std::string> ids;
  auto start = std::chrono::steady_clock::now();
  for (int instance_idx = 0; instance_idx < kCount; ++instance_idx) {
    char id[32];
    std::snprintf(id, sizeof id, "i-0gbxt1%011d", instance_idx);
    ids.push_back(id);
    auto launched = runtime().Launch(host().Spec(id));
    ASSERT_TRUE(launched) << id << ": " << launched.error().message;
  }
  std::vector<std::string> ips;
  for (const std::string& id : ids) {
    auto running = runtime().WaitUntilRunning(id);
    ASSERT_TRUE(running) << id << ": " << running.error().message;
    ips.push_back(running->private_ip);
    // No instance inherits the daemon's descriptors, e.g. the IMDS sockets
    // of the instances launched before it.
    std::string fds = "/proc/" + std::to_string(running->init_pid) + "/fd";
    EXPECT_EQ(host().runner().Run({"find", fds, "-lname", "socket:*"})->out, "") << id;
  }
  double all_running = SecondsSince(start);
  long rss_kib = 0;
  for (const std::string& id : ids) {
    rss_kib += testing_host::RssKibOfPidNamespace(PidNamespaceOf(host().config().state_dir, id));
  }
  for (size_t instance_idx = 0; instance_idx < ids.size(); ++instance_idx) {
    EXPECT_EQ(host().Ssh(ips[instance_idx], "hostname").exit_code, 0) << ids[instance_idx];
  }
  std::printf("[ metric ] %d instances launched and answering ssh in %.2f s\n", kCount,
              all_running);
  std::printf("[ metric ] idle RSS per instance: %ld KiB (all %d: %ld KiB)\n", rss_kib / kCount,
              kCount, rss_kib);
  auto stop_start = std::chrono::steady_clock::now();
  ASSERT_TRUE(runtime().TerminateAll());
  std::printf("[ metric ] %d instances terminated in %.2f s\n", kCount, SecondsSince(stop_start));
  EXPECT_TRUE(runtime().ListInstances().empty());
}

TEST(InstanceRuntimeWithoutRootTest, SaysRootIsNeededInOneLine) {
  if (geteuid() == 0) GTEST_SKIP() << "runs only without root";
  Env env;
  auto runtime = InstanceRuntime::Create(RuntimeConfig{}, env);
  ASSERT_FALSE(runtime);
  EXPECT_EQ(runtime.error().code, ErrorCode::kEnvironment);
  EXPECT_EQ(runtime.error().message, "the local cloud needs root for network namespaces");
}

}  // namespace
}  // namespace gpubox::local
