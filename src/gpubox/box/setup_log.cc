#include "gpubox/box/setup_log.h"

#include <algorithm>
#include <ctime>

#include "gpubox/sys/file_system.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

constexpr std::string_view kStampPattern = "00000000T000000Z";  // digits where the 0s are

/// True when `file` is BOX-YYYYMMDDTHHMMSSZ.log for this box (not for "BOX-2", say).
bool IsCopyOf(std::string_view file, const std::string& box) {
  std::string_view prefix = box, suffix = ".log";
  if (file.size() != box.size() + 1 + kStampPattern.size() + suffix.size()) return false;
  if (!file.starts_with(prefix) || file[box.size()] != '-' || !file.ends_with(suffix)) {
    return false;
  }
  std::string_view stamp = file.substr(box.size() + 1, kStampPattern.size());
  for (size_t char_idx = 0; char_idx < stamp.size(); ++char_idx) {
    bool digit = stamp[char_idx] >= '0' && stamp[char_idx] <= '9';
    if (kStampPattern[char_idx] == '0' ? !digit : stamp[char_idx] != kStampPattern[char_idx]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string SetupLogCopyPath(const GpuboxPaths& paths, const std::string& box,
                             int64_t unix_seconds) {
  std::time_t when = unix_seconds;
  std::tm utc{};
  gmtime_r(&when, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return paths.setup_logs_dir() + "/" + box + "-" + stamp + ".log";
}

Result<std::string> ReadBoxSetupLog(Env& env, const SshTarget& target) {
  auto run = GPUBOX_TRY(
      env.processes->Run(SshCommand(target, {"cat", ".gpubox/setup.log"}), {.timeout_ms = 60000}));
  if (run.exit_code == 255) {
    return Fail(ErrorCode::kNetwork, "cannot reach the box: " + std::string(Trim(run.err)));
  }
  if (run.exit_code != 0) {
    return Fail(ErrorCode::kNotFound, "the box has no setup log: " + std::string(Trim(run.err)));
  }
  return run.out;
}

Result<bool> CopySetupLog(Env& env, const SshTarget& target, const std::string& copy_path,
                          std::string_view fallback) {
  auto log = ReadBoxSetupLog(env, target);
  std::string dir = copy_path.substr(0, copy_path.rfind('/'));
  GPUBOX_TRY_VOID(env.files->MakeDirs(dir, 0700));
  GPUBOX_TRY_VOID(env.files->WriteFile(copy_path, log ? *log : std::string(fallback), 0600));
  return log.has_value();
}

std::optional<std::string> LatestSetupLogCopy(Env& env, const GpuboxPaths& paths,
                                              const std::string& box) {
  auto files = env.files->ListDir(paths.setup_logs_dir());
  if (!files) return std::nullopt;
  std::optional<std::string> newest;
  for (const std::string& file : *files) {
    // The stamp sorts as the time does.
    if (IsCopyOf(file, box) && (!newest || file > *newest)) newest = file;
  }
  if (!newest) return std::nullopt;
  return paths.setup_logs_dir() + "/" + *newest;
}

Result<ShownSetupLog> FindSetupLog(Env& env, const GpuboxPaths& paths, const std::string& name,
                                   const std::optional<BoxRecord>& box) {
  bool runs = box && !box->public_ip.empty() &&
              (box->state == BoxState::kRunning || box->state == BoxState::kSettingUp);
  if (runs) {
    if (auto log = ReadBoxSetupLog(env, BoxSshTarget(*box, paths))) {
      return ShownSetupLog{*log, "the box"};
    }
  }
  if (auto copy = LatestSetupLogCopy(env, paths, name)) {
    return ShownSetupLog{GPUBOX_TRY(env.files->ReadFile(*copy)), *copy};
  }
  if (!box) {
    return Fail(ErrorCode::kNotFound, "no box named '" + name + "' and no copy of its setup log",
                "'gpubox ls' lists your boxes");
  }
  return Fail(ErrorCode::kNotFound, "no setup log of '" + name + "' could be read",
              runs ? "the box did not answer; try again, or 'gpubox ssh " + name + "'"
                   : "the box is " + std::string(BoxStateName(box->state)) +
                         " and no copy of its log was taken here");
}

}  // namespace gpubox
