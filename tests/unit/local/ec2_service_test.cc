#include "gpubox/local/ec2_service.h"

#include <gtest/gtest.h>

#include <set>

#include "gpubox/aws/crypto.h"
#include "gpubox/local/quotas_service.h"
#include "unit/local/ec2_service_fixture.h"

namespace gpubox::local {
namespace {

TEST_F(Ec2ServiceTest, RunInstancesGoesPendingThenRunningOnTheHost) {
  Ec2Reply run = Call("RunInstances", {{"ImageId", DlamiId()},
                                       {"InstanceType", "g4dn.xlarge"},
                                       {"MinCount", "1"},
                                       {"MaxCount", "1"},
                                       {"BlockDeviceMapping.1.DeviceName", "/dev/sda1"},
                                       {"BlockDeviceMapping.1.Ebs.VolumeSize", "96"}});
  ASSERT_EQ(run.status, 200) << run.body;
  std::string id = First(run, "instanceId");
  EXPECT_EQ(First(run, "name"), "pending");
  service_->Tick();  // launch
  service_->Tick();  // ready
  EXPECT_EQ(host_.calls_, std::vector<std::string>{"launch " + id + " 96"});
  Ec2Reply described = Call("DescribeInstances", {{"InstanceId.1", id}});
  EXPECT_EQ(First(described, "name"), "running");
  EXPECT_EQ(First(described, "privateIpAddress"), "10.0.0.5");
}

/// The CIDRs a host firewall admits on every port (a rule of protocol -1).
std::set<std::string> OpenToAll(const std::vector<aws::IpPermission>& ingress) {
  std::set<std::string> cidrs;
  for (const aws::IpPermission& permission : ingress) {
    if (permission.ip_protocol != "-1") continue;
    EXPECT_TRUE(permission.user_id_group_pairs.empty()) << "the host gets addresses, not groups";
    for (const aws::IpRange& range : permission.ip_ranges) cidrs.insert(range.cidr_ip);
  }
  return cidrs;
}

TEST_F(Ec2ServiceTest, ASelfReferencingRuleAdmitsTheGroupsInstancesAloneAsTheyComeAndGo) {
  host_.distinct_addresses_ = true;
  std::string cluster = First(
      Call("CreateSecurityGroup", {{"GroupName", "c"}, {"GroupDescription", "d"}}), "groupId");
  std::string other = First(
      Call("CreateSecurityGroup", {{"GroupName", "o"}, {"GroupDescription", "d"}}), "groupId");
  ASSERT_EQ(Call("AuthorizeSecurityGroupIngress", {{"GroupId", cluster},
                                                   {"IpPermissions.1.IpProtocol", "-1"},
                                                   {"IpPermissions.1.Groups.1.GroupId", cluster}})
                .status,
            200);
  std::string ami = DlamiId();
  Ec2Reply nodes = Call("RunInstances", {{"ImageId", ami},
                                         {"InstanceType", "g4dn.xlarge"},
                                         {"MinCount", "2"},
                                         {"MaxCount", "2"},
                                         {"SecurityGroupId.1", cluster}});
  ASSERT_EQ(nodes.status, 200) << nodes.body;
  std::string outsider =
      First(Call("RunInstances",
                 {{"ImageId", ami}, {"InstanceType", "g4dn.xlarge"}, {"SecurityGroupId.1", other}}),
            "instanceId");
  for (int tick = 0; tick < 4; ++tick) service_->Tick();
  std::vector<std::string> ids;
  for (size_t at = 0; (at = nodes.body.find("<instanceId>", at)) != std::string::npos; ++at) {
    ids.push_back(nodes.body.substr(at + 12, nodes.body.find('<', at + 12) - at - 12));
  }
  ASSERT_EQ(ids.size(), 2u);
  std::set<std::string> both = {host_.AddressOf(ids[0]) + "/32", host_.AddressOf(ids[1]) + "/32"};
  EXPECT_EQ(OpenToAll(host_.firewalls_[ids[0]]), both);
  EXPECT_EQ(OpenToAll(host_.firewalls_[ids[1]]), both);
  EXPECT_EQ(both.count(host_.AddressOf(outsider) + "/32"), 0u);
  EXPECT_TRUE(OpenToAll(host_.firewalls_[outsider]).empty());  // its group admits nobody
  ASSERT_EQ(Call("TerminateInstances", {{"InstanceId.1", ids[1]}}).status, 200);
  for (int tick = 0; tick < 3; ++tick) service_->Tick();
  EXPECT_EQ(OpenToAll(host_.firewalls_[ids[0]]),
            std::set<std::string>{host_.AddressOf(ids[0]) + "/32"});
}

TEST_F(Ec2ServiceTest, ClientTokenAnswersTheSameReservation) {
  std::map<std::string, std::string> params = {{"ImageId", DlamiId()},
                                               {"InstanceType", "g4dn.xlarge"},
                                               {"MinCount", "1"},
                                               {"MaxCount", "1"},
                                               {"ClientToken", "tok"}};
  Ec2Reply first = Call("RunInstances", params);
  Ec2Reply second = Call("RunInstances", params);
  EXPECT_EQ(First(first, "reservationId"), First(second, "reservationId"));
  EXPECT_EQ(First(first, "instanceId"), First(second, "instanceId"));
  params["InstanceType"] = "g4dn.2xlarge";
  EXPECT_EQ(First(Call("RunInstances", params), "Code"), "IdempotentParameterMismatch");
}

// An injected capacity error (gpubox local fault) must not hit a call EC2 answers from what
// already happened: else a retried launch fails over and leaves its first instance behind.
TEST_F(Ec2ServiceTest, ReplaysAndStartsOfLiveInstancesAnswerWithoutCapacity) {
  std::map<std::string, std::string> params = {{"ImageId", DlamiId()},
                                               {"InstanceType", "g4dn.xlarge"},
                                               {"MinCount", "1"},
                                               {"MaxCount", "1"},
                                               {"ClientToken", "tok"}};
  auto answers = [&](std::string action, std::map<std::string, std::string> call) {
    return service_->AnswersWithoutCapacity({std::move(action), "us-east-1", "req-1", call});
  };
  EXPECT_FALSE(answers("RunInstances", params));
  std::string id = First(Call("RunInstances", params), "instanceId");
  EXPECT_TRUE(answers("RunInstances", params));
  EXPECT_FALSE(service_->AnswersWithoutCapacity({"RunInstances", "us-west-2", "req-1", params}));
  params["ClientToken"] = "other";
  EXPECT_FALSE(answers("RunInstances", params));
  params.erase("ClientToken");
  EXPECT_FALSE(answers("RunInstances", params));
  EXPECT_TRUE(answers("StartInstances", {{"InstanceId.1", id}}));
  ASSERT_EQ(Call("StopInstances", {{"InstanceId.1", id}}).status, 200);
  for (int tick = 0; tick < 3; ++tick) service_->Tick();
  EXPECT_FALSE(answers("StartInstances", {{"InstanceId.1", id}}));
  EXPECT_FALSE(answers("StartInstances", {{"InstanceId.1", "i-0123456789abcdef0"}}));
  EXPECT_FALSE(answers("DescribeInstances", {}));
}

TEST_F(Ec2ServiceTest, QuotaCapacityAndSpotPriceErrorsAsEc2Answers) {
  std::string ami = DlamiId();
  Ec2Reply p3 = Call("RunInstances", {{"ImageId", ami}, {"InstanceType", "p3.2xlarge"}});
  EXPECT_EQ(p3.status, 400);
  EXPECT_EQ(First(p3, "Code"), "VcpuLimitExceeded");
  Ec2Reply p3_west =
      Call("RunInstances", {{"ImageId", DlamiId()}, {"InstanceType", "p3.2xlarge"}}, "us-west-2");
  EXPECT_EQ(First(p3_west, "Code"), "InvalidAMIID.NotFound");  // images are per region
  FaultConfig faults;
  faults.capacity_errors.push_back({"g5.xlarge", "*"});
  service_->SetFaults(faults);
  Ec2Reply capacity = Call("RunInstances", {{"ImageId", ami}, {"InstanceType", "g5.xlarge"}});
  EXPECT_EQ(capacity.status, 500);
  EXPECT_EQ(First(capacity, "Code"), "InsufficientInstanceCapacity");
  Ec2Reply spot = Call("RunInstances", {{"ImageId", ami},
                                        {"InstanceType", "g4dn.xlarge"},
                                        {"InstanceMarketOptions.MarketType", "spot"},
                                        {"InstanceMarketOptions.SpotOptions.MaxPrice", "0.001"}});
  EXPECT_EQ(First(spot, "Code"), "SpotMaxPriceTooLow");
}

TEST_F(Ec2ServiceTest, SpotInterruptionNoticesThenTerminatesAfterThePeriod) {
  FaultConfig faults;
  faults.spot_notice_seconds = 5;
  service_->SetFaults(faults);
  Ec2Reply run = Call("RunInstances", {{"ImageId", DlamiId()},
                                       {"InstanceType", "g4dn.xlarge"},
                                       {"InstanceMarketOptions.MarketType", "spot"}});
  std::string id = First(run, "instanceId");
  service_->Tick();
  service_->Tick();
  ASSERT_TRUE(service_->InterruptSpot(id));
  EXPECT_EQ(host_.calls_.back(), "notice " + id + " terminate");
  clock_.Advance(6 * 1000000LL);
  service_->Tick();  // shutting-down
  service_->Tick();  // terminated on the host
  Ec2Reply described = Call("DescribeInstances", {{"InstanceId.1", id}});
  EXPECT_EQ(First(described, "name"), "terminated");
  EXPECT_EQ(First(described, "code"), "48");
  EXPECT_NE(described.body.find("Server.SpotInstanceTermination"), std::string::npos);
  clock_.Advance(kTerminatedVisibleMicros + 1);
  service_->Tick();
  EXPECT_EQ(First(Call("DescribeInstances", {{"InstanceId.1", id}}), "Code"),
            "InvalidInstanceID.NotFound");
}

TEST_F(Ec2ServiceTest, RecordsSurviveARestartAndRunningInstancesAreAdopted) {
  Ec2Reply run = Call("RunInstances", {{"ImageId", DlamiId()}, {"InstanceType", "g4dn.xlarge"}});
  std::string id = First(run, "instanceId");
  service_->Tick();
  service_->Tick();
  Call("CreateSecurityGroup", {{"GroupName", "g"}, {"GroupDescription", "d"}});
  service_ = std::make_unique<Ec2Service>(env_, *store_, host_, "123456789012");
  ASSERT_TRUE(service_->Load());
  service_->Tick();
  EXPECT_EQ(host_.calls_.back(), "adopt " + id);
  EXPECT_EQ(First(Call("DescribeSecurityGroups", {{"GroupName.1", "g"}}), "groupName"), "g");
}

TEST_F(Ec2ServiceTest, BinaryUserDataIsKeptExactlyAndTextThatIsNotUtf8IsRefused) {
  // gzip'd user data is legitimate on EC2: bytes that are no UTF-8 must survive storage and a
  // restart (the record's JSON could not hold them raw: the daemon died on it once).
  std::string bytes("\x1f\x8b\x08\x00\xb6\xff\x00#!", 9);
  Ec2Reply run = Call("RunInstances", {{"ImageId", DlamiId()},
                                       {"InstanceType", "g4dn.xlarge"},
                                       {"UserData", aws::Base64Encode(bytes)}});
  std::string id = First(run, "instanceId");
  ASSERT_FALSE(id.empty()) << run.body;
  service_->Tick();
  EXPECT_EQ(host_.user_data_[id], bytes);
  service_ = std::make_unique<Ec2Service>(env_, *store_, host_, "123456789012");
  ASSERT_TRUE(service_->Load());
  host_.user_data_.clear();
  service_->Tick();
  EXPECT_EQ(host_.calls_.back(), "adopt " + id);
  EXPECT_EQ(host_.user_data_[id], bytes);
  Ec2Reply tagged =
      Call("CreateTags",
           {{"ResourceId.1", id}, {"Tag.1.Key", "name"}, {"Tag.1.Value", std::string("\xb6x", 2)}});
  EXPECT_EQ(First(tagged, "Code"), "InvalidParameterValue");
  EXPECT_NE(First(tagged, "Message").find("not valid UTF-8"), std::string::npos);
}

TEST_F(Ec2ServiceTest, DescribeInstancesPaginates) {
  Call("RunInstances", {{"ImageId", DlamiId()},
                        {"InstanceType", "g4dn.xlarge"},
                        {"MinCount", "3"},
                        {"MaxCount", "3"}});
  Ec2Reply page = Call("DescribeInstances", {{"MaxResults", "2"}});
  std::string token = First(page, "nextToken");
  ASSERT_FALSE(token.empty());
  Ec2Reply last = Call("DescribeInstances", {{"MaxResults", "2"}, {"NextToken", token}});
  EXPECT_EQ(First(last, "nextToken"), "");
  EXPECT_EQ(First(Call("DescribeInstances", {{"NextToken", "junk"}}), "Code"), "InvalidNextToken");
}

/// A persistent spot instance that stops on an interruption, as `gpubox up --spot` asks.
std::map<std::string, std::string> PersistentSpot(const std::string& ami) {
  return {{"ImageId", ami},
          {"InstanceType", "g4dn.xlarge"},
          {"Placement.AvailabilityZone", "us-east-1a"},
          {"InstanceMarketOptions.MarketType", "spot"},
          {"InstanceMarketOptions.SpotOptions.SpotInstanceType", "persistent"},
          {"InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior", "stop"},
          {"TagSpecification.1.ResourceType", "spot-instances-request"},
          {"TagSpecification.1.Tag.1.Key", "gpubox:box"},
          {"TagSpecification.1.Tag.1.Value", "d2l"}};
}

TEST_F(Ec2ServiceTest, SpotRequestFollowsItsInstanceThroughStopStartAndCancel) {
  Ec2Reply run = Call("RunInstances", PersistentSpot(DlamiId()));
  ASSERT_EQ(run.status, 200) << run.body;
  std::string id = First(run, "instanceId");
  std::string sir = First(run, "spotInstanceRequestId");
  EXPECT_EQ(First(run, "instanceLifecycle"), "spot");
  ASSERT_EQ(sir.size(), 12u);
  service_->Tick();
  service_->Tick();
  auto request = [&] {
    return Call("DescribeSpotInstanceRequests", {{"SpotInstanceRequestId.1", sir}});
  };
  EXPECT_EQ(First(request(), "state"), "active");
  EXPECT_EQ(First(request(), "code"), "fulfilled");
  EXPECT_EQ(First(request(), "type"), "persistent");
  EXPECT_EQ(First(request(), "instanceId"), id);
  EXPECT_EQ(First(request(), "instanceInterruptionBehavior"), "stop");
  EXPECT_EQ(First(Call("DescribeSpotInstanceRequests",
                       {{"Filter.1.Name", "tag:gpubox:box"}, {"Filter.1.Value.1", "d2l"}}),
                  "spotInstanceRequestId"),
            sir);
  // A persistent spot instance stops and starts as the user asks.
  ASSERT_EQ(Call("StopInstances", {{"InstanceId.1", id}}).status, 200);
  EXPECT_EQ(First(request(), "state"), "disabled");
  EXPECT_EQ(First(request(), "code"), "instance-stopped-by-user");
  service_->Tick();
  ASSERT_EQ(Call("StartInstances", {{"InstanceId.1", id}}).status, 200);
  EXPECT_EQ(First(request(), "state"), "active");
  service_->Tick();
  service_->Tick();
  // Cancelled: the instance stays, and terminating it brings no replacement.
  Ec2Reply cancel = Call("CancelSpotInstanceRequests", {{"SpotInstanceRequestId.1", sir}});
  EXPECT_EQ(First(cancel, "state"), "cancelled");
  EXPECT_EQ(First(request(), "code"), "request-canceled-and-instance-running");
  ASSERT_EQ(Call("TerminateInstances", {{"InstanceId.1", id}}).status, 200);
  for (int tick = 0; tick < 4; ++tick) service_->Tick();
  EXPECT_EQ(First(Call("DescribeInstances", {{"Filter.1.Name", "instance-state-name"},
                                             {"Filter.1.Value.1", "pending"},
                                             {"Filter.1.Value.2", "running"}}),
                  "instanceId"),
            "");
  EXPECT_EQ(
      First(Call("DescribeSpotInstanceRequests", {{"SpotInstanceRequestId.1", "sir-00000000"}}),
            "Code"),
      "InvalidSpotInstanceRequestID.NotFound");
  EXPECT_EQ(
      First(Call("CancelSpotInstanceRequests", {{"SpotInstanceRequestId.1", "sir-x"}}), "Code"),
      "InvalidSpotInstanceRequestID.Malformed");
}

TEST_F(Ec2ServiceTest, PersistentRequestNotCancelledReplacesATerminatedInstance) {
  Ec2Reply run = Call("RunInstances", PersistentSpot(DlamiId()));
  std::string id = First(run, "instanceId");
  std::string sir = First(run, "spotInstanceRequestId");
  service_->Tick();
  service_->Tick();
  ASSERT_EQ(Call("TerminateInstances", {{"InstanceId.1", id}}).status, 200);
  Ec2Reply open = Call("DescribeSpotInstanceRequests", {{"SpotInstanceRequestId.1", sir}});
  EXPECT_EQ(First(open, "state"), "open");
  EXPECT_EQ(First(open, "code"), "instance-terminated-by-user");
  service_->Tick();
  Ec2Reply replaced = Call("DescribeSpotInstanceRequests", {{"SpotInstanceRequestId.1", sir}});
  std::string replacement = First(replaced, "instanceId");
  EXPECT_NE(replacement, id);
  EXPECT_EQ(First(replaced, "state"), "active");
  Ec2Reply described = Call("DescribeInstances", {{"InstanceId.1", replacement}});
  EXPECT_EQ(First(described, "spotInstanceRequestId"), sir);
  EXPECT_EQ(First(described, "instanceType"), "g4dn.xlarge");
}

TEST_F(Ec2ServiceTest, OneTimeAndPersistentRequestsMatchTheirInterruptionBehaviour) {
  auto params = PersistentSpot(DlamiId());
  params["InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior"] = "terminate";
  EXPECT_EQ(First(Call("RunInstances", params), "Code"), "InvalidParameterCombination");
  params.erase("InstanceMarketOptions.SpotOptions.SpotInstanceType");
  params["InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior"] = "stop";
  EXPECT_EQ(First(Call("RunInstances", params), "Code"), "InvalidParameterCombination");
  params["InstanceMarketOptions.SpotOptions.SpotInstanceType"] = "forever";
  EXPECT_EQ(First(Call("RunInstances", params), "Code"), "InvalidParameterValue");
  // A one-time spot instance cannot stop; terminated, its request closes.
  Ec2Reply one_time = Call("RunInstances", {{"ImageId", DlamiId()},
                                            {"InstanceType", "g4dn.xlarge"},
                                            {"InstanceMarketOptions.MarketType", "spot"}});
  std::string id = First(one_time, "instanceId");
  EXPECT_EQ(First(Call("StopInstances", {{"InstanceId.1", id}}), "Code"), "UnsupportedOperation");
  Call("TerminateInstances", {{"InstanceId.1", id}});
  EXPECT_EQ(First(Call("DescribeSpotInstanceRequests",
                       {{"SpotInstanceRequestId.1", First(one_time, "spotInstanceRequestId")}}),
                  "state"),
            "closed");
}

TEST_F(Ec2ServiceTest, SpotRequestsAreTheirAccountsOwn) {
  std::string sir = First(Call("RunInstances", PersistentSpot(DlamiId())), "spotInstanceRequestId");
  ASSERT_FALSE(sir.empty());
  EXPECT_EQ(First(CallAs("210987654321", "u1", "DescribeSpotInstanceRequests", {}),
                  "spotInstanceRequestId"),
            "");
  EXPECT_EQ(First(CallAs("210987654321", "u1", "CancelSpotInstanceRequests",
                         {{"SpotInstanceRequestId.1", sir}}),
                  "Code"),
            "InvalidSpotInstanceRequestID.NotFound");
  EXPECT_EQ(First(Call("DescribeSpotInstanceRequests", {}), "spotInstanceRequestId"), sir);
}

TEST_F(Ec2ServiceTest, WithdrawnCapacityNoticesStopsKeepsTheDiskAndRestartsWhenBack) {
  FaultConfig faults;
  faults.spot_notice_seconds = 3;
  service_->SetFaults(faults);
  Ec2Reply run = Call("RunInstances", PersistentSpot(DlamiId()));
  std::string id = First(run, "instanceId");
  std::string sir = First(run, "spotInstanceRequestId");
  service_->Tick();
  service_->Tick();
  host_.calls_.clear();
  faults.spot_capacity_withdrawn.push_back({"g4dn.xlarge", "us-east-1a"});
  service_->SetFaults(faults);
  service_->Tick();
  EXPECT_EQ(host_.calls_, std::vector<std::string>{"notice " + id + " stop"});
  auto request = [&] {
    return Call("DescribeSpotInstanceRequests", {{"SpotInstanceRequestId.1", sir}});
  };
  EXPECT_EQ(First(request(), "code"), "marked-for-stop");
  // New spot launches in the pool fail; another zone has room.
  EXPECT_EQ(First(Call("RunInstances", PersistentSpot(DlamiId())), "Code"),
            "InsufficientInstanceCapacity");
  clock_.Advance(2 * 1000000LL);
  service_->Tick();
  EXPECT_EQ(First(Call("DescribeInstances", {{"InstanceId.1", id}}), "name"), "running");
  clock_.Advance(2 * 1000000LL);
  service_->Tick();  // stopping
  service_->Tick();  // stopped on the host: the disk kept
  Ec2Reply stopped = Call("DescribeInstances", {{"InstanceId.1", id}});
  EXPECT_EQ(First(stopped, "name"), "stopped");
  EXPECT_NE(stopped.body.find("Server.SpotInstanceShutdown"), std::string::npos);
  EXPECT_EQ(host_.calls_.back(), "stop " + id);
  EXPECT_EQ(First(request(), "state"), "disabled");
  EXPECT_EQ(First(request(), "code"), "instance-stopped-no-capacity");
  // Only the spot service starts an instance it stopped.
  EXPECT_EQ(First(Call("StartInstances", {{"InstanceId.1", id}}), "Code"),
            "IncorrectSpotRequestState");
  service_->Tick();
  EXPECT_EQ(First(Call("DescribeInstances", {{"InstanceId.1", id}}), "name"), "stopped");
  faults.spot_capacity_withdrawn.clear();
  service_->SetFaults(faults);
  service_->Tick();  // the spot service starts it again
  service_->Tick();
  EXPECT_EQ(First(Call("DescribeInstances", {{"InstanceId.1", id}}), "name"), "running");
  EXPECT_EQ(host_.calls_[host_.calls_.size() - 2], "notice " + id + " ");  // withdrawn first
  EXPECT_EQ(host_.calls_.back(), "start " + id);
  EXPECT_EQ(First(request(), "state"), "active");
  EXPECT_EQ(First(request(), "code"), "fulfilled");
}

TEST_F(Ec2ServiceTest, PlacementGroupsHoldAClusterInOneZoneAndAreDeletedOnlyWhenEmpty) {
  Ec2Reply created =
      Call("CreatePlacementGroup", {{"GroupName", "c"},
                                    {"Strategy", "cluster"},
                                    {"TagSpecification.1.ResourceType", "placement-group"},
                                    {"TagSpecification.1.Tag.1.Key", "gpubox:box"},
                                    {"TagSpecification.1.Tag.1.Value", "c"}});
  ASSERT_EQ(created.status, 200) << created.body;
  std::string group_id = First(created, "groupId");
  EXPECT_TRUE(group_id.starts_with("pg-")) << group_id;
  EXPECT_EQ(First(created, "state"), "available");
  EXPECT_EQ(First(Call("CreatePlacementGroup", {{"GroupName", "c"}}), "Code"),
            "InvalidPlacementGroup.Duplicate");
  EXPECT_EQ(
      First(Call("CreatePlacementGroup", {{"GroupName", "x"}, {"Strategy", "tight"}}), "Code"),
      "InvalidParameterValue");
  Ec2Reply described = Call("DescribePlacementGroups",
                            {{"Filter.1.Name", "tag:gpubox:box"}, {"Filter.1.Value.1", "c"}});
  EXPECT_EQ(First(described, "groupId"), group_id);
  EXPECT_EQ(First(described, "strategy"), "cluster");
  EXPECT_EQ(First(Call("DescribePlacementGroups", {{"GroupName.1", "nope"}}), "Code"),
            "InvalidPlacementGroup.Unknown");
  EXPECT_EQ(First(Call("DescribePlacementGroups", {{"GroupId.1", "sg-0123456789abcdef0"}}), "Code"),
            "InvalidPlacementGroupId.Malformed");
  EXPECT_EQ(First(Call("DescribePlacementGroups", {{"GroupId.1", group_id}}), "groupName"), "c");
  EXPECT_EQ(Call("DescribePlacementGroups", {}, "us-west-2").body.find("<groupName>"),
            std::string::npos)
      << "a region's own";

  std::map<std::string, std::string> run = {{"ImageId", DlamiId()},
                                            {"InstanceType", "g4dn.xlarge"},
                                            {"MinCount", "2"},
                                            {"MaxCount", "2"},
                                            {"Placement.GroupName", "c"}};
  Ec2Reply first = Call("RunInstances", run);
  ASSERT_EQ(first.status, 200) << first.body;
  std::string zone = First(first, "availabilityZone");
  EXPECT_NE(first.body.find("<groupName>c</groupName>"), std::string::npos);
  // Later launches into the cluster group land in its zone; another zone is refused.
  run["MinCount"] = run["MaxCount"] = "1";
  EXPECT_EQ(First(Call("RunInstances", run), "availabilityZone"), zone);
  run["Placement.AvailabilityZone"] = zone == "us-east-1b" ? "us-east-1c" : "us-east-1b";
  EXPECT_EQ(First(Call("RunInstances", run), "Code"), "InvalidParameterValue");
  run.erase("Placement.AvailabilityZone");
  run["Placement.GroupName"] = "nope";
  EXPECT_EQ(First(Call("RunInstances", run), "Code"), "InvalidPlacementGroup.Unknown");
  Ec2Reply members = Call("DescribeInstances",
                          {{"Filter.1.Name", "placement-group-name"}, {"Filter.1.Value.1", "c"}});
  std::vector<std::string> ids;
  for (size_t at = members.body.find("<instanceId>"); at != std::string::npos;
       at = members.body.find("<instanceId>", at + 1)) {
    ids.push_back(members.body.substr(at + 12, members.body.find('<', at + 12) - at - 12));
  }
  ASSERT_EQ(ids.size(), 3u);

  EXPECT_EQ(First(Call("DeletePlacementGroup", {{"GroupName", "c"}}), "Code"),
            "InvalidPlacementGroup.InUse");
  std::map<std::string, std::string> terminate;
  for (size_t index = 0; index < ids.size(); ++index) {
    terminate["InstanceId." + std::to_string(index + 1)] = ids[index];
  }
  ASSERT_EQ(Call("TerminateInstances", terminate).status, 200);
  for (int tick = 0; tick < 4; ++tick) service_->Tick();
  Ec2Reply deleted = Call("DeletePlacementGroup", {{"GroupName", "c"}});
  EXPECT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(First(Call("DeletePlacementGroup", {{"GroupName", "c"}}), "Code"),
            "InvalidPlacementGroup.Unknown");
}

TEST_F(Ec2ServiceTest, QuotasAnswerJsonAndApproveIncreases) {
  QuotasService quotas(*service_, *store_);
  JsonReply get = quotas.Handle("ServiceQuotasV20190624.GetServiceQuota",
                                R"({"ServiceCode":"ec2","QuotaCode":"L-417A185B"})", "us-east-1",
                                clock_.NowMicros());
  EXPECT_NE(get.body.find("\"Value\":0.0"), std::string::npos) << get.body;
  JsonReply raise = quotas.Handle("ServiceQuotasV20190624.RequestServiceQuotaIncrease",
                                  R"({"ServiceCode":"ec2","QuotaCode":"L-417A185B",
                                      "DesiredValue":8})",
                                  "us-east-1", clock_.NowMicros());
  EXPECT_NE(raise.body.find("APPROVED"), std::string::npos) << raise.body;
  EXPECT_EQ(Call("RunInstances", {{"ImageId", DlamiId()}, {"InstanceType", "p3.2xlarge"}}).status,
            200);
  JsonReply missing = quotas.Handle("ServiceQuotasV20190624.GetServiceQuota",
                                    R"({"ServiceCode":"ec2","QuotaCode":"L-X"})", "us-east-1", 0);
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("NoSuchResourceException"), std::string::npos);
}

