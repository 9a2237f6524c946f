#include "gpubox/sys/real_env.h"

#include <sys/random.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "gpubox/sys/real_file_system.h"
#include "gpubox/sys/real_http_transport.h"
#include "gpubox/sys/real_process_runner.h"

namespace gpubox {
namespace {

class RealClock : public Clock {
 public:
  int64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void SleepMicros(int64_t micros) override {
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }
};

class RealRandom : public Random {
 public:
  RealRandom() : engine_(std::random_device{}()) {}
  /// Thread-safe (a command's threads share it: retry jitter in parallel regions).
  double Uniform() override {
    std::lock_guard lock(mutex_);
    return std::uniform_real_distribution<double>(0, 1)(engine_);
  }
  std::string SecretBytes(size_t count) override {
    std::string bytes(count, '\0');
    size_t filled = 0;
    while (filled < count) {
      ssize_t got = ::getrandom(bytes.data() + filled, count - filled, 0);
      if (got > 0) filled += static_cast<size_t>(got);
    }
    return bytes;
  }

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;  ///< GUARDED_BY(mutex_)
};

}  // namespace

RealEnv::RealEnv(char** envp)
    : clock_(std::make_unique<RealClock>()),
      random_(std::make_unique<RealRandom>()),
      http_(std::make_unique<RealHttpTransport>()),
      processes_(std::make_unique<RealProcessRunner>()),
      files_(std::make_unique<RealFileSystem>()) {
  env_.clock = clock_.get();
  env_.random = random_.get();
  env_.http = http_.get();
  env_.processes = processes_.get();
  env_.files = files_.get();
  char path[4096];
  ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (length > 0) env_.executable.assign(path, static_cast<size_t>(length));
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text(*entry);
    size_t eq = text.find('=');
    if (eq != std::string::npos) env_.vars[text.substr(0, eq)] = text.substr(eq + 1);
  }
}

RealEnv::~RealEnv() = default;

}  // namespace gpubox
