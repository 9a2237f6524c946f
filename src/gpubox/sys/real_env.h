#pragma once
/// The real environment of the running process.

#include <memory>

#include "gpubox/sys/env.h"

namespace gpubox {

/// Owns the real implementations and exposes them as an Env.
class RealEnv {
 public:
  /// `envp` is main's third argument (or environ).
  explicit RealEnv(char** envp);
  ~RealEnv();
  Env& env() { return env_; }

 private:
  Env env_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<Random> random_;
  std::unique_ptr<HttpTransport> http_;
  std::unique_ptr<ProcessRunner> processes_;
  std::unique_ptr<FileSystem> files_;
};

}  // namespace gpubox
