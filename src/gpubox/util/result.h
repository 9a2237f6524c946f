#pragma once
/// Errors as values: every fallible function at a module edge returns Result<T>.
/// An Error carries a code (which decides the process exit status), a one-line
/// message and an optional hint that tells the user what to do next.

#include <expected>
#include <string>
#include <utility>

namespace gpubox {

enum class ErrorCode {
  kInternal,     ///< a bug or an unexpected system failure
  kUsage,        ///< bad flags or arguments
  kNotFound,     ///< a named box, image or resource does not exist
  kCloud,        ///< the cloud answered with an error
  kNoCapacity,   ///< nothing could be launched: capacity, quota or price
  kCredentials,  ///< no credentials, or the cloud rejected them
  kEnvironment,  ///< the host lacks something (root, a program, a file)
  kNetwork,      ///< the endpoint could not be reached
  kInterrupted,  ///< the user interrupted
};

struct Error {
  Error() = default;
  Error(ErrorCode error_code, std::string error_message, std::string error_hint = "")
      : code(error_code), message(std::move(error_message)), hint(std::move(error_hint)) {}

  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string hint;
  /// Set when a cloud API answered with an error document: the API's error
  /// code ("InsufficientInstanceCapacity"), its request id and the HTTP
  /// status, so callers can branch on the code. Empty / 0 otherwise.
  std::string cloud_code;
  std::string request_id;
  int http_status = 0;
};

template <typename T>
using Result = std::expected<T, Error>;

/// Makes an unexpected Error; `return Fail(ErrorCode::kUsage, "...")`.
inline std::unexpected<Error> Fail(ErrorCode code, std::string message, std::string hint = "") {
  return std::unexpected(Error{code, std::move(message), std::move(hint)});
}

/// The documented process exit status for an error code (README, "Exit codes").
int ExitCodeFor(ErrorCode code);

/// A short stable name for the code ("usage", "cloud", ...), used in JSON.
const char* ErrorCodeName(ErrorCode code);

}  // namespace gpubox

/// Evaluates a Result expression; on error returns it from the enclosing
/// function, otherwise yields the value. Works in functions returning any Result.
#define GPUBOX_TRY(expr)                                             \
  ({                                                                 \
    auto gpubox_try_result_ = (expr);                                \
    if (!gpubox_try_result_) {                                       \
      return std::unexpected(std::move(gpubox_try_result_).error()); \
    }                                                                \
    std::move(gpubox_try_result_).value();                           \
  })

/// Like GPUBOX_TRY for Result<void>.
#define GPUBOX_TRY_VOID(expr)                                        \
  do {                                                               \
    auto gpubox_try_result_ = (expr);                                \
    if (!gpubox_try_result_) {                                       \
      return std::unexpected(std::move(gpubox_try_result_).error()); \
    }                                                                \
  } while (false)
