#pragma once
/// EC2 request structs -> Query form parameters, exactly as botocore's EC2
/// serializer writes them (member order of the model, Name.N lists, nested
/// Prefix.Member names, "true"/"false", base64 user data and key material).
/// Each result starts with Action and Version.

#include "gpubox/aws/instance_attribute.h"
#include "gpubox/aws/model.h"
#include "gpubox/aws/query_protocol.h"

namespace gpubox::aws {

QueryParams EncodeRequest(const DescribeRegionsRequest& request);
QueryParams EncodeRequest(const DescribeAvailabilityZonesRequest& request);
QueryParams EncodeRequest(const DescribeInstanceTypesRequest& request);
QueryParams EncodeRequest(const DescribeImagesRequest& request);
QueryParams EncodeRequest(const DescribeSpotPriceHistoryRequest& request);
QueryParams EncodeRequest(const CreateKeyPairRequest& request);
QueryParams EncodeRequest(const ImportKeyPairRequest& request);
QueryParams EncodeRequest(const DescribeKeyPairsRequest& request);
QueryParams EncodeRequest(const DeleteKeyPairRequest& request);
QueryParams EncodeRequest(const CreateSecurityGroupRequest& request);
QueryParams EncodeRequest(const AuthorizeSecurityGroupIngressRequest& request);
QueryParams EncodeRequest(const DescribeSecurityGroupsRequest& request);
QueryParams EncodeRequest(const DeleteSecurityGroupRequest& request);
QueryParams EncodeRequest(const RunInstancesRequest& request);
QueryParams EncodeRequest(const DescribeInstancesRequest& request);
QueryParams EncodeRequest(const DescribeInstanceStatusRequest& request);
QueryParams EncodeRequest(const StartInstancesRequest& request);
QueryParams EncodeRequest(const StopInstancesRequest& request);
QueryParams EncodeRequest(const TerminateInstancesRequest& request);
QueryParams EncodeRequest(const CreateImageRequest& request);
QueryParams EncodeRequest(const DeregisterImageRequest& request);
QueryParams EncodeRequest(const CreateTagsRequest& request);
QueryParams EncodeRequest(const DescribeInstanceAttributeRequest& request);
QueryParams EncodeRequest(const ModifyInstanceAttributeRequest& request);
QueryParams EncodeRequest(const DescribeSpotInstanceRequestsRequest& request);
QueryParams EncodeRequest(const CancelSpotInstanceRequestsRequest& request);
QueryParams EncodeRequest(const DescribeVolumesRequest& request);
QueryParams EncodeRequest(const DeleteVolumeRequest& request);
QueryParams EncodeRequest(const DescribeSnapshotsRequest& request);
QueryParams EncodeRequest(const DeleteSnapshotRequest& request);
QueryParams EncodeRequest(const CreatePlacementGroupRequest& request);
QueryParams EncodeRequest(const DescribePlacementGroupsRequest& request);
QueryParams EncodeRequest(const DeletePlacementGroupRequest& request);

}  // namespace gpubox::aws
