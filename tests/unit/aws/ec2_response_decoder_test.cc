// Every response fixture (tests/data/aws/ec2/*.xml) is accepted by botocore's
// own EC2 parser (tests/oracles/ec2_parse_oracle.py), and gpubox's decoder
// reads the same values from it that botocore does.

#include "gpubox/aws/ec2_response_decoder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gpubox/aws/aws_error.h"
#include "unit/aws/oracle.h"

namespace gpubox::aws {
namespace {

using nlohmann::json;

std::string Fixture(const std::string& operation) {
  std::ifstream in(std::string(GPUBOX_SOURCE_DIR) + "/tests/data/aws/ec2/" + operation + ".xml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::vector<std::string> kOperations = {"DescribeRegions",
                                              "DescribeAvailabilityZones",
                                              "DescribeInstanceTypes",
                                              "DescribeImages",
                                              "DescribeSpotPriceHistory",
                                              "CreateKeyPair",
                                              "ImportKeyPair",
                                              "DescribeKeyPairs",
                                              "DeleteKeyPair",
                                              "CreateSecurityGroup",
                                              "AuthorizeSecurityGroupIngress",
                                              "DescribeSecurityGroups",
                                              "DeleteSecurityGroup",
                                              "RunInstances",
                                              "DescribeInstances",
                                              "DescribeInstanceStatus",
                                              "StartInstances",
                                              "StopInstances",
                                              "TerminateInstances",
                                              "CreateImage",
                                              "DeregisterImage",
                                              "CreateTags",
                                              "DescribeSpotInstanceRequests",
                                              "CancelSpotInstanceRequests",
                                              "DescribeInstanceAttribute",
                                              "ModifyInstanceAttribute",

                                              "DescribeVolumes",
                                              "DeleteVolume",
                                              "DescribeSnapshots",
                                              "DeleteSnapshot",
                                              "CreatePlacementGroup",
                                              "DescribePlacementGroups"};

class Ec2ResponseDecoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    json input = json::array();
    for (const auto& operation : kOperations) {
      input.push_back({{"operation", operation}, {"status", 200}, {"body", Fixture(operation)}});
    }
    input.push_back({{"operation", "RunInstances"}, {"status", 400}, {"body", Fixture("Error")}});
    json output = testing::RunOracle("ec2_parse_oracle.py", input);
    parsed_ = new json(output);
  }
  static void TearDownTestSuite() { delete parsed_; }
  const json& Parsed(const std::string& operation) {
    for (size_t index = 0; index < kOperations.size(); ++index) {
      if (kOperations[index] == operation) return (*parsed_)[index];
    }
    static json none;
    return none;
  }
  static json* parsed_;
};
json* Ec2ResponseDecoderTest::parsed_ = nullptr;

TEST_F(Ec2ResponseDecoderTest, BotocoreAcceptsEveryFixture) {
  ASSERT_TRUE(parsed_->is_array()) << parsed_->dump();
  ASSERT_EQ(parsed_->size(), kOperations.size() + 1);
  for (size_t index = 0; index < parsed_->size(); ++index) {
    EXPECT_FALSE((*parsed_)[index].contains("parser_error")) << (*parsed_)[index].dump();
    EXPECT_FALSE((*parsed_)[index]["ResponseMetadata"]["RequestId"].get<std::string>().empty());
  }
}

TEST_F(Ec2ResponseDecoderTest, RegionsZonesAndInstanceTypes) {
  auto regions = DecodeDescribeRegions(Fixture("DescribeRegions"));
  ASSERT_TRUE(regions.has_value());
  const json& r = Parsed("DescribeRegions");
  EXPECT_EQ(regions->request_id, r["ResponseMetadata"]["RequestId"]);
  ASSERT_EQ(regions->regions.size(), r["Regions"].size());
  for (size_t i = 0; i < regions->regions.size(); ++i) {
    EXPECT_EQ(regions->regions[i].region_name, r["Regions"][i]["RegionName"]);
    EXPECT_EQ(regions->regions[i].endpoint, r["Regions"][i]["Endpoint"]);
    EXPECT_EQ(regions->regions[i].opt_in_status, r["Regions"][i]["OptInStatus"]);
  }
  auto zones = DecodeDescribeAvailabilityZones(Fixture("DescribeAvailabilityZones"));
  ASSERT_TRUE(zones.has_value());
  const json& z = Parsed("DescribeAvailabilityZones")["AvailabilityZones"];
  ASSERT_EQ(zones->availability_zones.size(), z.size());
  EXPECT_EQ(zones->availability_zones[1].zone_name, z[1]["ZoneName"]);
  EXPECT_EQ(zones->availability_zones[1].zone_id, z[1]["ZoneId"]);
  EXPECT_EQ(zones->availability_zones[1].state, z[1]["State"]);
  EXPECT_EQ(zones->availability_zones[1].region_name, z[1]["RegionName"]);

  auto types = DecodeDescribeInstanceTypes(Fixture("DescribeInstanceTypes"));
  ASSERT_TRUE(types.has_value());
  const json& t = Parsed("DescribeInstanceTypes");
  EXPECT_EQ(types->next_token, t["NextToken"]);
  ASSERT_EQ(types->instance_types.size(), 2u);
  const InstanceTypeInfo& g5 = types->instance_types[0];
  const json& g5_json = t["InstanceTypes"][0];
  EXPECT_EQ(g5.instance_type, g5_json["InstanceType"]);
  EXPECT_EQ(g5.default_vcpus, g5_json["VCpuInfo"]["DefaultVCpus"]);
  EXPECT_EQ(g5.memory_mib, g5_json["MemoryInfo"]["SizeInMiB"]);
  EXPECT_EQ(g5.current_generation, g5_json["CurrentGeneration"]);
  EXPECT_EQ(g5.supported_usage_classes,
            g5_json["SupportedUsageClasses"].get<std::vector<std::string>>());
  EXPECT_EQ(g5.supported_architectures,
            g5_json["ProcessorInfo"]["SupportedArchitectures"].get<std::vector<std::string>>());
  ASSERT_EQ(g5.gpus.size(), 1u);
  EXPECT_EQ(g5.gpus[0].name, g5_json["GpuInfo"]["Gpus"][0]["Name"]);
  EXPECT_EQ(g5.gpus[0].count, g5_json["GpuInfo"]["Gpus"][0]["Count"]);
  EXPECT_EQ(g5.gpus[0].memory_mib, g5_json["GpuInfo"]["Gpus"][0]["MemoryInfo"]["SizeInMiB"]);
  EXPECT_EQ(g5.total_gpu_memory_mib, g5_json["GpuInfo"]["TotalGpuMemoryInMiB"]);
  EXPECT_EQ(g5.network_performance, g5_json["NetworkInfo"]["NetworkPerformance"]);
  EXPECT_TRUE(types->instance_types[1].gpus.empty());
  EXPECT_FALSE(t["InstanceTypes"][1].contains("GpuInfo"));
}

TEST_F(Ec2ResponseDecoderTest, ImagesSpotPricesAndKeyPairs) {
  auto images = DecodeDescribeImages(Fixture("DescribeImages"));
  ASSERT_TRUE(images.has_value());
  const json& i = Parsed("DescribeImages")["Images"][0];
  const Image& image = images->images.at(0);
  EXPECT_EQ(image.image_id, i["ImageId"]);
  EXPECT_EQ(image.name, i["Name"]);
  EXPECT_EQ(image.description, i["Description"]);
  EXPECT_EQ(image.state, i["State"]);
  EXPECT_EQ(image.owner_id, i["OwnerId"]);
  EXPECT_EQ(image.creation_date, i["CreationDate"]);
  EXPECT_EQ(image.is_public, i["Public"]);
  EXPECT_EQ(image.root_device_name, i["RootDeviceName"]);
  ASSERT_EQ(image.block_device_mappings.size(), 2u);
  EXPECT_EQ(image.block_device_mappings[0].ebs->volume_size,
            i["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"]);
  EXPECT_EQ(*image.block_device_mappings[0].ebs->volume_type,
            i["BlockDeviceMappings"][0]["Ebs"]["VolumeType"]);
  EXPECT_EQ(*image.block_device_mappings[1].virtual_name,
            i["BlockDeviceMappings"][1]["VirtualName"]);
  EXPECT_EQ(image.tags.at(0).value, i["Tags"][0]["Value"]);

  auto spot = DecodeDescribeSpotPriceHistory(Fixture("DescribeSpotPriceHistory"));
  ASSERT_TRUE(spot.has_value());
  const json& s = Parsed("DescribeSpotPriceHistory")["SpotPriceHistory"];
  ASSERT_EQ(spot->spot_price_history.size(), s.size());
  EXPECT_EQ(spot->spot_price_history[0].spot_price, s[0]["SpotPrice"]);
  EXPECT_EQ(spot->spot_price_history[1].availability_zone, s[1]["AvailabilityZone"]);
  EXPECT_EQ(spot->spot_price_history[0].timestamp, "2024-01-01T12:00:00.000Z");
  EXPECT_EQ(s[0]["Timestamp"], "2024-01-01 12:00:00+00:00");  // botocore reads the same time
  EXPECT_EQ(spot->next_token, "");

  auto created = DecodeKeyPair(Fixture("CreateKeyPair"));
  ASSERT_TRUE(created.has_value());
  const json& c = Parsed("CreateKeyPair");
  EXPECT_EQ(created->key_pair.key_material, c["KeyMaterial"]);
  EXPECT_EQ(created->key_pair.key_pair_id, c["KeyPairId"]);
  EXPECT_EQ(created->key_pair.key_fingerprint, c["KeyFingerprint"]);
  auto imported = DecodeKeyPair(Fixture("ImportKeyPair"));
  ASSERT_TRUE(imported.has_value());
  EXPECT_EQ(imported->key_pair.key_name, Parsed("ImportKeyPair")["KeyName"]);
  EXPECT_TRUE(imported->key_pair.key_material.empty());
  auto keys = DecodeDescribeKeyPairs(Fixture("DescribeKeyPairs"));
  ASSERT_TRUE(keys.has_value());
  const json& k = Parsed("DescribeKeyPairs")["KeyPairs"][0];
  EXPECT_EQ(keys->key_pairs.at(0).key_type, k["KeyType"]);
  EXPECT_EQ(keys->key_pairs.at(0).public_key, k["PublicKey"]);
  EXPECT_EQ(keys->key_pairs.at(0).tags.at(0).key, k["Tags"][0]["Key"]);
}

TEST_F(Ec2ResponseDecoderTest, SecurityGroups) {
  auto created = DecodeCreateSecurityGroup(Fixture("CreateSecurityGroup"));
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->group_id, Parsed("CreateSecurityGroup")["GroupId"]);
  auto groups = DecodeDescribeSecurityGroups(Fixture("DescribeSecurityGroups"));
  ASSERT_TRUE(groups.has_value());
  const json& g = Parsed("DescribeSecurityGroups")["SecurityGroups"][0];
  const SecurityGroup& group = groups->security_groups.at(0);
  EXPECT_EQ(group.group_id, g["GroupId"]);
  EXPECT_EQ(group.description, g["Description"]);
  EXPECT_EQ(group.vpc_id, g["VpcId"]);
  const IpPermission& ssh = group.ip_permissions.at(0);
  const json& ssh_json = g["IpPermissions"][0];
  EXPECT_EQ(ssh.ip_protocol, ssh_json["IpProtocol"]);
  EXPECT_EQ(*ssh.from_port, ssh_json["FromPort"]);
  EXPECT_EQ(*ssh.to_port, ssh_json["ToPort"]);
  EXPECT_EQ(ssh.ip_ranges.at(0).cidr_ip, ssh_json["IpRanges"][0]["CidrIp"]);
  EXPECT_EQ(*ssh.ip_ranges.at(0).description, ssh_json["IpRanges"][0]["Description"]);
  EXPECT_EQ(ssh.ipv6_ranges.at(0).cidr_ipv6, ssh_json["Ipv6Ranges"][0]["CidrIpv6"]);
  EXPECT_EQ(*ssh.user_id_group_pairs.at(0).group_id, ssh_json["UserIdGroupPairs"][0]["GroupId"]);
  EXPECT_EQ(group.ip_permissions_egress.at(0).ip_protocol,
            g["IpPermissionsEgress"][0]["IpProtocol"]);
  EXPECT_FALSE(group.ip_permissions_egress.at(0).from_port.has_value());
  for (const char* operation :
       {"AuthorizeSecurityGroupIngress", "DeleteSecurityGroup", "DeleteKeyPair", "DeregisterImage",
        "CreateTags", "ModifyInstanceAttribute"}) {
    auto answer = DecodeReturn(Fixture(operation));
    ASSERT_TRUE(answer.has_value()) << operation;
    EXPECT_TRUE(answer->value);
    EXPECT_EQ(answer->request_id, Parsed(operation)["ResponseMetadata"]["RequestId"]);
  }
}

