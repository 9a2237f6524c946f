#pragma once
/// Retries as the AWS SDKs make them (botocore's retries/standard.py and adaptive.py):
///
///  standard  a bounded number of attempts (3), jittered exponential backoff capped at
///            20 s, and a retry quota (token bucket) shared by every call of a client so
///            that an outage does not turn into a retry storm;
///  adaptive  standard, plus a client-side rate limiter: after the first throttling error
///            every request takes a token from a bucket whose rate follows CUBIC (cut to
///            0.7x on each throttle, grown back along a cubic curve), so a client sharing
///            an account with other tools slows down instead of failing. gpubox's default;
///  legacy    5 attempts, the same backoff, no retry quota.
///
/// AWS_RETRY_MODE / AWS_MAX_ATTEMPTS (and `retry_mode` / `max_attempts` in the profile's
/// config section) choose them as they do for the SDKs (aws/aws_config.h).
///
/// On top of the SDK's attempts, gpubox keeps retrying a transient failure (throttling,
/// 5xx, connection errors, timeouts) until a per-command deadline (`persist_until_us`),
/// telling `on_wait` that it waits and why: a workflow step is never lost to a slow cloud.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gpubox/sys/http_transport.h"
#include "gpubox/util/result.h"

namespace gpubox::aws {

enum class RetryMode { kLegacy, kStandard, kAdaptive };

/// "legacy", "standard", "adaptive" (the names of AWS_RETRY_MODE); nullopt otherwise.
std::optional<RetryMode> ParseRetryMode(std::string_view name);
const char* RetryModeName(RetryMode mode);

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

/// What a caller tells about a wait longer than a blink: the operation ("DescribeInstances"),
/// why ("RequestLimitExceeded", "HTTP 503", "connection refused", "client-side rate limit"),
/// the attempt about to be made, the wait, and the seconds left before the deadline (-1: none).
struct RetryNotice {
  std::string operation;
  std::string region;
  std::string reason;
  int next_attempt = 0;
  double wait_seconds = 0;
  double seconds_left = -1;
};

struct RetryOptions {
  int max_attempts = 3;  ///< total attempts, the first included (SDK part)
  double max_backoff_seconds = 20;
  RetryMode mode = RetryMode::kAdaptive;
  /// Unix microseconds until which transient failures keep being retried after the SDK's
  /// attempts are spent (0: no persistence beyond max_attempts).
  int64_t persist_until_us = 0;
  /// Told before each persisted retry and each rate-limit wait of a second or more.
  std::function<void(const RetryNotice&)> on_wait;
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

/// Adaptive mode's client-side rate limiter (botocore ClientRateLimiter with its
/// TokenBucket, RateClocker and CubicCalculator). Times are seconds on any steady scale
/// (the caller's clock). Off until the first throttling answer; then every request first
/// asks SendDelay() how long to wait. One thread at a time.
class ClientRateLimiter {
 public:
  explicit ClientRateLimiter(double now);

  /// Seconds to wait before sending a request at `now` (0 when not throttled yet or a token
  /// is there); the token is taken, so the caller sends right after the wait.
  double SendDelay(double now);
  /// Records an answer at `now`; `throttled` when it was a throttling error.
  void OnResponse(double now, bool throttled);

  bool enabled() const { return enabled_; }
  /// Requests per second the bucket allows now (its fill rate).
  double fill_rate() const { return fill_rate_; }
  double measured_rate() const { return measured_rate_; }

  static constexpr double kMinFillRate = 0.5;
  static constexpr double kBeta = 0.7;
  static constexpr double kScale = 0.4;
  static constexpr double kSmoothing = 0.8;
  static constexpr double kMaxRateAdjustScale = 2.0;

 private:
  void SetMaxRate(double max_rate);
  void Refill(double now);
  double MeasureRate(double now);
  double CubicZeroPoint() const;

  bool enabled_ = false;
  // Token bucket.
  double fill_rate_ = 1;
  double max_capacity_ = 1;
  double capacity_ = 0;
  std::optional<double> last_refill_;
  double max_rate_ = 1;
  // Rate clocker: requests per half second, smoothed.
  double measured_rate_ = 0;
  double last_bucket_ = 0;
  int count_ = 0;
  // CUBIC.
  double w_max_ = 0;
  double k_ = 0;
  double last_fail_ = 0;
};

}  // namespace gpubox::aws
