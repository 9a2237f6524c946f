#include "gpubox/local/runtime/instance_runtime.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "gpubox/local/runtime/firewall.h"
#include "gpubox/local/runtime/host_processes.h"
#include "gpubox/local/runtime/imds_server.h"
#include "gpubox/local/runtime/instance_files.h"
#include "gpubox/local/runtime/instance_init.h"
#include "gpubox/local/runtime/instance_record.h"
#include "gpubox/local/runtime/ipv4_subnet.h"
#include "gpubox/local/runtime/runtime_instance.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr int64_t kStopWaitMicros = 5'000'000;
/// A stop or terminate is an OS shutdown, as on EC2: this long for processes to end on SIGTERM.
constexpr int64_t kShutdownGraceMicros = 2'000'000;
constexpr int64_t kShutdownPollMicros = 20'000;
constexpr int64_t kPollMicros = 2'000;
constexpr uint32_t kFirstInstanceIndex = 4;  // like EC2, leave the first addresses alone

std::string FindProgram(FileSystem& files, const std::string& name) {
  for (const char* dir :
       {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    std::string path = std::string(dir) + "/" + name;
    if (files.Exists(path)) return path;
  }
  return "";
}

/// The host's /dev/nvidia* (nodes, and the nvidia-caps directory), listed at each boot of a
/// GPU instance, as the devices may come and go with the driver.
std::vector<GpuDevice> HostGpuDevices() {
  std::vector<GpuDevice> devices;
  std::error_code error;
  for (std::filesystem::directory_iterator it("/dev", error), end; !error && it != end;
       it.increment(error)) {
    std::string name = it->path().filename().string();
    std::error_code kind_error;
    // A dangling link (a driver half gone) is skipped, as the shell's `[ -e ]` did.
    if (!name.starts_with("nvidia") || !std::filesystem::exists(it->path(), kind_error)) continue;
    devices.push_back({it->path().string(), std::filesystem::is_directory(it->path(), kind_error)});
  }
  std::sort(devices.begin(), devices.end(),
            [](const GpuDevice& a, const GpuDevice& b) { return a.path < b.path; });
  return devices;
}

}  // namespace

Result<std::unique_ptr<InstanceRuntime>> InstanceRuntime::Create(RuntimeConfig config,
                                                                 const Env& env) {
  if (geteuid() != 0) {
    return Fail(ErrorCode::kEnvironment, "the local cloud needs root for network namespaces",
                "run it as root, e.g. `sudo gpubox local up`");
  }
  GPUBOX_TRY_VOID(config.Validate());
  if (env.processes == nullptr || env.files == nullptr || env.clock == nullptr) {
    return Fail(ErrorCode::kInternal, "the instance runtime needs processes, files and a clock");
  }
  std::vector<std::string> missing;
  for (const char* program : {"ip", "sshd"}) {
    if (FindProgram(*env.files, program).empty()) missing.push_back(program);
  }
  if (!missing.empty()) {
    return Fail(ErrorCode::kEnvironment,
                "the local cloud needs programs that are missing: " + Join(missing, ", "),
                "install them with dev/deps (iproute2, openssh-server)");
  }
  GPUBOX_TRY_VOID(env.files->MakeDirs(config.state_dir + "/instances", 0700));
  std::unique_ptr<InstanceRuntime> runtime(new InstanceRuntime(std::move(config), env));
  for (const std::string& instance_id : runtime->ListInstances()) {
    auto text = env.files->ReadFile(runtime->disk_.RecordPath(instance_id));
    if (!text) continue;  // a half-made directory: TerminateAll sweeps it
    auto record = DecodeRuntimeRecord(*text);
    if (!record) continue;
    auto instance = std::make_shared<Instance>();
    instance->record = std::move(*record);
    runtime->instances_[instance_id] = instance;
  }
  return runtime;
}

InstanceRuntime::InstanceRuntime(RuntimeConfig config, const Env& env)
    : config_(std::move(config)),
      env_(env),
      network_(config_, *env_.processes),
      disk_(config_, *env_.files, *env_.processes) {}

InstanceRuntime::~InstanceRuntime() {
  std::lock_guard lock(mutex_);
  for (auto& [instance_id, instance] : instances_) {
    std::lock_guard instance_lock(instance->mutex);
    instance->imds_server.reset();
  }
}

std::vector<std::string> InstanceRuntime::ListInstances() {
  auto names = env_.files->ListDir(config_.state_dir + "/instances");
  return names ? *names : std::vector<std::string>{};
}

Result<std::shared_ptr<InstanceRuntime::Instance>> InstanceRuntime::Find(
    const std::string& instance_id) {
  GPUBOX_TRY_VOID(ValidateInstanceId(instance_id));
  std::lock_guard lock(mutex_);
  auto found = instances_.find(instance_id);
  if (found != instances_.end()) return found->second;
  auto text = env_.files->ReadFile(disk_.RecordPath(instance_id));
  if (!text) return Fail(ErrorCode::kNotFound, "no local instance " + instance_id);
  auto instance = std::make_shared<Instance>();
  instance->record = GPUBOX_TRY(DecodeRuntimeRecord(*text));
  instances_[instance_id] = instance;
  return instance;
}