TEST_F(Ec2ResponseDecoderTest, InstanceAttribute) {
  auto answer = DecodeDescribeInstanceAttribute(Fixture("DescribeInstanceAttribute"));
  ASSERT_TRUE(answer.has_value());
  const json& a = Parsed("DescribeInstanceAttribute");
  EXPECT_EQ(answer->instance_id, a["InstanceId"]);
  EXPECT_EQ(answer->attribute, "instanceInitiatedShutdownBehavior");
  EXPECT_EQ(answer->value, a["InstanceInitiatedShutdownBehavior"]["Value"]);
  EXPECT_EQ(answer->request_id, a["ResponseMetadata"]["RequestId"]);
}

TEST_F(Ec2ResponseDecoderTest, InstancesAndReservations) {
  auto run = DecodeRunInstances(Fixture("RunInstances"));
  ASSERT_TRUE(run.has_value());
  const json& r = Parsed("RunInstances");
  EXPECT_EQ(run->reservation.reservation_id, r["ReservationId"]);
  const Instance& launched = run->reservation.instances.at(0);
  EXPECT_EQ(launched.state.code, r["Instances"][0]["State"]["Code"]);
  EXPECT_EQ(launched.client_token, r["Instances"][0]["ClientToken"]);
  EXPECT_EQ(launched.instance_lifecycle, r["Instances"][0]["InstanceLifecycle"]);
  EXPECT_EQ(launched.metadata_options.http_tokens,
            r["Instances"][0]["MetadataOptions"]["HttpTokens"]);
  EXPECT_EQ(*launched.metadata_options.http_put_response_hop_limit,
            r["Instances"][0]["MetadataOptions"]["HttpPutResponseHopLimit"]);
  EXPECT_EQ(launched.public_ip_address, "");
  EXPECT_FALSE(r["Instances"][0].contains("PublicIpAddress"));

  auto described = DecodeDescribeInstances(Fixture("DescribeInstances"));
  ASSERT_TRUE(described.has_value());
  const json& d = Parsed("DescribeInstances");
  EXPECT_EQ(described->next_token, d["NextToken"]);
  ASSERT_EQ(described->reservations.size(), d["Reservations"].size());
  for (size_t ri = 0; ri < described->reservations.size(); ++ri) {
    const json& reservation = d["Reservations"][ri];
    ASSERT_EQ(described->reservations[ri].instances.size(), reservation["Instances"].size());
    for (size_t ii = 0; ii < reservation["Instances"].size(); ++ii) {
      const Instance& mine = described->reservations[ri].instances[ii];
      const json& theirs = reservation["Instances"][ii];
      EXPECT_EQ(mine.instance_id, theirs["InstanceId"]);
      EXPECT_EQ(mine.instance_type, theirs["InstanceType"]);
      EXPECT_EQ(mine.state.code, theirs["State"]["Code"]);
      EXPECT_EQ(mine.state.name, theirs["State"]["Name"]);
      EXPECT_EQ(*mine.placement.availability_zone, theirs["Placement"]["AvailabilityZone"]);
      EXPECT_EQ(mine.public_ip_address, theirs.value("PublicIpAddress", ""));
      EXPECT_EQ(mine.private_ip_address, theirs.value("PrivateIpAddress", ""));
      EXPECT_EQ(mine.public_dns_name, theirs.value("PublicDnsName", ""));
      EXPECT_EQ(mine.state_transition_reason, theirs.value("StateTransitionReason", ""));
      EXPECT_EQ(mine.key_name, theirs.value("KeyName", ""));
      ASSERT_EQ(mine.tags.size(), theirs["Tags"].size());
      for (size_t ti = 0; ti < mine.tags.size(); ++ti) {
        EXPECT_EQ(mine.tags[ti].key, theirs["Tags"][ti]["Key"]);
        EXPECT_EQ(mine.tags[ti].value, theirs["Tags"][ti]["Value"]);
      }
    }
  }
  const Instance& running = described->reservations[0].instances[0];
  EXPECT_EQ(running.block_device_mappings.at(0).volume_id,
            d["Reservations"][0]["Instances"][0]["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]);
  EXPECT_EQ(running.security_groups.at(0).group_name,
            d["Reservations"][0]["Instances"][0]["SecurityGroups"][0]["GroupName"]);
  EXPECT_EQ(described->reservations[1].instances[0].state_reason.code,
            d["Reservations"][1]["Instances"][0]["StateReason"]["Code"]);

  auto status = DecodeDescribeInstanceStatus(Fixture("DescribeInstanceStatus"));
  ASSERT_TRUE(status.has_value());
  const json& st = Parsed("DescribeInstanceStatus")["InstanceStatuses"][0];
  EXPECT_EQ(status->instance_statuses.at(0).system_status, st["SystemStatus"]["Status"]);
  EXPECT_EQ(status->instance_statuses.at(0).instance_status, st["InstanceStatus"]["Status"]);
  EXPECT_EQ(status->instance_statuses.at(0).instance_state.code, st["InstanceState"]["Code"]);

  const std::vector<std::pair<std::string, std::string>> changes = {
      {"StartInstances", "StartingInstances"},
      {"StopInstances", "StoppingInstances"},
      {"TerminateInstances", "TerminatingInstances"}};
  for (const auto& [operation, member] : changes) {
    auto change = DecodeInstanceStateChanges(Fixture(operation));
    ASSERT_TRUE(change.has_value());
    const json& c = Parsed(operation)[member][0];
    EXPECT_EQ(change->instances.at(0).instance_id, c["InstanceId"]);
    EXPECT_EQ(change->instances.at(0).current_state.name, c["CurrentState"]["Name"]);
    EXPECT_EQ(change->instances.at(0).previous_state.code, c["PreviousState"]["Code"]);
  }
  auto image = DecodeCreateImage(Fixture("CreateImage"));
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->image_id, Parsed("CreateImage")["ImageId"]);
}

TEST_F(Ec2ResponseDecoderTest, ErrorDocumentBecomesATypedError) {
  const json& e = (*parsed_)[kOperations.size()];
  Error error = Ec2ErrorFromResponse(HttpResponse{400, {}, Fixture("Error")});
  EXPECT_EQ(error.cloud_code, e["Error"]["Code"]);
  EXPECT_EQ(error.request_id, e["ResponseMetadata"]["RequestId"]);
  EXPECT_NE(error.message.find(e["Error"]["Message"].get<std::string>()), std::string::npos);
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.code, ErrorCode::kNoCapacity);
}

