// The InstanceRuntime calls built on the primitives of instance_runtime.cc.
#include <signal.h>

#include <set>

#include "gpubox/local/runtime/firewall.h"
#include "gpubox/local/runtime/host_processes.h"
#include "gpubox/local/runtime/instance_runtime.h"
#include "gpubox/local/runtime/runtime_instance.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr size_t kConsoleTailBytes = 64 * 1024;
constexpr int64_t kWaitPollMicros = 5'000;

}  // namespace

Result<void> InstanceRuntime::Start(const std::string& instance_id) {
  auto instance = GPUBOX_TRY(Find(instance_id));
  std::lock_guard lock(instance->mutex);
  auto started = StartLocked(*instance);
  if (!started) StopLocked(*instance);
  return started;
}

Result<void> InstanceRuntime::Stop(const std::string& instance_id) {
  auto instance = GPUBOX_TRY(Find(instance_id));
  std::lock_guard lock(instance->mutex);
  return StopLocked(*instance);
}

Result<void> InstanceRuntime::Terminate(const std::string& instance_id) {
  auto instance = GPUBOX_TRY(Find(instance_id));
  std::lock_guard lock(instance->mutex);
  GPUBOX_TRY_VOID(StopLocked(*instance));
  instance->terminated = true;
  GPUBOX_TRY_VOID(disk_.Remove(instance_id));
  std::lock_guard table_lock(mutex_);
  instances_.erase(instance_id);
  return {};
}

Result<InstanceStatus> InstanceRuntime::Status(const std::string& instance_id) {
  auto instance = GPUBOX_TRY(Find(instance_id));
  std::lock_guard lock(instance->mutex);
  return StatusLocked(*instance, /*probe_ssh=*/true);
}

bool InstanceRuntime::PoweredOff(const std::string& instance_id) {
  auto instance = Find(instance_id);
  if (!instance) return false;
  std::unique_lock lock((*instance)->mutex, std::try_to_lock);
  if (!lock.owns_lock() || (*instance)->terminated) return false;
  return (*instance)->record.keeper_pid > 0 && !KeeperAlive(**instance);
}

Result<InstanceStatus> InstanceRuntime::WaitUntilRunning(const std::string& instance_id,
                                                         int timeout_ms) {
  auto instance = GPUBOX_TRY(Find(instance_id));
  if (timeout_ms <= 0) timeout_ms = config_.ssh_ready_timeout_ms;
  int64_t deadline = env_.clock->NowMicros() + int64_t{timeout_ms} * 1000;
  while (true) {
    InstanceStatus status;
    {
      std::lock_guard lock(instance->mutex);
      status = StatusLocked(*instance, /*probe_ssh=*/true);
    }
    if (status.state == InstanceState::kRunning) return status;
    if (status.state == InstanceState::kStopped) {
      return Fail(ErrorCode::kEnvironment, "local instance " + instance_id + " is not running",
                  "see its console output: " + disk_.ConsoleLogPath(instance_id));
    }
    if (env_.clock->NowMicros() >= deadline) {
      return Fail(ErrorCode::kEnvironment,
                  "sshd of local instance " + instance_id + " did not answer in time",
                  "see its console output: " + disk_.ConsoleLogPath(instance_id));
    }
    env_.clock->SleepMicros(kWaitPollMicros);
  }
}

Result<InstanceStatus> InstanceRuntime::Recover(const std::string& instance_id, bool should_run) {
  auto instance = GPUBOX_TRY(Find(instance_id));
  std::lock_guard lock(instance->mutex);
  bool network_alive = NamespaceFileInode(config_.NetnsPath(instance_id)) != 0;
  if (should_run && KeeperAlive(*instance) && network_alive) {
    if (!instance->imds_server) GPUBOX_TRY_VOID(StartImds(*instance));
    return StatusLocked(*instance, /*probe_ssh=*/true);
  }
  GPUBOX_TRY_VOID(StopLocked(*instance));
  if (should_run) {
    auto started = StartLocked(*instance);
    if (!started) {
      StopLocked(*instance);
      return std::unexpected(started.error());
    }
  }
  return StatusLocked(*instance, /*probe_ssh=*/false);
}

