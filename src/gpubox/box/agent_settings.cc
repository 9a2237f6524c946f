#include "gpubox/box/agent_settings.h"

#include "gpubox/box/setup_script.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {

extern const char kAgentPhaseScript[];

std::string ShutdownBehavior(const AgentSettings& settings) {
  return settings.idle_terminate ? "terminate" : "stop";
}

std::string AgentConfLines(const AgentSettings& settings, double price_usd_hr) {
  std::string lines = "idle_stop_s=" + std::to_string(settings.idle_stop_s) + "\n" +
                      "idle_warn_s=" + std::to_string(settings.idle_warn_s) + "\n" +
                      "idle_terminate=" + (settings.idle_terminate ? "1" : "0") + "\n" +
                      "price_hr=" + FormatDouble(price_usd_hr) + "\n" +
                      "max_cost=" + FormatDouble(settings.max_cost_usd) + "\n" +
                      "max_hours=" + FormatDouble(settings.max_hours) + "\n";
  if (settings.poll_s > 0) {
    lines += "idle_poll_s=" + std::to_string(settings.poll_s) + "\n" +
             "budget_poll_s=" + std::to_string(settings.poll_s) + "\n";
  }
  return lines;
}

Result<IdleStatus> SetIdleStop(Env& env, const SshTarget& target,
                               std::optional<int64_t> idle_stop_s) {
  // agent_phase.sh's agent_conf_set: one key rewritten, the others kept.
  std::string script = std::string(kAgentPhaseScript) + "\n";
  if (idle_stop_s) script += "agent_conf_set idle_stop_s " + std::to_string(*idle_stop_s) + "\n";
  script +=
      "printf '%s\\n' \"$(sed -n 's/^idle_stop_s=//p' ~/.gpubox/agent.conf 2>/dev/null | "
      "tail -n 1)\"\n"
      "cat /run/gpubox-agent/idle.json 2>/dev/null; true\n";
  auto run = GPUBOX_TRY(env.processes->Run(
      SshCommand(target, {RemoteCommandLine({"bash", "-c", script})}), {.timeout_ms = 60000}));
  if (run.exit_code != 0) {
    return Fail(ErrorCode::kCloud, "cannot reach the box's agent settings over SSH",
                std::string(Trim(run.err)));
  }
  IdleStatus status;
  auto lines = Split(run.out, '\n');
  if (!lines.empty()) {
    if (auto seconds = ParseInt(Trim(lines[0]))) status.idle_stop_s = *seconds;
  }
  if (lines.size() > 1) status.agent_state = std::string(Trim(lines[1]));
  return status;
}

}  // namespace gpubox
