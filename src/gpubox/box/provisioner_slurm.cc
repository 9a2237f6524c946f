// Provisioner: Slurm on a cluster (`up NAME --nodes N --scheduler slurm`), as AWS
// ParallelCluster gives it: the distribution's slurm-wlm and munge, slurmctld on node 0,
// slurmd on every node (named NAME-i), one default partition NAME holding them all with
// their CPUs, memory and GPUs (GRES). The steps are scripts/slurm.sh's; every one can be run
// again (a rerun of `up` does).

#include <ostream>

#include "gpubox/box/provisioner.h"
#include "gpubox/box/setup_script.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/encoding.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

constexpr int kInstallTimeoutMs = 15 * 60 * 1000;  // apt-get on a fresh image
constexpr int kConfigureTimeoutMs = 2 * 60 * 1000;
constexpr int64_t kReadyTimeoutUs = 90LL * 1000 * 1000;

/// The value of the line "PREFIX value" in `out`, or "" when there is none.
std::string MarkedValue(std::string_view out, std::string_view prefix) {
  for (std::string_view line : Split(out, '\n')) {
    if (line.starts_with(prefix)) return std::string(Trim(line.substr(prefix.size())));
  }
  return "";
}

/// The last non-empty line of `text` (a failed script's reason).
std::string LastLine(std::string_view text) {
  std::string last;
  for (std::string_view line : Split(text, '\n')) {
    if (!Trim(line).empty()) last = std::string(Trim(line));
  }
  return last;
}

/// `text`'s lines joined by ", ".
std::string OneLine(std::string_view text) {
  std::string joined;
  for (std::string_view line : Split(Trim(text), '\n')) {
    joined += (joined.empty() ? "" : ", ") + std::string(Trim(line));
  }
  return joined;
}

/// True when `sinfo -h -N -o %N:%T` says every one of `nodes` is up (idle, or running work).
bool EveryNodeUp(std::string_view sinfo, const std::vector<BoxRecord>& nodes) {
  for (const BoxRecord& node : nodes) {
    bool up = false;
    for (std::string_view line : Split(sinfo, '\n')) {
      auto fields = Split(Trim(line), ':');
      // Slurm's node names are NAME-i for node 0 too (slurm.sh).
      if (fields.size() != 2 || fields[0] != node.cluster + "-" + std::to_string(node.node)) {
        continue;
      }
      up = fields[1] == "idle" || fields[1] == "mixed" || fields[1] == "allocated" ||
           fields[1] == "completing";
    }
    if (!up) return false;
  }
  return true;
}

}  // namespace

Result<void> Provisioner::SetUpSlurm(const std::vector<BoxRecord>& nodes,
                                     const std::vector<std::string>& private_ips) {
  const BoxRecord& head = nodes.front();
  progress_ << "gpubox: installing Slurm on " << nodes.size() << " nodes\n";
  SlurmCluster slurm{.cluster = head.name, .private_ips = private_ips};
  for (const BoxRecord& node : nodes) {
    auto run = GPUBOX_TRY(
        env_.processes->Run(SshCommand(TargetOf(node), {"bash", "-s"}),
                            {.stdin_text = SlurmInstallScript(), .timeout_ms = kInstallTimeoutMs}));
    std::string hardware = MarkedValue(run.out, "gpubox-slurm-hw ");
    if (run.exit_code != 0 || hardware.empty()) {
      return Fail(ErrorCode::kCloud, "could not install Slurm on " + node.name + ": " +
                                         LastLine(run.err + "\n" + run.out));
    }
    if (&node != &head) continue;
    slurm.hardware = hardware;
    slurm.controller_host = MarkedValue(run.out, "gpubox-slurm-host ");
    auto gpus = ParseInt(MarkedValue(run.out, "gpubox-slurm-gpus "));
    slurm.gpus_per_node = gpus ? static_cast<int>(*gpus) : 0;
  }
  slurm.munge_key = HexEncode(env_.random->SecretBytes(512));
  progress_ << "gpubox: configuring Slurm: slurmctld on " << head.name << ", partition "
            << head.name << " of " << nodes.size() << " nodes (" << slurm.hardware
            << (slurm.gpus_per_node > 0 ? ", gpu:" + std::to_string(slurm.gpus_per_node) : "")
            << ")\n";
  for (const BoxRecord& node : nodes) {
    auto run = GPUBOX_TRY(env_.processes->Run(
        SshCommand(TargetOf(node), {"bash", "-s"}),
        {.stdin_text = SlurmConfigureScript(slurm, node.node), .timeout_ms = kConfigureTimeoutMs}));
    if (run.exit_code != 0) {
      return Fail(ErrorCode::kCloud, "could not configure Slurm on " + node.name + ": " +
                                         LastLine(run.err + "\n" + run.out));
    }
  }
  // Every slurmd registered with slurmctld: then srun and sbatch can use every node.
  int64_t deadline = env_.clock->NowMicros() + kReadyTimeoutUs;
  std::string sinfo;
  while (true) {
    auto run = GPUBOX_TRY(env_.processes->Run(
        SshCommand(TargetOf(head), {"sinfo", "-h", "-N", "-o", "%N:%T"}), {.timeout_ms = 30000}));
    sinfo = run.exit_code == 0 ? run.out : LastLine(run.err);
    if (run.exit_code == 0 && EveryNodeUp(run.out, nodes)) break;
    if (env_.clock->NowMicros() >= deadline) {
      return Fail(ErrorCode::kCloud,
                  "Slurm did not bring every node up within 90 s; sinfo says: " + OneLine(sinfo),
                  "'gpubox ssh " + head.name +
                      " -- sudo tail /var/log/slurm/slurmctld.log' "
                      "shows why; rerun the same 'gpubox up' to try again");
    }
    env_.clock->SleepMicros(1000 * 1000);
  }
  Event(head.name, "slurm",
        "slurmctld on " + head.name + ", " + std::to_string(nodes.size()) +
            " nodes: " + slurm.hardware +
            (slurm.gpus_per_node > 0 ? " gpu:" + std::to_string(slurm.gpus_per_node) : ""));
  return {};
}

}  // namespace gpubox
