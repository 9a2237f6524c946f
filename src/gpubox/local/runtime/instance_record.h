#pragma once
/// What the runtime remembers of an instance across daemon restarts: its
/// spec (with the chosen IP) and, while it runs, the identity of its
/// processes. Stored as JSON in the instance's directory.

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "gpubox/local/runtime/instance_spec.h"
#include "gpubox/util/result.h"

namespace gpubox::local {

struct RuntimeInstanceRecord {
  InstanceSpec spec;
  pid_t keeper_pid = 0;        ///< host pid of the instance's init (PID 1 of its namespace;
                               ///< an `unshare`, its parent, where an older cloud booted it)
  uint64_t pid_namespace = 0;  ///< inode of the instance's PID namespace
};

std::string EncodeRuntimeRecord(const RuntimeInstanceRecord& record);
/// kInternal when the text is not a record.
Result<RuntimeInstanceRecord> DecodeRuntimeRecord(const std::string& text);

}  // namespace gpubox::local
