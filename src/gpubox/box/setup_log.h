#pragma once
/// A box's setup log (~/.gpubox/setup.log on the box) and its copies on this machine: when a
/// setup fails, the whole log is copied under the state directory before anything else
/// happens to the box, so the reason outlives a stopped or deleted box.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gpubox/box/paths.h"
#include "gpubox/box/ssh.h"
#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace gpubox {

/// Where the copy of `box`'s log taken at `unix_seconds` goes:
/// STATE/setup-logs/BOX-YYYYMMDDTHHMMSSZ.log (UTC).
std::string SetupLogCopyPath(const GpuboxPaths& paths, const std::string& box,
                             int64_t unix_seconds);

/// The setup log as the box has it now (kNetwork / kNotFound when it cannot be read).
Result<std::string> ReadBoxSetupLog(Env& env, const SshTarget& target);

/// Copies the box's setup log to `copy_path` (0600: a log may hold what a user typed); when
/// the box cannot give it, writes `fallback` (what the session printed) there instead.
/// Returns true when the box's own log was copied.
Result<bool> CopySetupLog(Env& env, const SshTarget& target, const std::string& copy_path,
                          std::string_view fallback);

/// The newest copy of `box`'s log, if any.
std::optional<std::string> LatestSetupLogCopy(Env& env, const GpuboxPaths& paths,
                                              const std::string& box);

/// A setup log to show and where it came from.
struct ShownSetupLog {
  std::string text;
  std::string source;  ///< "the box", or the copy's path
};

/// `gpubox logs NAME --setup`: the log of the box when it runs and answers (`box` is its
/// record, if the store has one), else the newest copy here (a box stopped after a failed
/// setup, or deleted); kNotFound when there is neither.
Result<ShownSetupLog> FindSetupLog(Env& env, const GpuboxPaths& paths, const std::string& name,
                                   const std::optional<BoxRecord>& box);

}  // namespace gpubox
