#include "gpubox/box/box_lock.h"

#include <ostream>

#include "gpubox/sys/file_system.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

constexpr int64_t kPollMicros = 100'000;

std::string Holder(Env& env, const std::string& path) {
  auto text = env.files->ReadFile(path);
  std::string pid = text ? std::string(Trim(*text)) : "";
  return pid.empty() ? "another gpubox command" : "another gpubox command (pid " + pid + ")";
}

}  // namespace

Result<LockFile> LockBox(Env& env, const GpuboxPaths& paths, const std::string& box,
                         int64_t deadline_us, std::ostream& progress) {
  std::string dir = paths.state_dir + "/locks";
  GPUBOX_TRY_VOID(env.files->MakeDirs(dir, 0700));
  std::string path = dir + "/" + box + ".lock";
  bool told = false;
  while (true) {
    auto lock = GPUBOX_TRY(LockFile::TryAcquire(path));
    if (lock) return std::move(*lock);
    if (!told) {
      progress << "gpubox: waiting for " << Holder(env, path) << " on " << box << " to finish\n";
      progress.flush();
      told = true;
    }
    if (env.clock->NowMicros() + kPollMicros > deadline_us) {
      return Fail(ErrorCode::kEnvironment, box + " is busy: " + Holder(env, path) + " works on it",
                  "wait for that command to finish, or give this one longer with --timeout");
    }
    env.clock->SleepMicros(kPollMicros);
  }
}

}  // namespace gpubox
