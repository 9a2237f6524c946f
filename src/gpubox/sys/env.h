#pragma once
/// The injected environment (leveldb's Env): everything that touches the OS
/// goes through these interfaces, so logic above sys/ is tested with fakes.
/// Only sys/real_* implements them for real.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace gpubox {

/// Wall-clock time and sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Microseconds since the Unix epoch.
  virtual int64_t NowMicros() = 0;
  virtual void SleepMicros(int64_t micros) = 0;
};

/// A source of uniform random numbers in [0, 1).
class Random {
 public:
  virtual ~Random() = default;
  virtual double Uniform() = 0;
};

class HttpTransport;
class ProcessRunner;
class FileSystem;

/// Non-owning bundle of the services a command uses. Members left null are
/// services the caller does not provide; code that needs one checks.
struct Env {
  Clock* clock = nullptr;
  Random* random = nullptr;
  HttpTransport* http = nullptr;
  ProcessRunner* processes = nullptr;
  FileSystem* files = nullptr;
  /// The process environment variables, copied at start (tests set their own).
  std::map<std::string, std::string> vars;

  std::optional<std::string> Var(const std::string& name) const {
    auto found = vars.find(name);
    if (found == vars.end()) return std::nullopt;
    return found->second;
  }
};

}  // namespace gpubox