Result<void> InstanceRuntime::UpdateFirewall(const std::string& instance_id,
                                             const std::vector<IngressRule>& rules) {
  std::string ruleset = GPUBOX_TRY(RenderFirewall(rules));
  auto instance = GPUBOX_TRY(Find(instance_id));
  std::lock_guard lock(instance->mutex);
  instance->record.spec.ingress = rules;
  GPUBOX_TRY_VOID(SaveRecord(*instance));
  if (!KeeperAlive(*instance)) return {};
  return network_.ApplyFirewall(instance_id, ruleset);
}

Result<void> InstanceRuntime::SetInstanceAction(const std::string& instance_id,
                                                const std::string& action,
                                                const std::string& time) {
  if (!action.empty() && action != "stop" && action != "terminate" && action != "hibernate") {
    return Fail(ErrorCode::kUsage, "unknown instance action '" + action + "'");
  }
  auto instance = GPUBOX_TRY(Find(instance_id));
  std::lock_guard lock(instance->mutex);
  instance->action = action;
  instance->action_time = time;
  if (instance->imds) instance->imds->SetInstanceAction(action, time);
  return {};
}

Result<std::string> InstanceRuntime::ConsoleOutput(const std::string& instance_id) {
  GPUBOX_TRY(Find(instance_id));
  auto text = env_.files->ReadFile(disk_.ConsoleLogPath(instance_id));
  if (!text) return std::string();  // not booted yet
  if (text->size() > kConsoleTailBytes) return text->substr(text->size() - kConsoleTailBytes);
  return *text;
}

Result<void> InstanceRuntime::SnapshotDisk(const std::string& instance_id,
                                           const std::string& image_dir) {
  auto instance = GPUBOX_TRY(Find(instance_id));
  std::lock_guard lock(instance->mutex);
  return disk_.Snapshot(instance_id, image_dir);
}

Result<void> InstanceRuntime::DeleteSnapshot(const std::string& image_dir) {
  if (image_dir.size() < 2 || image_dir[0] != '/' || image_dir.find("..") != std::string::npos) {
    return Fail(ErrorCode::kUsage, "bad image directory '" + image_dir + "'");
  }
  if (!env_.files->Exists(image_dir)) return {};
  if (!env_.files->Exists(image_dir + "/upper")) {
    return Fail(ErrorCode::kUsage, image_dir + " is not a disk snapshot");
  }
  auto removed = env_.processes->Run({"rm", "-rf", "--one-file-system", image_dir});
  if (!removed || removed->exit_code != 0) {
    return Fail(ErrorCode::kEnvironment, "cannot delete " + image_dir);
  }
  return {};
}

Result<void> InstanceRuntime::TerminateAll() {
  std::set<std::string> ids;
  for (const std::string& instance_id : ListInstances()) ids.insert(instance_id);
  {
    std::lock_guard lock(mutex_);
    for (const auto& [instance_id, instance] : instances_) ids.insert(instance_id);
  }
  Result<void> result;
  for (const std::string& instance_id : ids) {
    auto terminated = Terminate(instance_id);
    if (!terminated && terminated.error().code == ErrorCode::kNotFound) {
      terminated = disk_.Remove(instance_id);  // a directory without a record
    }
    if (!terminated && result) result = terminated;
  }
  // Namespaces of the prefix that no record knows (a crash mid-launch).
  std::string prefix = config_.name_prefix + "-";
  for (const std::string& netns : network_.ListNamespaces()) {
    for (pid_t pid : ProcessesInNamespace("net", NamespaceFileInode("/run/netns/" + netns))) {
      if (pid != getpid()) KillProcess(pid, SIGKILL);
    }
    auto removed = network_.RemoveInstance(netns.substr(prefix.size()));
    if (!removed && result) result = removed;
  }
  auto bridge = network_.RemoveBridge();
  if (!bridge && result) result = bridge;
  std::lock_guard lock(mutex_);
  bridge_ready_ = false;
  return result;
}

}  // namespace gpubox::local
