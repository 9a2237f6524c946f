#pragma once
/// What the on-box agent enforces on a box: idle auto-stop and the budget. The settings go
/// to the box in its user data (agent.conf lines, written before the agent starts), so they
/// hold without setup and without the laptop; `gpubox idle` rewrites idle_stop_s later.

#include <cstdint>
#include <optional>
#include <string>

#include "gpubox/box/ssh.h"
#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace gpubox {

struct AgentSettings {
  int64_t idle_stop_s = 3600;   ///< stop after this long unused; 0: never
  int64_t idle_warn_s = 300;    ///< the warning comes this long before the stop
  bool idle_terminate = false;  ///< `--idle-action down`: the OS shutdown terminates the box
  double max_cost_usd = 0;      ///< stop when price x running time reaches it; 0: no limit
  double max_hours = 0;         ///< stop after this much running time; 0: no limit
  int poll_s = 0;               ///< how often idleness and the budget are checked; 0: the agent's
};

/// The instance's InstanceInitiatedShutdownBehavior: "terminate" with idle_terminate, else
/// "stop" (so an idle or budget shutdown keeps the disk, and `halt` cannot keep billing).
std::string ShutdownBehavior(const AgentSettings& settings);

/// agent.conf's lines (KEY=VALUE, one a line) for a box billed `price_usd_hr`.
std::string AgentConfLines(const AgentSettings& settings, double price_usd_hr);

/// The running box's idle settings, as the agent sees them.
struct IdleStatus {
  int64_t idle_stop_s = 3600;  ///< 0: never
  std::string agent_state;     ///< the agent's idle.json (idle_since, last_use, stop_at); may be ""
};

/// Sets the box's idle_stop_s in its agent.conf over SSH (`idle_stop_s` nullopt: only reads
/// it); the agent picks the change up at its next check, counting idleness anew.
Result<IdleStatus> SetIdleStop(Env& env, const SshTarget& target,
                               std::optional<int64_t> idle_stop_s);

}  // namespace gpubox
