#pragma once
/// Request decoding, the other way round from the client's encoder: the EC2
/// form parameters of an operation into the model's request types.

#include "gpubox/aws/model.h"
#include "gpubox/local/ec2_request.h"

namespace gpubox::local {

/// TagSpecification.N.{ResourceType,Tag.M.Key,Tag.M.Value}.
std::vector<aws::TagSpecification> DecodeTagSpecifications(const Ec2Request& request);
/// The tags of the specifications for one resource type.
std::vector<aws::Tag> TagsFor(const std::vector<aws::TagSpecification>& specifications,
                              std::string_view resource_type);
/// Tag.N.{Key,Value} (CreateTags).
std::vector<aws::Tag> DecodeTags(const Ec2Request& request, std::string_view prefix);
/// IpPermissions.N... or the flat IpProtocol/FromPort/ToPort/CidrIp form.
std::vector<aws::IpPermission> DecodeIpPermissions(const Ec2Request& request);
aws::RunInstancesRequest DecodeRunInstances(const Ec2Request& request);

/// Adds or replaces tags by key.
void MergeTags(std::vector<aws::Tag>& tags, const std::vector<aws::Tag>& added);

}  // namespace gpubox::local
