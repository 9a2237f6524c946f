// The service starts the instances of one RunInstances side by side on a host that
// allows it: proven with a host whose launches wait for each other (a barrier), which
// one-after-the-other launching could never pass.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "gpubox/local/ec2_service.h"
#include "unit/fakes/fake_clock.h"

namespace gpubox::local {
namespace {

class FixedRandom : public Random {
 public:
  double Uniform() override { return (next_ = next_ * 0.618 + 0.1) - static_cast<int>(next_); }
  double next_ = 0.3;
};

/// A concurrent host whose Launch returns only once `expected` launches are in flight at
/// the same time (or fails after a generous real-time wait).
class BarrierHost : public NullInstanceHost {
 public:
  explicit BarrierHost(int expected) : expected_(expected) {}
  Result<std::string> Launch(const LaunchSpec& spec) override {
    std::unique_lock lock(mutex_);
    ++in_flight_;
    most_in_flight_ = std::max(most_in_flight_, in_flight_);
    arrived_.notify_all();
    bool met = arrived_.wait_for(lock, std::chrono::seconds(20),
                                 [&] { return most_in_flight_ >= expected_; });
    --in_flight_;
    if (!met) return Fail(ErrorCode::kInternal, "launched alone");
    return "10.0.0." + std::to_string(++launched_);
  }
  int most_in_flight() {
    std::lock_guard lock(mutex_);
    return most_in_flight_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  int expected_;
  int in_flight_ = 0;
  int most_in_flight_ = 0;
  int launched_ = 0;
};

TEST(Ec2ParallelLaunchTest, OneRunInstancesOfEightLaunchesThemSideBySide) {
  testing::FakeClock clock(1798761600LL * 1000000);
  FixedRandom random;
  Env env;
  env.clock = &clock;
  env.random = &random;
  auto store = std::move(*Store::Open(":memory:"));
  BarrierHost host(8);
  Ec2Service service(env, *store, host, "123456789012");
  ASSERT_TRUE(service.Load());
  Ec2Request images{
      "DescribeImages",
      "us-east-1",
      "req-1",
      {{"Owner.1", "amazon"}, {"Filter.1.Name", "name"}, {"Filter.1.Value.1", "Deep Learning*"}}};
  std::string body = service.Handle(images).body;
  size_t at = body.find("<imageId>") + 9;
  std::string ami = body.substr(at, body.find("</imageId>", at) - at);
  Ec2Request run{
      "RunInstances",
      "us-east-1",
      "req-2",
      {{"ImageId", ami}, {"InstanceType", "g4dn.xlarge"}, {"MinCount", "8"}, {"MaxCount", "8"}}};
  Ec2Reply launched = service.Handle(run);
  ASSERT_EQ(launched.status, 200) << launched.body;
  service.Tick();  // every launch at once
  service.Tick();  // every ready check
  EXPECT_EQ(host.most_in_flight(), 8);
  Ec2Reply described = service.Handle({"DescribeInstances", "us-east-1", "req-3", {}});
  size_t running = 0;
  for (size_t pos = 0;
       (pos = described.body.find("<name>running</name>", pos)) != std::string::npos; ++pos) {
    ++running;
  }
  EXPECT_EQ(running, 8u) << described.body;
}

}  // namespace
}  // namespace gpubox::local
