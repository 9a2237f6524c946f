#pragma once
/// What the box's own agent recorded (`/var/lib/gpubox/events.jsonl` on the box: spot
/// notices, jobs signalled and restarted, boots, warnings), read over SSH so that
/// `gpubox events NAME` can show it beside what the laptop recorded.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/box/ssh.h"
#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace gpubox {

/// One line of the agent's events file.
struct BoxAgentEvent {
  int64_t time_us = 0;  ///< its `ts` (epoch seconds, milliseconds kept)
  std::string kind;     ///< e.g. spot-notice, jobs-signalled, job-restarted, boot
  std::string message;  ///< the other fields as `key=value` words, in the file's order
};

/// The events in `text` (the file's JSON lines), oldest first; a line that is not a JSON
/// object with a numeric `ts` and a string `kind` (a torn last line) is skipped.
std::vector<BoxAgentEvent> ParseBoxEvents(std::string_view text);

/// The last `limit` events of the box at `target` over SSH. A box without an agent (made
/// with --no-setup) has none; kNetwork when the box does not answer.
Result<std::vector<BoxAgentEvent>> ReadBoxEvents(Env& env, const SshTarget& target,
                                                 int limit = 500);

}  // namespace gpubox
