#pragma once
// A clock that only moves when told to (or when slept on), recording every
// sleep; and a Random that plays back a scripted sequence.

#include <deque>
#include <vector>

#include "gpubox/sys/env.h"

namespace gpubox::testing {

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now_micros = 1440938160LL * 1000000) : now_micros_(now_micros) {}
  int64_t NowMicros() override { return now_micros_; }
  void SleepMicros(int64_t micros) override {
    sleeps_micros_.push_back(micros);
    now_micros_ += micros;
  }
  void Advance(int64_t micros) { now_micros_ += micros; }

  std::vector<int64_t> sleeps_micros_;

 private:
  int64_t now_micros_;
};

class FakeRandom : public Random {
 public:
  /// Plays `values` in order, then repeats the last one (0.5 if none).
  explicit FakeRandom(std::vector<double> values = {}) : values_(values.begin(), values.end()) {}
  double Uniform() override {
    if (values_.empty()) return last_;
    last_ = values_.front();
    values_.pop_front();
    return last_;
  }

 private:
  std::deque<double> values_;
  double last_ = 0.5;
};

}  // namespace gpubox::testing
