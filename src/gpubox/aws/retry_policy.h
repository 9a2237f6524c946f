#pragma once
/// AWS's "standard" retry mode, as botocore implements it: a bounded number of
/// attempts, jittered exponential backoff, and a retry quota (token bucket)
/// shared by every call of a client so that an outage does not turn into a
/// retry storm.

#include <cstdint>

#include "gpubox/sys/http_transport.h"
#include "gpubox/util/result.h"

namespace gpubox::aws {

/// The token bucket: 500 tokens; a retry costs 5 (10 after a timeout); a
/// success without retries gives 1 back, a success after retries gives back
/// what its last retry took; never above the initial capacity.
class RetryQuota {
 public:
  static constexpr int kInitialCapacity = 500;
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutRetryCost = 10;
  static constexpr int kNoRetryIncrement = 1;

  explicit RetryQuota(int capacity = kInitialCapacity) : max_(capacity), available_(capacity) {}

  /// Takes the cost of one retry; false (and takes nothing) when too few remain.
  bool Acquire(int amount);
  void Release(int amount);
  int available() const { return available_; }

 private:
  int max_;
  int available_;
};

struct RetryOptions {
  int max_attempts = 3;  ///< total attempts, the first included
  double max_backoff_seconds = 20;
};

/// What one attempt came to, for the retry decision.
struct AttemptOutcome {
  /// Set when no response arrived (connection error, timeout).
  const Error* transport_error = nullptr;
  bool timed_out = false;
  int http_status = 0;
  std::string cloud_code;  ///< the API's error code, when the body had one
};

/// Whether standard mode retries this outcome (ignoring attempts and quota):
/// connection errors and timeouts, HTTP 500/502/503/504, throttling codes
/// and transient codes (RequestTimeout, ...).
bool IsRetryable(const AttemptOutcome& outcome);

/// Seconds to wait before the next attempt after `attempt` (1-based) failed:
/// random × min(2^(attempt-1), max_backoff), `random` uniform in [0, 1).
double BackoffSeconds(int attempt, double random, double max_backoff_seconds = 20);

}  // namespace gpubox::aws
