#include "gpubox/local/cloud_records.h"

namespace gpubox::local {

aws::InstanceState MakeState(int code) {
  switch (code) {
    case kPending:
      return {code, "pending"};
    case kRunning:
      return {code, "running"};
    case kShuttingDown:
      return {code, "shutting-down"};
    case kTerminated:
      return {code, "terminated"};
    case kStopping:
      return {code, "stopping"};
    default:
      return {kStopped, "stopped"};
  }
}

}  // namespace gpubox::local