TEST_F(Ec2ServiceTest, AccountsSeeAndTouchOnlyTheirOwnResources) {
  const std::string kU1 = "210987654321", kU2 = "310987654321";
  std::map<std::string, std::string> run = {{"ImageId", DlamiId()},
                                            {"InstanceType", "g4dn.xlarge"},
                                            {"MinCount", "1"},
                                            {"MaxCount", "1"},
                                            {"KeyName", "gpubox-d2l"},
                                            {"SecurityGroup.1", "gpubox-d2l"},
                                            {"ClientToken", "same-token"}};
  // The same names in two accounts (and root's) do not collide.
  for (const auto& [account, user] :
       std::vector<std::pair<std::string, std::string>>{{"", "root"}, {kU1, "u1"}, {kU2, "u2"}}) {
    ASSERT_EQ(
        CallAs(account, user, "CreateKeyPair", {{"KeyName", "gpubox-d2l"}, {"KeyType", "ed25519"}})
            .status,
        200)
        << user;
    ASSERT_EQ(CallAs(account, user, "CreateSecurityGroup",
                     {{"GroupName", "gpubox-d2l"}, {"GroupDescription", "box"}})
                  .status,
              200)
        << user;
  }
  std::string root_id = First(CallAs("", "root", "RunInstances", run), "instanceId");
  Ec2Reply u1_run = CallAs(kU1, "u1", "RunInstances", run);
  ASSERT_EQ(u1_run.status, 200) << u1_run.body;
  std::string u1_id = First(u1_run, "instanceId");
  EXPECT_NE(u1_id, root_id) << "a client token is the account's own";
  EXPECT_EQ(First(u1_run, "ownerId"), kU1);

  // Describe* lists the caller's alone; another's id is NotFound, as on EC2.
  Ec2Reply u1_list = CallAs(kU1, "u1", "DescribeInstances", {});
  EXPECT_NE(u1_list.body.find(u1_id), std::string::npos);
  EXPECT_EQ(u1_list.body.find(root_id), std::string::npos);
  EXPECT_EQ(CallAs(kU2, "u2", "DescribeInstances", {}).body.find("instanceId"), std::string::npos);
  EXPECT_EQ(First(CallAs(kU2, "u2", "TerminateInstances", {{"InstanceId.1", u1_id}}), "Code"),
            "InvalidInstanceID.NotFound");
  EXPECT_EQ(First(CallAs(kU2, "u2", "CreateTags",
                         {{"ResourceId.1", u1_id}, {"Tag.1.Key", "k"}, {"Tag.1.Value", "v"}}),
                  "Code"),
            "InvalidInstanceID.NotFound");
  EXPECT_EQ(Call("DescribeInstances", {}).body.find(u1_id), std::string::npos);
  EXPECT_EQ(
      First(CallAs(kU2, "u2", "CreateImage", {{"InstanceId", u1_id}, {"Name", "theirs"}}), "Code"),
      "InvalidInstanceID.NotFound");

  // Key pairs and groups: each account its own "gpubox-d2l" and its own "default".
  for (const std::string& account : {kU1, kU2}) {
    Ec2Reply keys = CallAs(account, "u", "DescribeKeyPairs", {});
    EXPECT_EQ(keys.body.find("<item>", keys.body.find("<item>") + 1), std::string::npos)
        << "one key pair each";
    Ec2Reply groups = CallAs(account, "u", "DescribeSecurityGroups", {});
    EXPECT_NE(groups.body.find("<groupName>default</groupName>"), std::string::npos);
    EXPECT_NE(groups.body.find("<ownerId>" + account + "</ownerId>"), std::string::npos);
    EXPECT_EQ(groups.body.find("<ownerId>123456789012</ownerId>"), std::string::npos);
  }
  EXPECT_EQ(CallAs(kU2, "u2", "DeleteKeyPair", {{"KeyName", "gpubox-d2l"}}).status, 200);
  EXPECT_NE(CallAs(kU1, "u1", "DescribeKeyPairs", {}).body.find("gpubox-d2l"), std::string::npos)
      << "u2 deleted their own key pair, not u1's";

  // The instance boots with its own account's key, not root's of the same name.
  service_->Tick();
  service_->Tick();
  auto public_key = [&](const std::string& account) {
    return First(CallAs(account, "u", "DescribeKeyPairs", {{"IncludePublicKey", "true"}}),
                 "publicKey");
  };
  EXPECT_FALSE(public_key(kU1).empty());
  EXPECT_EQ(host_.authorized_keys_[u1_id], public_key(kU1));
  EXPECT_EQ(host_.authorized_keys_[root_id], public_key(""));
  EXPECT_NE(public_key(kU1), public_key(""));
  Ec2Reply u1_image = CallAs(kU1, "u1", "CreateImage", {{"InstanceId", u1_id}, {"Name", "mine"}});
  ASSERT_EQ(u1_image.status, 200) << u1_image.body;
  std::string image = First(u1_image, "imageId");
  EXPECT_NE(CallAs(kU1, "u1", "DescribeImages", {{"Owner.1", "self"}}).body.find(image),
            std::string::npos);
  EXPECT_EQ(CallAs(kU2, "u2", "DescribeImages", {}).body.find(image), std::string::npos);
  EXPECT_NE(CallAs(kU2, "u2", "DescribeImages", {}).body.find(DlamiId()), std::string::npos)
      << "the built-in images are everyone's";
  run["ImageId"] = image;
  run["ClientToken"] = "other";
  EXPECT_EQ(First(CallAs(kU2, "u2", "RunInstances", run), "Code"), "InvalidAMIID.NotFound");
}