TEST_F(Ec2ResponseDecoderTest, MalformedXmlIsACloudError) {
  auto decoded = DecodeDescribeInstances("<DescribeInstancesResponse><reservationSet>");
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, ErrorCode::kCloud);
  Error error = Ec2ErrorFromResponse(HttpResponse{503, {}, "<html>Service Unavailable</html>"});
  EXPECT_EQ(error.http_status, 503);
  EXPECT_EQ(error.cloud_code, "HTTP503");
}

TEST_F(Ec2ResponseDecoderTest, SpotInstanceRequestsAndTheirCancellation) {
  auto described = DecodeDescribeSpotInstanceRequests(Fixture("DescribeSpotInstanceRequests"));
  ASSERT_TRUE(described.has_value());
  const json& d = Parsed("DescribeSpotInstanceRequests")["SpotInstanceRequests"];
  ASSERT_EQ(described->spot_instance_requests.size(), d.size());
  const SpotInstanceRequest& request = described->spot_instance_requests[0];
  EXPECT_EQ(request.spot_instance_request_id, d[0]["SpotInstanceRequestId"]);
  EXPECT_EQ(request.state, d[0]["State"]);
  EXPECT_EQ(request.type, d[0]["Type"]);
  EXPECT_EQ(request.status.code, d[0]["Status"]["Code"]);
  EXPECT_EQ(request.status.message, d[0]["Status"]["Message"]);
  EXPECT_EQ(request.instance_id, d[0]["InstanceId"]);
  EXPECT_EQ(request.spot_price, d[0]["SpotPrice"]);
  EXPECT_EQ(request.instance_interruption_behavior, d[0]["InstanceInterruptionBehavior"]);
  EXPECT_EQ(request.launched_availability_zone, d[0]["LaunchedAvailabilityZone"]);
  EXPECT_EQ(request.launch_specification.instance_type,
            d[0]["LaunchSpecification"]["InstanceType"]);
  EXPECT_EQ(request.launch_specification.availability_zone,
            d[0]["LaunchSpecification"]["Placement"]["AvailabilityZone"]);
  ASSERT_EQ(request.tags.size(), 1u);
  EXPECT_EQ(request.tags[0].value, d[0]["Tags"][0]["Value"]);
  auto cancelled = DecodeCancelSpotInstanceRequests(Fixture("CancelSpotInstanceRequests"));
  ASSERT_TRUE(cancelled.has_value());
  const json& c = Parsed("CancelSpotInstanceRequests")["CancelledSpotInstanceRequests"];
  ASSERT_EQ(cancelled->cancelled_spot_instance_requests.size(), 1u);
  EXPECT_EQ(cancelled->cancelled_spot_instance_requests[0].spot_instance_request_id,
            c[0]["SpotInstanceRequestId"]);
  EXPECT_EQ(cancelled->cancelled_spot_instance_requests[0].state, c[0]["State"]);
}

