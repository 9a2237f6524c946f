#pragma once
/// The injected environment (leveldb's Env): everything that touches the OS
/// goes through these interfaces, so logic above sys/ is tested with fakes.
/// Only sys/real_* implements them for real.

#include <cstddef>
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
  /// `count` bytes for secrets (keys, tokens): the kernel's random source in the real
  /// Random. The default, for fakes, derives them from Uniform().
  virtual std::string SecretBytes(size_t count) {
    std::string bytes(count, '\0');
    for (char& byte : bytes) byte = static_cast<char>(static_cast<int>(Uniform() * 256) & 0xff);
    return bytes;
  }
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
  /// The running gpubox binary's path (to start the local cloud's daemon); "gpubox" when
  /// it cannot be known.
  std::string executable = "gpubox";

  std::optional<std::string> Var(const std::string& name) const {
    auto found = vars.find(name);
    if (found == vars.end()) return std::nullopt;
    return found->second;
  }
};

}  // namespace gpubox
