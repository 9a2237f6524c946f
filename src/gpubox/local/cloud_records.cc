#include "gpubox/local/cloud_records.h"

namespace gpubox::local {

aws::InstanceState MakeState(int code) {
  aws::InstanceState state = aws::MakeInstanceState(code);
  return state.name.empty() ? aws::MakeInstanceState(kStopped) : state;
}

}  // namespace gpubox::local
