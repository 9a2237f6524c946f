// The local cloud's instance runtime on this host (root only; skipped otherwise):
//   BM_LaunchToSshLogin  Launch -> sshd answers -> `ssh ubuntu@IP true` succeeds
//                        (counters: launch call, sshd answering, RSS of the instance)
//   BM_StopStart         Stop then Start until sshd answers again
//   BM_ManyInstances/20  20 instances launched one after the other, all answering ssh
//                        (counters: seconds until all answer, RSS per instance, terminate)
// Run: build-rt/gpubox_bench --benchmark_filter=Instance
// It uses its own prefix "gbxb", subnet 10.213.249.0/24 and /tmp/gbxb-bench.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>

#include "gpubox/local/runtime/host_processes.h"
#include "gpubox/local/runtime/instance_runtime.h"
#include "gpubox/sys/real_env.h"
#include "gpubox/sys/real_file_system.h"
#include "gpubox/sys/real_process_runner.h"
#include "gpubox/util/strings.h"

extern char** environ;

namespace gpubox::local {
namespace {

using Seconds = std::chrono::duration<double>;

/// One runtime for the whole benchmark program, swept before and after.
struct BenchHost {
  BenchHost() : real_env(environ) {
    env = real_env.env();
    env.processes = &runner;
    env.files = &files;
    RuntimeConfig config;
    config.state_dir = "/tmp/gbxb-bench/state";
    config.name_prefix = "gbxb";
    config.subnet = "10.213.249.0/24";
    auto created = InstanceRuntime::Create(config, env);
    if (!created) {
      error = created.error().message;
      return;
    }
    runtime = std::move(*created);
    runtime->TerminateAll();
    runner.Run({"rm", "-rf", "/tmp/gbxb-bench/client"});
    files.MakeDirs("/tmp/gbxb-bench/client", 0700);
    runner.Run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key});
    public_key = files.ReadFile(key + ".pub").value_or("");
  }
  ~BenchHost() {
    if (runtime) runtime->TerminateAll();
  }

  InstanceSpec Spec(const std::string& instance_id) {
    InstanceSpec spec;
    spec.instance_id = instance_id;
    spec.authorized_keys = public_key;
    spec.ingress = {{"tcp", 22, 22, {"10.213.249.1/32"}}};
    return spec;
  }
  bool SshTrue(const std::string& ip) {
    auto result = runner.Run({"ssh", "-F", "/dev/null", "-i", key, "-o", "BatchMode=yes", "-o",
                              "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                              "-o", "LogLevel=ERROR", "ubuntu@" + ip, "true"},
                             {.stdin_text = "", .timeout_ms = 20000});
    return result && result->exit_code == 0;
  }
  /// VmRSS (KiB) summed over the processes of the instance's PID namespace.
  long RssKib(pid_t keeper) {
    long total = 0;
    for (pid_t pid : ProcessesInNamespace("pid", NamespaceInode(keeper, "pid_for_children"))) {
      std::ifstream status("/proc/" + std::to_string(pid) + "/status");
      std::string line;
      while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
          total += ParseInt(Trim(line.substr(6, line.size() - 9))).value_or(0);
        }
      }
    }
    return total;
  }

  RealProcessRunner runner;
  RealFileSystem files;
  RealEnv real_env;
  Env env;
  std::unique_ptr<InstanceRuntime> runtime;
  std::string error;
  std::string key = "/tmp/gbxb-bench/client/id_ed25519";
  std::string public_key;
};

BenchHost* Host(benchmark::State& state) {
  if (geteuid() != 0) {
    state.SkipWithError("needs root (network namespaces)");
    return nullptr;
  }
  static BenchHost* host = new BenchHost();
  if (!host->error.empty()) {
    state.SkipWithError(host->error.c_str());
    return nullptr;
  }
  return host;
}

