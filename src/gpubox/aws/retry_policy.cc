#include "gpubox/aws/retry_policy.h"

#include <algorithm>
#include <cmath>

#include "gpubox/aws/aws_error.h"

namespace gpubox::aws {

bool RetryQuota::Acquire(int amount) {
  if (amount > available_) return false;
  available_ -= amount;
  return true;
}

void RetryQuota::Release(int amount) { available_ = std::min(max_, available_ + amount); }

bool IsRetryable(const AttemptOutcome& outcome) {
  if (outcome.transport_error != nullptr) return true;
  if (outcome.http_status == 500 || outcome.http_status == 502 || outcome.http_status == 503 ||
      outcome.http_status == 504) {
    return true;
  }
  return IsThrottlingCode(outcome.cloud_code) || IsTransientCode(outcome.cloud_code);
}

double BackoffSeconds(int attempt, double random, double max_backoff_seconds) {
  return random * std::min(std::pow(2.0, attempt - 1), max_backoff_seconds);
}

}  // namespace gpubox::aws