TEST_F(Ec2ServiceTest, RevokedUsersInstancesStopAndCountsArePerPrincipal) {
  std::map<std::string, std::string> run = {{"ImageId", DlamiId()},
                                            {"InstanceType", "g4dn.xlarge"},
                                            {"MinCount", "1"},
                                            {"MaxCount", "1"}};
  std::string u1_id = First(CallAs("210987654321", "u1", "RunInstances", run), "instanceId");
  std::string root_id = First(Call("RunInstances", run), "instanceId");
  service_->Tick();
  service_->Tick();
  EXPECT_EQ(service_->LiveInstancesByPrincipal(),
            (std::map<std::string, int>{{"root", 1}, {"u1", 1}}));
  EXPECT_EQ(service_->StopInstancesLaunchedBy("u1"), 1);
  service_->Tick();
  service_->Tick();
  EXPECT_EQ(First(CallAs("210987654321", "u1", "DescribeInstances", {}), "name"), "stopped");
  EXPECT_EQ(First(Call("DescribeInstances", {}), "name"), "running");
}

TEST_F(Ec2ServiceTest, VolumesFollowInstancesAndSnapshotsOutliveTheirImage) {
  Ec2Reply run = Call("RunInstances", {{"ImageId", DlamiId()},
                                       {"InstanceType", "g4dn.xlarge"},
                                       {"MinCount", "1"},
                                       {"MaxCount", "1"},
                                       {"TagSpecification.1.ResourceType", "volume"},
                                       {"TagSpecification.1.Tag.1.Key", "gpubox:box"},
                                       {"TagSpecification.1.Tag.1.Value", "d2l"}});
  std::string id = First(run, "instanceId");
  std::string volume = First(run, "volumeId");
  service_->Tick();
  service_->Tick();
  Ec2Reply volumes =
      Call("DescribeVolumes", {{"Filter.1.Name", "tag-key"}, {"Filter.1.Value.1", "gpubox:box"}});
  ASSERT_EQ(volumes.status, 200) << volumes.body;
  EXPECT_EQ(First(volumes, "volumeId"), volume);
  EXPECT_EQ(First(volumes, "instanceId"), id);
  EXPECT_EQ(First(volumes, "size"), "75");
  EXPECT_EQ(First(volumes, "status"), "in-use");
  EXPECT_EQ(First(Call("DeleteVolume", {{"VolumeId", volume}}), "Code"), "VolumeInUse");
  EXPECT_EQ(First(Call("DescribeVolumes", {{"VolumeId.1", "vol-0123456789abcdef0"}}), "Code"),
            "InvalidVolume.NotFound");
  EXPECT_EQ(First(Call("DescribeVolumes", {{"VolumeId.1", "vol-x"}}), "Code"),
            "InvalidVolumeID.Malformed");

  Ec2Reply image = Call("CreateImage", {{"InstanceId", id},
                                        {"Name", "baked"},
                                        {"TagSpecification.1.ResourceType", "snapshot"},
                                        {"TagSpecification.1.Tag.1.Key", "gpubox:box"},
                                        {"TagSpecification.1.Tag.1.Value", "d2l"}});
  std::string image_id = First(image, "imageId");
  Ec2Reply snapshots =
      Call("DescribeSnapshots",
           {{"Owner.1", "self"}, {"Filter.1.Name", "tag:gpubox:box"}, {"Filter.1.Value.1", "d2l"}});
  ASSERT_EQ(snapshots.status, 200) << snapshots.body;
  std::string snapshot = First(snapshots, "snapshotId");
  EXPECT_EQ(First(snapshots, "status"), "pending");
  EXPECT_EQ(First(snapshots, "volumeId"), volume);
  EXPECT_EQ(First(snapshots, "volumeSize"), "75");
  service_->Tick();
  EXPECT_EQ(First(Call("DescribeSnapshots", {{"SnapshotId.1", snapshot}}), "status"), "completed");
  EXPECT_EQ(First(Call("DeleteSnapshot", {{"SnapshotId", snapshot}}), "Code"),
            "InvalidSnapshot.InUse");
  EXPECT_EQ(Call("DescribeSnapshots", {{"Owner.1", "amazon"}}).body.find(snapshot),
            std::string::npos);
  ASSERT_EQ(Call("DeregisterImage", {{"ImageId", image_id}}).status, 200);
  EXPECT_EQ(First(Call("DescribeSnapshots", {}), "snapshotId"), snapshot)
      << "EC2 keeps an image's snapshot after the image";
  EXPECT_EQ(Call("DeleteSnapshot", {{"SnapshotId", snapshot}}).status, 200);
  EXPECT_EQ(First(Call("DescribeSnapshots", {}), "snapshotId"), "");
  EXPECT_EQ(First(Call("DeleteSnapshot", {{"SnapshotId", snapshot}}), "Code"),
            "InvalidSnapshot.NotFound");

  ASSERT_EQ(Call("TerminateInstances", {{"InstanceId.1", id}}).status, 200);
  for (int tick = 0; tick < 3; ++tick) service_->Tick();
  EXPECT_EQ(First(Call("DescribeVolumes", {}), "volumeId"), "") << "gone with its instance";
}

}  // namespace
}  // namespace gpubox::local
