// InstanceInitiatedShutdownBehavior in the local cloud: set at launch, read and changed
// with Describe/ModifyInstanceAttribute, and carried out when the OS shuts itself down.

#include <gtest/gtest.h>

#include "unit/local/ec2_service_fixture.h"

namespace gpubox::local {
namespace {

class InstanceAttributeTest : public Ec2ServiceTest {
 protected:
  /// A running instance; `behavior` empty leaves InstanceInitiatedShutdownBehavior out.
  std::string Running(const std::string& behavior) {
    std::map<std::string, std::string> params = {{"ImageId", DlamiId()},
                                                 {"InstanceType", "g4dn.xlarge"},
                                                 {"MinCount", "1"},
                                                 {"MaxCount", "1"},
                                                 {"UserData", "IyEvYmluL3NoCg=="}};
    if (!behavior.empty()) params["InstanceInitiatedShutdownBehavior"] = behavior;
    Ec2Reply run = Call("RunInstances", params);
    EXPECT_EQ(run.status, 200) << run.body;
    std::string id = First(run, "instanceId");
    service_->Tick();  // launch
    service_->Tick();  // ready
    return id;
  }
  std::string Behavior(const std::string& id) {
    Ec2Reply reply = Call("DescribeInstanceAttribute",
                          {{"InstanceId", id}, {"Attribute", "instanceInitiatedShutdownBehavior"}});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return First(reply, "value");
  }
  std::string StateOf(const std::string& id) {
    return First(Call("DescribeInstances", {{"InstanceId.1", id}}), "name");
  }
};

TEST_F(InstanceAttributeTest, ShutdownBehaviorDefaultsToStopAndIsKeptAsLaunched) {
  EXPECT_EQ(Behavior(Running("")), "stop");
  EXPECT_EQ(Behavior(Running("terminate")), "terminate");
}

TEST_F(InstanceAttributeTest, DescribeAnswersTheOtherAttributesAsEc2) {
  std::string id = Running("");
  Ec2Reply type =
      Call("DescribeInstanceAttribute", {{"InstanceId", id}, {"Attribute", "instanceType"}});
  EXPECT_NE(type.body.find("<instanceType><value>g4dn.xlarge</value></instanceType>"),
            std::string::npos)
      << type.body;
  EXPECT_EQ(
      First(Call("DescribeInstanceAttribute", {{"InstanceId", id}, {"Attribute", "userData"}}),
            "value"),
      "IyEvYmluL3NoCg==");
  EXPECT_EQ(First(Call("DescribeInstanceAttribute",
                       {{"InstanceId", id}, {"Attribute", "disableApiTermination"}}),
                  "value"),
            "false");
  Ec2Reply unknown =
      Call("DescribeInstanceAttribute", {{"InstanceId", id}, {"Attribute", "color"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(First(unknown, "Code"), "InvalidParameterValue");
  Ec2Reply missing = Call("DescribeInstanceAttribute",
                          {{"InstanceId", "i-0123456789abcdef0"}, {"Attribute", "instanceType"}});
  EXPECT_EQ(First(missing, "Code"), "InvalidInstanceID.NotFound");
}

TEST_F(InstanceAttributeTest, ModifyChangesTheShutdownBehaviorInBothForms) {
  std::string id = Running("");
  Ec2Reply modified =
      Call("ModifyInstanceAttribute",
           {{"InstanceId", id}, {"InstanceInitiatedShutdownBehavior.Value", "terminate"}});
  ASSERT_EQ(modified.status, 200) << modified.body;
  EXPECT_EQ(First(modified, "return"), "true");
  EXPECT_EQ(Behavior(id), "terminate");
  ASSERT_EQ(Call("ModifyInstanceAttribute", {{"InstanceId", id},
                                             {"Attribute", "instanceInitiatedShutdownBehavior"},
                                             {"Value", "stop"}})
                .status,
            200);
  EXPECT_EQ(Behavior(id), "stop");
  Ec2Reply bad = Call("ModifyInstanceAttribute",
                      {{"InstanceId", id}, {"InstanceInitiatedShutdownBehavior.Value", "halt"}});
  EXPECT_EQ(First(bad, "Code"), "InvalidParameterValue");
  Ec2Reply other =
      Call("ModifyInstanceAttribute", {{"InstanceId", id}, {"InstanceType.Value", "t3.micro"}});
  EXPECT_EQ(First(other, "Code"), "UnsupportedOperation");
  EXPECT_EQ(Behavior(id), "stop");
}

TEST_F(InstanceAttributeTest, AnOsShutdownStopsTheInstanceKeepingItsDisk) {
  std::string id = Running("");
  host_.calls_.clear();
  host_.powered_off_.insert(id);
  service_->Tick();  // seen, stopped on the host
  EXPECT_EQ(host_.calls_, std::vector<std::string>{"stop " + id});
  EXPECT_EQ(StateOf(id), "stopped");
  Ec2Reply described = Call("DescribeInstances", {{"InstanceId.1", id}});
  EXPECT_NE(described.body.find("<code>Client.InstanceInitiatedShutdown</code>"), std::string::npos)
      << described.body;
  // A user start brings it back.
  host_.powered_off_.clear();
  ASSERT_EQ(Call("StartInstances", {{"InstanceId.1", id}}).status, 200);
  service_->Tick();
  service_->Tick();
  EXPECT_EQ(StateOf(id), "running");
}

TEST_F(InstanceAttributeTest, AnOsShutdownTerminatesWhenTheBehaviorSaysSo) {
  std::string id = Running("");
  ASSERT_EQ(Call("ModifyInstanceAttribute",
                 {{"InstanceId", id}, {"InstanceInitiatedShutdownBehavior.Value", "terminate"}})
                .status,
            200);
  host_.calls_.clear();
  host_.powered_off_.insert(id);
  service_->Tick();
  EXPECT_EQ(host_.calls_, std::vector<std::string>{"terminate " + id});
  EXPECT_EQ(StateOf(id), "terminated");
  Ec2Reply late = Call("ModifyInstanceAttribute",
                       {{"InstanceId", id}, {"InstanceInitiatedShutdownBehavior.Value", "stop"}});
  EXPECT_EQ(First(late, "Code"), "IncorrectInstanceState");
}

}  // namespace
}  // namespace gpubox::local