void BM_LaunchToSshLogin(benchmark::State& state) {
  BenchHost* host = Host(state);
  if (host == nullptr) return;
  int serial = 0;
  double launch_s = 0, answering_s = 0, rss_kib = 0;
  for (auto _ : state) {
    std::string id = "i-0bench" + std::to_string(serial++);
    auto start = std::chrono::steady_clock::now();
    auto launched = host->runtime->Launch(host->Spec(id));
    auto after_launch = std::chrono::steady_clock::now();
    auto running = launched ? host->runtime->WaitUntilRunning(id) : Result<InstanceStatus>{};
    auto after_answer = std::chrono::steady_clock::now();
    // Idle: before the login, whose session processes would still be ending after it.
    if (launched && running) rss_kib += static_cast<double>(host->RssKib(running->init_pid));
    if (!launched || !running || !host->SshTrue(running->private_ip)) {
      state.SkipWithError("launch or ssh failed");
      break;
    }
    state.SetIterationTime(Seconds(std::chrono::steady_clock::now() - start).count());
    launch_s += Seconds(after_launch - start).count();
    answering_s += Seconds(after_answer - start).count();
    host->runtime->Terminate(id);
  }
  double runs = static_cast<double>(std::max(serial, 1));
  state.counters["launch_call_s"] = launch_s / runs;
  state.counters["sshd_answers_s"] = answering_s / runs;
  state.counters["rss_kib"] = rss_kib / runs;
}
BENCHMARK(BM_LaunchToSshLogin)->UseManualTime()->Iterations(5)->Unit(benchmark::kMillisecond);

void BM_StopStart(benchmark::State& state) {
  BenchHost* host = Host(state);
  if (host == nullptr) return;
  std::string id = "i-0benchstop";
  if (!host->runtime->Launch(host->Spec(id)) || !host->runtime->WaitUntilRunning(id)) {
    state.SkipWithError("launch failed");
    return;
  }
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    bool ok =
        host->runtime->Stop(id) && host->runtime->Start(id) && host->runtime->WaitUntilRunning(id);
    if (!ok) {
      state.SkipWithError("stop/start failed");
      break;
    }
    state.SetIterationTime(Seconds(std::chrono::steady_clock::now() - start).count());
  }
  host->runtime->Terminate(id);
}
BENCHMARK(BM_StopStart)->UseManualTime()->Iterations(5)->Unit(benchmark::kMillisecond);

void BM_ManyInstances(benchmark::State& state) {
  BenchHost* host = Host(state);
  if (host == nullptr) return;
  const int count = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    std::vector<InstanceStatus> running;
    for (int instance_idx = 0; instance_idx < count; ++instance_idx) {
      if (!host->runtime->Launch(host->Spec("i-0many" + std::to_string(instance_idx)))) {
        state.SkipWithError("launch failed");
        return;
      }
    }
    for (int instance_idx = 0; instance_idx < count; ++instance_idx) {
      auto status = host->runtime->WaitUntilRunning("i-0many" + std::to_string(instance_idx));
      if (!status) {
        state.SkipWithError("an instance did not come up");
        return;
      }
      running.push_back(*status);
    }
    double all_answer_s = Seconds(std::chrono::steady_clock::now() - start).count();
    bool all_login = true;
    long rss_kib = 0;
    for (const InstanceStatus& status : running) rss_kib += host->RssKib(status.init_pid);
    for (const InstanceStatus& status : running) {
      all_login = host->SshTrue(status.private_ip) && all_login;
    }
    state.SetIterationTime(all_answer_s);
    auto terminate_start = std::chrono::steady_clock::now();
    host->runtime->TerminateAll();
    state.counters["all_answer_s"] = all_answer_s;
    state.counters["all_ssh_login_ok"] = all_login ? 1 : 0;
    state.counters["rss_kib_per_instance"] = static_cast<double>(rss_kib) / count;
    state.counters["terminate_all_s"] =
        Seconds(std::chrono::steady_clock::now() - terminate_start).count();
  }
}
BENCHMARK(BM_ManyInstances)->Arg(20)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gpubox::local
