#pragma once
/// Ec2ServiceTest: an Ec2Service over an in-memory store, a fake clock and a
/// RecordingHost, called as the API server calls it.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gpubox/local/ec2_service.h"
#include "unit/fakes/fake_clock.h"

namespace gpubox::local {

using gpubox::testing::FakeClock;
constexpr int64_t kStartMicros = 1798761600LL * 1000000;  // 2027-01-01

class FakeRandom : public Random {
 public:
  double Uniform() override { return (next_ = next_ * 0.618 + 0.1) - static_cast<int>(next_); }
  double next_ = 0.3;
};

/// Records what the service asked of the host; instances are ready at once.
class RecordingHost : public InstanceHost {
 public:
  Result<std::string> Launch(const LaunchSpec& spec) override {
    calls_.push_back("launch " + spec.instance_id + " " + std::to_string(spec.volume_gib));
    authorized_keys_[spec.instance_id] = spec.authorized_key;
    user_data_[spec.instance_id] = spec.user_data;
    firewalls_[spec.instance_id] = spec.ingress;
    return AddressOf(spec.instance_id);
  }
  Result<std::string> Start(const LaunchSpec& spec) override {
    calls_.push_back("start " + spec.instance_id);
    return AddressOf(spec.instance_id);
  }
  Result<std::string> Adopt(const LaunchSpec& spec) override {
    calls_.push_back("adopt " + spec.instance_id);
    user_data_[spec.instance_id] = spec.user_data;
    return "10.0.0.5";
  }
  bool IsReady(const std::string&) override { return true; }
  bool PoweredOff(const std::string& id) override { return powered_off_.count(id) != 0; }
  Result<void> Stop(const std::string& id) override { return Record("stop " + id); }
  Result<void> Terminate(const std::string& id) override { return Record("terminate " + id); }
  Result<void> UpdateFirewall(const std::string& id,
                              const std::vector<aws::IpPermission>& ingress) override {
    firewalls_[id] = ingress;
    return Record("firewall " + id);
  }
  Result<void> Snapshot(const std::string& id, const std::string& image) override {
    return Record("snapshot " + id + " " + image);
  }
  Result<void> DeleteSnapshot(const std::string& image) override {
    return Record("delete " + image);
  }
  Result<void> NoticeSpotInterruption(const std::string& id, const std::string& action,
                                      const std::string&) override {
    return Record("notice " + id + " " + action);
  }
  /// 10.0.0.5 for every instance, unless distinct_addresses_: then 10.0.0.10, .11, ... in
  /// launch order, each instance keeping its own.
  std::string AddressOf(const std::string& id) {
    if (!distinct_addresses_) return "10.0.0.5";
    auto [it, added] = addresses_.try_emplace(id, "");
    if (added) it->second = "10.0.0." + std::to_string(10 + addresses_.size() - 1);
    return it->second;
  }
  Result<void> Record(std::string call) {
    calls_.push_back(std::move(call));
    return {};
  }
  std::vector<std::string> calls_;
  std::map<std::string, std::string> authorized_keys_;               ///< by instance id
  std::map<std::string, std::string> user_data_;                     ///< by instance id
  std::map<std::string, std::vector<aws::IpPermission>> firewalls_;  ///< the last, by id
  bool distinct_addresses_ = false;
  std::map<std::string, std::string> addresses_;  ///< by instance id
  std::set<std::string> powered_off_;             ///< instances whose OS has shut down (PoweredOff)
};

class Ec2ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.clock = &clock_;
    env_.random = &random_;
    store_ = std::move(*Store::Open(":memory:"));
    service_ = std::make_unique<Ec2Service>(env_, *store_, host_, "123456789012");
    ASSERT_TRUE(service_->Load());
  }

  Ec2Reply Call(std::string action, std::map<std::string, std::string> params,
                std::string region = "us-east-1") {
    Ec2Request request{std::move(action), std::move(region), "req-1", std::move(params)};
    return service_->Handle(request);
  }

  /// A call signed by a granted user's key: their account and name.
  Ec2Reply CallAs(std::string account, std::string user, std::string action,
                  std::map<std::string, std::string> params) {
    Ec2Request request{std::move(action), "us-east-1",        "req-1",
                       std::move(params), std::move(account), std::move(user)};
    return service_->Handle(request);
  }

  /// The text of the first <name> element of a reply.
  static std::string First(const Ec2Reply& reply, const std::string& name) {
    size_t start = reply.body.find("<" + name + ">");
    if (start == std::string::npos) return "";
    start += name.size() + 2;
    return reply.body.substr(start, reply.body.find("</" + name + ">", start) - start);
  }

  std::string DlamiId() {
    return First(Call("DescribeImages", {{"Owner.1", "amazon"},
                                         {"Filter.1.Name", "name"},
                                         {"Filter.1.Value.1", "Deep Learning*"}}),
                 "imageId");
  }

  FakeClock clock_{kStartMicros};
  FakeRandom random_;
  Env env_;
  RecordingHost host_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Ec2Service> service_;
};

}  // namespace gpubox::local