Result<std::string> InstanceRuntime::AllocateIp() {
  Ipv4Subnet subnet = GPUBOX_TRY(Ipv4Subnet::Parse(config_.subnet));
  std::set<uint32_t> used;
  for (const auto& [instance_id, instance] : instances_) {
    used.insert(subnet.IndexOf(instance->record.spec.private_ip));
  }
  for (uint32_t index = kFirstInstanceIndex; index <= subnet.HostCount(); ++index) {
    if (!used.count(index)) return subnet.Host(index);
  }
  return Fail(ErrorCode::kNoCapacity, "no free address left in " + config_.subnet);
}

Result<void> InstanceRuntime::SaveRecord(const Instance& instance) {
  return env_.files->WriteFile(disk_.RecordPath(instance.record.spec.instance_id),
                               EncodeRuntimeRecord(instance.record), 0600);
}

Result<InstanceStatus> InstanceRuntime::Launch(const InstanceSpec& spec) {
  GPUBOX_TRY_VOID(ValidateInstanceId(spec.instance_id));
  GPUBOX_TRY(RenderFirewall(spec.ingress));  // reject bad rules before making anything
  auto instance = std::make_shared<Instance>();
  instance->record.spec = spec;
  std::string& ip = instance->record.spec.private_ip;
  {
    std::lock_guard lock(mutex_);
    if (instances_.count(spec.instance_id) ||
        env_.files->Exists(disk_.RecordPath(spec.instance_id))) {
      return Fail(ErrorCode::kUsage, "local instance " + spec.instance_id + " already exists");
    }
    // A directory without a record is what a crash mid-launch leaves.
    GPUBOX_TRY_VOID(disk_.Remove(spec.instance_id));
    Ipv4Subnet subnet = GPUBOX_TRY(Ipv4Subnet::Parse(config_.subnet));
    if (ip.empty()) {
      ip = GPUBOX_TRY(AllocateIp());
    } else if (subnet.IndexOf(ip) < 2) {
      return Fail(ErrorCode::kUsage, ip + " is not an instance address of " + config_.subnet);
    }
    instances_[spec.instance_id] = instance;
  }
  std::lock_guard instance_lock(instance->mutex);
  auto made = disk_.Prepare(instance->record.spec);
  if (made) made = SaveRecord(*instance);
  if (made) made = StartLocked(*instance);
  if (!made) {
    StopLocked(*instance);
    disk_.Remove(spec.instance_id);
    instance->terminated = true;
    std::lock_guard lock(mutex_);
    instances_.erase(spec.instance_id);
    return std::unexpected(made.error());
  }
  return StatusLocked(*instance, /*probe_ssh=*/false);
}

bool InstanceRuntime::KeeperAlive(const Instance& instance) {
  pid_t keeper = instance.record.keeper_pid;
  if (keeper <= 0) return false;
  ReapIfExited(keeper);
  return IsAlive(keeper) &&
         NamespaceInode(keeper, "pid_for_children") == instance.record.pid_namespace;
}

Result<void> InstanceRuntime::StartLocked(Instance& instance) {
  if (instance.terminated) return Fail(ErrorCode::kNotFound, "the instance was terminated");
  if (KeeperAlive(instance)) {
    if (!instance.imds_server) GPUBOX_TRY_VOID(StartImds(instance));
    return {};
  }
  const InstanceSpec& spec = instance.record.spec;
  {
    std::lock_guard lock(mutex_);
    if (!bridge_ready_) GPUBOX_TRY_VOID(network_.EnsureBridge());
    bridge_ready_ = true;
  }
  GPUBOX_TRY_VOID(network_.CreateInstance(spec.instance_id, spec.private_ip));
  GPUBOX_TRY_VOID(
      network_.ApplyFirewall(spec.instance_id, GPUBOX_TRY(RenderFirewall(spec.ingress))));
  BootPlan plan = disk_.BootPlanFor(spec);
  InitLaunch launch{
      config_.NetnsPath(spec.instance_id),
      plan.instance_dir + "/rootfs",
      plan.hostname,
      RenderBootSteps(plan, spec.has_gpu ? HostGpuDevices() : std::vector<GpuDevice>{}),
      RenderBootScript(plan),
      disk_.ConsoleLogPath(spec.instance_id),
      "[gpubox] booting " + spec.instance_id + "\n"};
  pid_t keeper = GPUBOX_TRY(SpawnInstanceInit(launch));
  instance.record.keeper_pid = keeper;
  // The clone is in its own PID namespace from its first instruction: nothing to wait for
  // (0 here: it has already died, its console log says why).
  uint64_t own_namespace = NamespaceInode(keeper, "pid_for_children");
  if (own_namespace == 0 || own_namespace == NamespaceInode(getpid(), "pid")) {
    return Fail(ErrorCode::kEnvironment, "instance " + spec.instance_id + " did not start",
                "see its console output: " + disk_.ConsoleLogPath(spec.instance_id));
  }
  instance.record.pid_namespace = own_namespace;
  instance.ssh_ready = false;
  GPUBOX_TRY_VOID(SaveRecord(instance));
  return StartImds(instance);
}