TEST_F(Ec2ResponseDecoderTest, VolumesAndSnapshots) {
  auto volumes = DecodeDescribeVolumes(Fixture("DescribeVolumes"));
  ASSERT_TRUE(volumes.has_value());
  const json& v = Parsed("DescribeVolumes");
  EXPECT_EQ(volumes->next_token, v["NextToken"]);
  ASSERT_EQ(volumes->volumes.size(), v["Volumes"].size());
  for (size_t i = 0; i < volumes->volumes.size(); ++i) {
    const Volume& volume = volumes->volumes[i];
    const json& expected = v["Volumes"][i];
    EXPECT_EQ(volume.volume_id, expected["VolumeId"]);
    EXPECT_EQ(volume.size, expected["Size"]);
    EXPECT_EQ(volume.state, expected["State"]);
    EXPECT_EQ(volume.availability_zone, expected["AvailabilityZone"]);
    EXPECT_EQ(volume.volume_type, expected["VolumeType"]);
    EXPECT_EQ(volume.encrypted, expected["Encrypted"]);
    EXPECT_EQ(volume.attachments.size(), expected["Attachments"].size());
    EXPECT_EQ(volume.tags.size(), expected.value("Tags", json::array()).size());
  }
  const VolumeAttachment& attached = volumes->volumes[0].attachments[0];
  const json& a = v["Volumes"][0]["Attachments"][0];
  EXPECT_EQ(attached.instance_id, a["InstanceId"]);
  EXPECT_EQ(attached.state, a["State"]);
  EXPECT_EQ(attached.device, a["Device"]);
  EXPECT_EQ(attached.delete_on_termination, a["DeleteOnTermination"]);
  EXPECT_EQ(volumes->volumes[0].snapshot_id, v["Volumes"][0]["SnapshotId"]);
  EXPECT_EQ(volumes->volumes[0].tags[0].value, v["Volumes"][0]["Tags"][0]["Value"]);
  EXPECT_EQ(volumes->volumes[0].iops, v["Volumes"][0]["Iops"]);

  auto snapshots = DecodeDescribeSnapshots(Fixture("DescribeSnapshots"));
  ASSERT_TRUE(snapshots.has_value());
  const json& s = Parsed("DescribeSnapshots")["Snapshots"];
  ASSERT_EQ(snapshots->snapshots.size(), s.size());
  const Snapshot& snapshot = snapshots->snapshots[0];
  EXPECT_EQ(snapshot.snapshot_id, s[0]["SnapshotId"]);
  EXPECT_EQ(snapshot.volume_id, s[0]["VolumeId"]);
  EXPECT_EQ(snapshot.state, s[0]["State"]);
  EXPECT_EQ(snapshot.progress, s[0]["Progress"]);
  EXPECT_EQ(snapshot.owner_id, s[0]["OwnerId"]);
  EXPECT_EQ(snapshot.volume_size, s[0]["VolumeSize"]);
  EXPECT_EQ(snapshot.description, s[0]["Description"]);
  EXPECT_EQ(snapshot.storage_tier, s[0]["StorageTier"]);
  EXPECT_EQ(snapshot.tags[0].key, s[0]["Tags"][0]["Key"]);
  EXPECT_TRUE(snapshots->next_token.empty());
  EXPECT_TRUE(DecodeReturn(Fixture("DeleteSnapshot"))->value);
  EXPECT_TRUE(DecodeReturn(Fixture("DeleteVolume"))->value);
}

