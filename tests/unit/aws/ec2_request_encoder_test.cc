// Every EC2 operation's form body equals what botocore's own serializer
// produces for the same parameters (tests/oracles/ec2_form_oracle.py).

#include "gpubox/aws/ec2_request_encoder.h"

#include <gtest/gtest.h>

#include <functional>

#include "unit/aws/oracle.h"

namespace gpubox::aws {
namespace {

using nlohmann::json;

struct Case {
  std::string operation;
  QueryParams params;  ///< what gpubox encodes
  json botocore;       ///< the same request in botocore's parameter names
};

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  auto add = [&](std::string operation, QueryParams params, const char* botocore) {
    cases.push_back({std::move(operation), std::move(params), json::parse(botocore)});
  };
  const std::vector<Filter> filters = {{"instance-state-name", {"pending", "running"}},
                                       {"tag:gpubox:box", {"d2l & co/ü"}}};
  const char* filters_json =
      R"([{"Name":"instance-state-name","Values":["pending","running"]},
          {"Name":"tag:gpubox:box","Values":["d2l & co/ü"]}])";
  auto with_filters = [&](std::string text) {
    size_t at = text.find("FILTERS");
    return text.replace(at, 7, filters_json);
  };

  add("DescribeRegions",
      EncodeRequest(DescribeRegionsRequest{filters, {"us-east-1", "eu-west-1"}, true}),
      with_filters(
          R"({"Filters":FILTERS,"RegionNames":["us-east-1","eu-west-1"],"AllRegions":true})")
          .c_str());
  add("DescribeAvailabilityZones",
      EncodeRequest(DescribeAvailabilityZonesRequest{filters, {"us-east-1a"}, {"use1-az1"}, false}),
      with_filters(R"({"Filters":FILTERS,"ZoneNames":["us-east-1a"],"ZoneIds":["use1-az1"],
                       "AllAvailabilityZones":false})")
          .c_str());
  add("DescribeInstanceTypes",
      EncodeRequest(
          DescribeInstanceTypesRequest{{"g5.xlarge", "p4d.24xlarge"}, filters, 100, "tok=+/"}),
      with_filters(R"({"InstanceTypes":["g5.xlarge","p4d.24xlarge"],"Filters":FILTERS,
                       "MaxResults":100,"NextToken":"tok=+/"})")
          .c_str());
  add("DescribeImages",
      EncodeRequest(DescribeImagesRequest{{"self"}, filters, {"ami-1"}, {"amazon", "self"}, false}),
      with_filters(R"({"ExecutableUsers":["self"],"Filters":FILTERS,"ImageIds":["ami-1"],
                       "Owners":["amazon","self"],"IncludeDeprecated":false})")
          .c_str());
  add("DescribeSpotPriceHistory",
      EncodeRequest(DescribeSpotPriceHistoryRequest{filters,
                                                    "us-east-1a",
                                                    "2024-01-02T00:00:00Z",
                                                    {"g5.xlarge", "g4dn.xlarge"},
                                                    10,
                                                    "next",
                                                    {"Linux/UNIX"},
                                                    "2024-01-01T00:00:00Z"}),
      with_filters(R"({"Filters":FILTERS,"AvailabilityZone":"us-east-1a",
                       "EndTime":"2024-01-02T00:00:00Z","InstanceTypes":["g5.xlarge","g4dn.xlarge"],
                       "MaxResults":10,"NextToken":"next","ProductDescriptions":["Linux/UNIX"],
                       "StartTime":"2024-01-01T00:00:00Z"})")
          .c_str());
  std::vector<TagSpecification> key_tags = {{"key-pair", {{"gpubox:box", "d2l"}, {"Name", "a b"}}}};
  add("CreateKeyPair", EncodeRequest(CreateKeyPairRequest{"k1", "ed25519", key_tags, "pem"}),
      R"({"KeyName":"k1","KeyType":"ed25519","KeyFormat":"pem","TagSpecifications":
          [{"ResourceType":"key-pair","Tags":[{"Key":"gpubox:box","Value":"d2l"},
                                             {"Key":"Name","Value":"a b"}]}]})");
  add("ImportKeyPair",
      EncodeRequest(ImportKeyPairRequest{"gpubox-d2l", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 me@host\n",
                                         key_tags}),
      R"({"KeyName":"gpubox-d2l","PublicKeyMaterial":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 me@host\n",
          "TagSpecifications":[{"ResourceType":"key-pair","Tags":[{"Key":"gpubox:box","Value":"d2l"},
                                                                   {"Key":"Name","Value":"a b"}]}]})");
  add("DescribeKeyPairs",
      EncodeRequest(DescribeKeyPairsRequest{filters, {"k1", "k2"}, {"key-1"}, true}),
      with_filters(R"({"Filters":FILTERS,"KeyNames":["k1","k2"],"KeyPairIds":["key-1"],
                       "IncludePublicKey":true})")
          .c_str());
  add("DeleteKeyPair", EncodeRequest(DeleteKeyPairRequest{"k1", std::nullopt}),
      R"({"KeyName":"k1"})");
  add("CreateSecurityGroup",
      EncodeRequest(CreateSecurityGroupRequest{"gpubox: ssh from me",
                                               "gpubox-d2l",
                                               "vpc-1",
                                               {{"security-group", {{"gpubox:box", "d2l"}}}}}),
      R"({"Description":"gpubox: ssh from me","GroupName":"gpubox-d2l","VpcId":"vpc-1",
          "TagSpecifications":[{"ResourceType":"security-group",
                                "Tags":[{"Key":"gpubox:box","Value":"d2l"}]}]})");
  IpPermission ssh{22,
                   "tcp",
                   {{"203.0.113.7/32", "ssh from me"}, {"198.51.100.0/24", std::nullopt}},
                   {{"2001:db8::/64", std::nullopt}},
                   22,
                   {{std::nullopt, "sg-2", std::nullopt, std::nullopt}}};
  IpPermission all{std::nullopt, "-1", {{"10.0.0.0/8", std::nullopt}}, {}, std::nullopt, {}};
  add("AuthorizeSecurityGroupIngress",
      EncodeRequest(AuthorizeSecurityGroupIngressRequest{"sg-1", std::nullopt, {ssh, all}, {}}),
      R"({"GroupId":"sg-1","IpPermissions":[
          {"FromPort":22,"IpProtocol":"tcp","ToPort":22,
           "IpRanges":[{"CidrIp":"203.0.113.7/32","Description":"ssh from me"},{"CidrIp":"198.51.100.0/24"}],
           "Ipv6Ranges":[{"CidrIpv6":"2001:db8::/64"}],"UserIdGroupPairs":[{"GroupId":"sg-2"}]},
          {"IpProtocol":"-1","IpRanges":[{"CidrIp":"10.0.0.0/8"}]}]})");
  add("DescribeSecurityGroups",
      EncodeRequest(DescribeSecurityGroupsRequest{filters, {"sg-1"}, {"default"}, "n", 50}),
      with_filters(R"({"Filters":FILTERS,"GroupIds":["sg-1"],"GroupNames":["default"],
                       "NextToken":"n","MaxResults":50})")
          .c_str());
  add("DeleteSecurityGroup", EncodeRequest(DeleteSecurityGroupRequest{"sg-1", std::nullopt}),
      R"({"GroupId":"sg-1"})");

  RunInstancesRequest run;
  run.block_device_mappings = {
      {"/dev/sda1", std::nullopt,
       EbsBlockDevice{true, std::nullopt, std::nullopt, 64, "gp3", 125, false}, std::nullopt},
      {"/dev/sdb", "ephemeral0", std::nullopt, std::nullopt}};
  run.image_id = "ami-0abcdef1234567890";
  run.instance_type = "g5.xlarge";
  run.key_name = "gpubox-d2l";
  run.placement = Placement{"us-east-1a", std::nullopt, std::nullopt};
  run.security_group_ids = {"sg-1", "sg-2"};
  run.subnet_id = "subnet-1";
  run.user_data = "#!/bin/bash\necho 'héllo' > /tmp/x\n";
  run.client_token = "gpubox-d2l-3f2a";
  run.iam_instance_profile = IamInstanceProfileSpecification{std::nullopt, "prof"};
  run.instance_initiated_shutdown_behavior = "stop";
  run.tag_specifications = {{"instance", {{"gpubox:box", "d2l"}, {"Name", "d2l"}}},
                            {"volume", {{"gpubox:box", "d2l"}}}};
  run.instance_market_options =
      InstanceMarketOptionsRequest{"spot", SpotMarketOptions{"0.50", "one-time", "terminate"}};
  run.metadata_options = InstanceMetadataOptionsRequest{"required", 2, "enabled"};
  add("RunInstances", EncodeRequest(run), R"({
      "BlockDeviceMappings":[
        {"DeviceName":"/dev/sda1","Ebs":{"DeleteOnTermination":true,"VolumeSize":64,"VolumeType":"gp3",
                                         "Throughput":125,"Encrypted":false}},
        {"DeviceName":"/dev/sdb","VirtualName":"ephemeral0"}],
      "ImageId":"ami-0abcdef1234567890","InstanceType":"g5.xlarge","KeyName":"gpubox-d2l",
      "MaxCount":1,"MinCount":1,"Placement":{"AvailabilityZone":"us-east-1a"},
      "SecurityGroupIds":["sg-1","sg-2"],"SubnetId":"subnet-1",
      "UserData":"#!/bin/bash\necho 'héllo' > /tmp/x\n","ClientToken":"gpubox-d2l-3f2a",
      "IamInstanceProfile":{"Name":"prof"},"InstanceInitiatedShutdownBehavior":"stop",
      "TagSpecifications":[{"ResourceType":"instance","Tags":[{"Key":"gpubox:box","Value":"d2l"},
                                                              {"Key":"Name","Value":"d2l"}]},
                           {"ResourceType":"volume","Tags":[{"Key":"gpubox:box","Value":"d2l"}]}],
      "InstanceMarketOptions":{"MarketType":"spot","SpotOptions":{"MaxPrice":"0.50",
          "SpotInstanceType":"one-time","InstanceInterruptionBehavior":"terminate"}},
      "MetadataOptions":{"HttpTokens":"required","HttpPutResponseHopLimit":2,"HttpEndpoint":"enabled"}})");
  RunInstancesRequest minimal;
  minimal.image_id = "ami-1";
  minimal.instance_type = "t3.micro";
  minimal.security_groups = {"default"};
  add("RunInstances", EncodeRequest(minimal),
      R"({"ImageId":"ami-1","InstanceType":"t3.micro","MinCount":1,"MaxCount":1,
          "SecurityGroups":["default"]})");

  add("DescribeInstances",
      EncodeRequest(DescribeInstancesRequest{filters, {"i-0123456789abcdef0"}, 5, "abc=="}),
      with_filters(R"({"Filters":FILTERS,"InstanceIds":["i-0123456789abcdef0"],"MaxResults":5,
                       "NextToken":"abc=="})")
          .c_str());
  add("DescribeInstanceStatus",
      EncodeRequest(DescribeInstanceStatusRequest{filters, {"i-1"}, 20, "t", true}),
      with_filters(R"({"Filters":FILTERS,"InstanceIds":["i-1"],"MaxResults":20,"NextToken":"t",
                       "IncludeAllInstances":true})")
          .c_str());
  add("StartInstances", EncodeRequest(StartInstancesRequest{{"i-1", "i-2"}}),
      R"({"InstanceIds":["i-1","i-2"]})");
  add("StopInstances", EncodeRequest(StopInstancesRequest{{"i-1"}, false, true}),
      R"({"InstanceIds":["i-1"],"Hibernate":false,"Force":true})");
  add("TerminateInstances", EncodeRequest(TerminateInstancesRequest{{"i-1", "i-2", "i-3"}}),
      R"({"InstanceIds":["i-1","i-2","i-3"]})");
  add("CreateImage",
      EncodeRequest(
          CreateImageRequest{{{"/dev/sda1", std::nullopt,
                               EbsBlockDevice{std::nullopt, std::nullopt, std::nullopt, 100,
                                              std::nullopt, std::nullopt, std::nullopt},
                               std::nullopt}},
                             "d2l baked 2024-01-01",
                             "i-1",
                             "gpubox-d2l-1",
                             true,
                             {{"image", {{"gpubox:image", "d2l"}}}}}),
      R"({"BlockDeviceMappings":[{"DeviceName":"/dev/sda1","Ebs":{"VolumeSize":100}}],
          "Description":"d2l baked 2024-01-01","InstanceId":"i-1","Name":"gpubox-d2l-1","NoReboot":true,
          "TagSpecifications":[{"ResourceType":"image","Tags":[{"Key":"gpubox:image","Value":"d2l"}]}]})");
  add("DeregisterImage", EncodeRequest(DeregisterImageRequest{"ami-1"}), R"({"ImageId":"ami-1"})");
  add("CreateTags",
      EncodeRequest(CreateTagsRequest{{"i-1", "vol-1"}, {{"gpubox:box", "d2l"}, {"empty", ""}}}),
      R"({"Resources":["i-1","vol-1"],"Tags":[{"Key":"gpubox:box","Value":"d2l"},
                                              {"Key":"empty","Value":""}]})");
  add("DescribeInstanceAttribute",
      EncodeRequest(DescribeInstanceAttributeRequest{"instanceInitiatedShutdownBehavior", "i-1"}),
      R"({"Attribute":"instanceInitiatedShutdownBehavior","InstanceId":"i-1"})");
  add("ModifyInstanceAttribute", EncodeRequest(ModifyInstanceAttributeRequest{"i-1", "terminate"}),
      R"({"InstanceId":"i-1","InstanceInitiatedShutdownBehavior":{"Value":"terminate"}})");
  add("DescribeSpotInstanceRequests",
      EncodeRequest(DescribeSpotInstanceRequestsRequest{filters, {"sir-08b93456"}, 10, "t"}),
      with_filters(R"({"Filters":FILTERS,"SpotInstanceRequestIds":["sir-08b93456"],
                       "NextToken":"t","MaxResults":10})")
          .c_str());
  add("CancelSpotInstanceRequests",
      EncodeRequest(CancelSpotInstanceRequestsRequest{{"sir-08b93456", "sir-12345678"}}),
      R"({"SpotInstanceRequestIds":["sir-08b93456","sir-12345678"]})");
  add("DescribeVolumes",
      EncodeRequest(DescribeVolumesRequest{filters, {"vol-0a1b2c3d4e5f60718"}, 50, "t"}),
      with_filters(R"({"Filters":FILTERS,"VolumeIds":["vol-0a1b2c3d4e5f60718"],
                       "MaxResults":50,"NextToken":"t"})")
          .c_str());
  add("DeleteVolume", EncodeRequest(DeleteVolumeRequest{"vol-0a1b2c3d4e5f60718"}),
      R"({"VolumeId":"vol-0a1b2c3d4e5f60718"})");
  add("DescribeSnapshots",
      EncodeRequest(
          DescribeSnapshotsRequest{filters, 100, "t", {"self"}, {"snap-0123456789abcdef0"}}),
      with_filters(R"({"Filters":FILTERS,"MaxResults":100,"NextToken":"t","OwnerIds":["self"],
                       "SnapshotIds":["snap-0123456789abcdef0"]})")
          .c_str());
  add("DeleteSnapshot", EncodeRequest(DeleteSnapshotRequest{"snap-0123456789abcdef0"}),
      R"({"SnapshotId":"snap-0123456789abcdef0"})");
  add("CreatePlacementGroup",
      EncodeRequest(CreatePlacementGroupRequest{
          "d2l", "cluster", std::nullopt, {{"placement-group", {{"gpubox:box", "d2l"}}}}}),
      R"({"GroupName":"d2l","Strategy":"cluster","TagSpecifications":[{"ResourceType":
          "placement-group","Tags":[{"Key":"gpubox:box","Value":"d2l"}]}]})");
  add("CreatePlacementGroup", EncodeRequest(CreatePlacementGroupRequest{"p", "partition", 3, {}}),
      R"({"GroupName":"p","Strategy":"partition","PartitionCount":3})");
  add("DescribePlacementGroups",
      EncodeRequest(DescribePlacementGroupsRequest{filters, {"d2l", "x"}, {"pg-1"}}),
      with_filters(R"({"Filters":FILTERS,"GroupNames":["d2l","x"],"GroupIds":["pg-1"]})").c_str());
  add("DeletePlacementGroup", EncodeRequest(DeletePlacementGroupRequest{"d2l"}),
      R"({"GroupName":"d2l"})");
  return cases;
}

TEST(Ec2RequestEncoderTest, EveryOperationMatchesBotocoreSerializer) {
  std::vector<Case> cases = AllCases();
  json input = json::array();
  for (const Case& test_case : cases) {
    input.push_back({{"operation", test_case.operation}, {"params", test_case.botocore}});
  }
  json output = testing::RunOracle("ec2_form_oracle.py", input);
  ASSERT_TRUE(output.is_array()) << output.dump();
  ASSERT_EQ(output.size(), cases.size());
  std::set<std::string> operations;
  for (size_t index = 0; index < cases.size(); ++index) {
    SCOPED_TRACE(cases[index].operation);
    EXPECT_EQ(EncodeForm(cases[index].params), output[index]["body"].get<std::string>());
    operations.insert(cases[index].operation);
  }
  EXPECT_EQ(operations.size(), 33u);
}

TEST(Ec2RequestEncoderTest, EmptyListsSendNothingAndUnsetOptionalsAreOmitted) {
  QueryParams params = EncodeRequest(DescribeInstancesRequest{});
  EXPECT_EQ(EncodeForm(params), "Action=DescribeInstances&Version=2016-11-15");
}

}  // namespace
}  // namespace gpubox::aws