Result<void> InstanceRuntime::StartImds(Instance& instance) {
  const InstanceSpec& spec = instance.record.spec;
  ImdsData data{spec.instance_id,
                spec.instance_type,
                spec.image_id,
                spec.region,
                spec.availability_zone,
                spec.private_ip,
                HostnameForIp(spec.private_ip) + "." + DnsSuffix(spec.region),
                spec.key_name,
                std::string(Trim(spec.authorized_keys.substr(0, spec.authorized_keys.find('\n')))),
                spec.user_data};
  instance.imds = std::make_shared<ImdsService>(std::move(data), env_.clock);
  instance.imds->SetInstanceAction(instance.action, instance.action_time);
  instance.imds_server = std::make_unique<ImdsServer>(instance.imds);
  return instance.imds_server->Start(config_.NetnsPath(spec.instance_id));
}

Result<void> InstanceRuntime::StopLocked(Instance& instance) {
  const std::string& instance_id = instance.record.spec.instance_id;
  instance.ssh_ready = false;
  pid_t keeper = instance.record.keeper_pid;
  // Killing the namespace's init makes the kernel kill every other process of the PID
  // namespace; the init (this process's child unless adopted) is reaped here: nothing is
  // left, not even a zombie. Stragglers in the network namespace are killed by pid. (An
  // instance booted by an older local cloud has an `unshare` keeper, whose child is init.)
  uint64_t net_namespace = NamespaceFileInode(config_.NetnsPath(instance_id));
  auto remaining = [&] {
    std::vector<pid_t> pids;
    if (instance.record.pid_namespace != 0) {
      pids = ProcessesInNamespace("pid", instance.record.pid_namespace);
    }
    for (pid_t pid : ProcessesInNamespace("net", net_namespace)) {
      if (pid != getpid()) pids.push_back(pid);
    }
    return pids;
  };
  bool keeper_alive = KeeperAlive(instance);
  bool keeper_is_init = NamespaceInode(keeper, "pid") == instance.record.pid_namespace;
  // The shutdown: every process of the instance but its init (whose end ends the rest at
  // once) gets SIGTERM and a grace period, so that daemons save their state
  // (slurmctld) and jobs their checkpoints, as when EC2 stops an instance's OS.
  if (keeper_alive && instance.record.pid_namespace != 0) {
    std::vector<pid_t> signalled;
    for (pid_t pid : ProcessesInNamespace("pid", instance.record.pid_namespace)) {
      if (keeper_is_init ? pid == keeper : ParentOf(pid) == keeper) continue;
      KillProcess(pid, SIGTERM);
      KillProcess(pid, SIGCONT);  // a stopped process (^Z) must run to handle it
      signalled.push_back(pid);
    }
    // Those that ran at the shutdown (not what the init starts meanwhile: its next sleep).
    int64_t grace_end = env_.clock->NowMicros() + kShutdownGraceMicros;
    while (std::any_of(signalled.begin(), signalled.end(), IsAlive) &&
           env_.clock->NowMicros() < grace_end) {
      env_.clock->SleepMicros(kShutdownPollMicros);
    }
  }
  // The metadata service answers through the grace period (a job saving its checkpoint may
  // ask it), and no longer once the OS is down.
  instance.imds_server.reset();
  int64_t deadline = env_.clock->NowMicros() + kStopWaitMicros;
  std::vector<pid_t> pids = remaining();
  while ((!pids.empty() || keeper_alive) && env_.clock->NowMicros() < deadline) {
    for (pid_t pid : pids) KillProcess(pid, SIGKILL);
    if (pids.empty() && keeper_alive) KillProcess(keeper, SIGKILL);  // init is gone already
    env_.clock->SleepMicros(kPollMicros);
    ReapIfExited(keeper);
    keeper_alive = keeper_alive && IsAlive(keeper);
    pids = remaining();
  }
  ReapIfExited(keeper);
  if (!pids.empty()) {
    return Fail(ErrorCode::kInternal, "processes of " + instance_id + " would not die");
  }
  GPUBOX_TRY_VOID(network_.RemoveInstance(instance_id));
  instance.record.keeper_pid = 0;
  instance.record.pid_namespace = 0;
  if (instance.terminated || !env_.files->Exists(config_.InstanceDir(instance_id))) return {};
  return SaveRecord(instance);
}

InstanceStatus InstanceRuntime::StatusLocked(Instance& instance, bool probe_ssh) {
  const InstanceSpec& spec = instance.record.spec;
  InstanceStatus status;
  status.private_ip = spec.private_ip;
  status.hostname = HostnameForIp(spec.private_ip);
  if (!KeeperAlive(instance)) return status;
  status.init_pid = instance.record.keeper_pid;
  if (!instance.ssh_ready && probe_ssh) {
    instance.ssh_ready = SshListens(config_.NetnsPath(spec.instance_id), spec.private_ip);
  }
  status.state = instance.ssh_ready ? InstanceState::kRunning : InstanceState::kStarting;
  return status;
}

}  // namespace gpubox::local