TEST_F(Ec2ResponseDecoderTest, PlacementGroupsMatchBotocore) {
  auto described = DecodeDescribePlacementGroups(Fixture("DescribePlacementGroups"));
  ASSERT_TRUE(described.has_value()) << described.error().message;
  const json& d = Parsed("DescribePlacementGroups")["PlacementGroups"];
  ASSERT_EQ(described->placement_groups.size(), d.size());
  for (size_t index = 0; index < d.size(); ++index) {
    const PlacementGroup& group = described->placement_groups[index];
    EXPECT_EQ(group.group_name, d[index]["GroupName"]);
    EXPECT_EQ(group.group_id, d[index]["GroupId"]);
    EXPECT_EQ(group.strategy, d[index]["Strategy"]);
    EXPECT_EQ(group.state, d[index]["State"]);
    EXPECT_EQ(group.partition_count.has_value(), d[index].contains("PartitionCount"));
    EXPECT_EQ(group.tags.size(), d[index]["Tags"].size());
  }
  EXPECT_EQ(described->placement_groups[1].partition_count, 3);
  EXPECT_EQ(described->placement_groups[0].tags[0].value, d[0]["Tags"][0]["Value"]);
  auto created = DecodeCreatePlacementGroup(Fixture("CreatePlacementGroup"));
  ASSERT_TRUE(created.has_value());
  const json& c = Parsed("CreatePlacementGroup")["PlacementGroup"];
  EXPECT_EQ(created->placement_group.group_id, c["GroupId"]);
  EXPECT_EQ(created->placement_group.strategy, c["Strategy"]);
}

}  // namespace
}  // namespace gpubox::aws
