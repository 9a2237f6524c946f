#include "gpubox/util/result.h"

namespace gpubox {

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInternal:
      return 1;
    case ErrorCode::kUsage:
      return 2;
    case ErrorCode::kNotFound:
      return 3;
    case ErrorCode::kCloud:
      return 4;
    case ErrorCode::kNoCapacity:
      return 5;
    case ErrorCode::kCredentials:
      return 6;
    case ErrorCode::kEnvironment:
      return 7;
    case ErrorCode::kNetwork:
      return 8;
    case ErrorCode::kInterrupted:
      return 130;
  }
  return 1;
}

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kUsage:
      return "usage";
    case ErrorCode::kNotFound:
      return "not-found";
    case ErrorCode::kCloud:
      return "cloud";
    case ErrorCode::kNoCapacity:
      return "no-capacity";
    case ErrorCode::kCredentials:
      return "credentials";
    case ErrorCode::kEnvironment:
      return "environment";
    case ErrorCode::kNetwork:
      return "network";
    case ErrorCode::kInterrupted:
      return "interrupted";
  }
  return "internal";
}

}  // namespace gpubox
