#pragma once
/// Internal to InstanceRuntime: what it holds per instance in memory.

#include <memory>
#include <mutex>
#include <string>

#include "gpubox/local/runtime/imds_server.h"
#include "gpubox/local/runtime/instance_record.h"
#include "gpubox/local/runtime/instance_runtime.h"

namespace gpubox::local {

struct InstanceRuntime::Instance {
  std::mutex mutex;  ///< serialises the calls on one instance
  RuntimeInstanceRecord record;
  std::shared_ptr<ImdsService> imds;
  std::unique_ptr<ImdsServer> imds_server;
  bool ssh_ready = false;  ///< sshd answered since the last start
  bool terminated = false;
  std::string action;  ///< spot notice, kept across IMDS restarts
  std::string action_time;
};

}  // namespace gpubox::local
