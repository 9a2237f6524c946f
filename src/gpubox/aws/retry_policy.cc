#include "gpubox/aws/retry_policy.h"

#include <algorithm>
#include <cmath>

#include "gpubox/aws/aws_error.h"

namespace gpubox::aws {

std::optional<RetryMode> ParseRetryMode(std::string_view name) {
  if (name == "legacy") return RetryMode::kLegacy;
  if (name == "standard") return RetryMode::kStandard;
  if (name == "adaptive") return RetryMode::kAdaptive;
  return std::nullopt;
}

const char* RetryModeName(RetryMode mode) {
  switch (mode) {
    case RetryMode::kLegacy:
      return "legacy";
    case RetryMode::kStandard:
      return "standard";
    case RetryMode::kAdaptive:
      return "adaptive";
  }
  return "adaptive";
}

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

ClientRateLimiter::ClientRateLimiter(double now) : last_bucket_(std::floor(now)), last_fail_(now) {
  SetMaxRate(1);
  k_ = CubicZeroPoint();
}

double ClientRateLimiter::CubicZeroPoint() const {
  return std::cbrt(w_max_ * (1 - kBeta) / kScale);
}

void ClientRateLimiter::SetMaxRate(double max_rate) {
  max_rate_ = max_rate;
  fill_rate_ = std::max(max_rate, kMinFillRate);
  max_capacity_ = max_rate >= 1 ? max_rate : 1;
  capacity_ = std::min(capacity_, max_capacity_);
}

void ClientRateLimiter::Refill(double now) {
  if (!last_refill_) {
    last_refill_ = now;
    return;
  }
  capacity_ = std::min(max_capacity_, capacity_ + (now - *last_refill_) * fill_rate_);
  last_refill_ = now;
}

double ClientRateLimiter::SendDelay(double now) {
  if (!enabled_) return 0;
  Refill(now);
  if (capacity_ >= 1) {
    capacity_ -= 1;
    return 0;
  }
  // botocore sleeps until the missing part has filled in, then takes the token.
  double wait = (1 - capacity_) / fill_rate_;
  capacity_ = 0;
  last_refill_ = now + wait;
  return wait;
}

double ClientRateLimiter::MeasureRate(double now) {
  double bucket = std::floor(now * 2) / 2;  // half-second buckets
  ++count_;
  if (bucket > last_bucket_) {
    double current = count_ / (bucket - last_bucket_);
    measured_rate_ = current * kSmoothing + measured_rate_ * (1 - kSmoothing);
    count_ = 0;
    last_bucket_ = bucket;
  }
  return measured_rate_;
}

void ClientRateLimiter::OnResponse(double now, bool throttled) {
  double measured = MeasureRate(now);
  double new_rate;
  if (!throttled) {
    new_rate = kScale * std::pow(now - last_fail_ - k_, 3) + w_max_;
  } else {
    double rate_to_use = enabled_ ? std::min(measured, max_rate_) : measured;
    w_max_ = rate_to_use;
    k_ = CubicZeroPoint();
    last_fail_ = now;
    new_rate = rate_to_use * kBeta;
    enabled_ = true;
  }
  SetMaxRate(std::min(new_rate, kMaxRateAdjustScale * measured));
}

}  // namespace gpubox::aws
