#pragma once
/// EC2 XML responses (API 2016-11-15) -> model structs. Element names are the
/// model's locationNames (<instancesSet><item>...). Unknown elements are
/// ignored, missing ones leave the field's default. A body that is not XML or
/// lacks the expected root is kCloud.

#include <string_view>

#include "gpubox/aws/instance_attribute.h"
#include "gpubox/aws/model.h"
#include "gpubox/util/result.h"

namespace gpubox::aws {

Result<DescribeRegionsResponse> DecodeDescribeRegions(std::string_view xml);
Result<DescribeAvailabilityZonesResponse> DecodeDescribeAvailabilityZones(std::string_view xml);
Result<DescribeInstanceTypesResponse> DecodeDescribeInstanceTypes(std::string_view xml);
Result<DescribeImagesResponse> DecodeDescribeImages(std::string_view xml);
Result<DescribeSpotPriceHistoryResponse> DecodeDescribeSpotPriceHistory(std::string_view xml);
Result<DescribeSpotInstanceRequestsResponse> DecodeDescribeSpotInstanceRequests(
    std::string_view xml);
Result<CancelSpotInstanceRequestsResponse> DecodeCancelSpotInstanceRequests(std::string_view xml);
Result<DescribeVolumesResponse> DecodeDescribeVolumes(std::string_view xml);
Result<DescribeSnapshotsResponse> DecodeDescribeSnapshots(std::string_view xml);
/// CreateKeyPair (with keyMaterial) and ImportKeyPair.
Result<KeyPairResponse> DecodeKeyPair(std::string_view xml);
Result<DescribeKeyPairsResponse> DecodeDescribeKeyPairs(std::string_view xml);
Result<CreatePlacementGroupResponse> DecodeCreatePlacementGroup(std::string_view xml);
Result<DescribePlacementGroupsResponse> DecodeDescribePlacementGroups(std::string_view xml);
Result<CreateSecurityGroupResponse> DecodeCreateSecurityGroup(std::string_view xml);
Result<DescribeSecurityGroupsResponse> DecodeDescribeSecurityGroups(std::string_view xml);
Result<RunInstancesResponse> DecodeRunInstances(std::string_view xml);
Result<DescribeInstancesResponse> DecodeDescribeInstances(std::string_view xml);
Result<DescribeInstanceStatusResponse> DecodeDescribeInstanceStatus(std::string_view xml);
/// Start/Stop/TerminateInstances (<instancesSet> of state changes).
Result<InstanceStateChangeResponse> DecodeInstanceStateChanges(std::string_view xml);
Result<CreateImageResponse> DecodeCreateImage(std::string_view xml);
Result<DescribeInstanceAttributeResponse> DecodeDescribeInstanceAttribute(std::string_view xml);
/// <return>true</return> answers: DeleteKeyPair, DeleteSecurityGroup,
/// DeregisterImage, CreateTags, AuthorizeSecurityGroupIngress, ModifyInstanceAttribute.
Result<ReturnResponse> DecodeReturn(std::string_view xml);

}  // namespace gpubox::aws
