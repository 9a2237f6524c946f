#pragma once
/// The EC2 API (Query protocol, 2016-11-15) over an AwsCaller. Each call
/// encodes its request struct, sends it signed (with standard-mode retries)
/// and decodes the answer; API errors come back as Errors whose cloud_code is
/// the EC2 code (InsufficientInstanceCapacity, InvalidKeyPair.Duplicate, ...).

#include "gpubox/aws/aws_caller.h"
#include "gpubox/aws/instance_attribute.h"
#include "gpubox/aws/model.h"
#include "gpubox/aws/query_protocol.h"

namespace gpubox::aws {

class Ec2Client {
 public:
  /// `caller` is bound to the EC2 endpoint and must outlive the client.
  explicit Ec2Client(AwsCaller& caller) : caller_(caller) {}

  Result<DescribeRegionsResponse> DescribeRegions(const DescribeRegionsRequest& request);
  Result<DescribeAvailabilityZonesResponse> DescribeAvailabilityZones(
      const DescribeAvailabilityZonesRequest& request);
  /// Follows NextToken to the end; the result holds every page.
  Result<DescribeInstanceTypesResponse> DescribeInstanceTypes(DescribeInstanceTypesRequest request);
  Result<DescribeImagesResponse> DescribeImages(const DescribeImagesRequest& request);
  /// One page (the history can be long; the caller bounds it with times and
  /// MaxResults and may pass next_token on).
  Result<DescribeSpotPriceHistoryResponse> DescribeSpotPriceHistory(
      const DescribeSpotPriceHistoryRequest& request);

  Result<KeyPairResponse> CreateKeyPair(const CreateKeyPairRequest& request);
  Result<KeyPairResponse> ImportKeyPair(const ImportKeyPairRequest& request);
  Result<DescribeKeyPairsResponse> DescribeKeyPairs(const DescribeKeyPairsRequest& request);
  Result<ReturnResponse> DeleteKeyPair(const DeleteKeyPairRequest& request);

  Result<CreateSecurityGroupResponse> CreateSecurityGroup(
      const CreateSecurityGroupRequest& request);
  Result<ReturnResponse> AuthorizeSecurityGroupIngress(
      const AuthorizeSecurityGroupIngressRequest& request);
  /// Follows NextToken to the end.
  Result<DescribeSecurityGroupsResponse> DescribeSecurityGroups(
      DescribeSecurityGroupsRequest request);
  Result<ReturnResponse> DeleteSecurityGroup(const DeleteSecurityGroupRequest& request);

  /// Retried only when request.client_token is set: a retry with the same
  /// token can never launch a second instance; without one it is sent once.
  Result<RunInstancesResponse> RunInstances(const RunInstancesRequest& request);
  /// Follows NextToken to the end; the result holds every reservation.
  Result<DescribeInstancesResponse> DescribeInstances(DescribeInstancesRequest request);
  /// Follows NextToken to the end.
  Result<DescribeInstanceStatusResponse> DescribeInstanceStatus(
      DescribeInstanceStatusRequest request);
  Result<InstanceStateChangeResponse> StartInstances(const StartInstancesRequest& request);
  Result<InstanceStateChangeResponse> StopInstances(const StopInstancesRequest& request);
  Result<InstanceStateChangeResponse> TerminateInstances(const TerminateInstancesRequest& request);

  /// Follows NextToken to the end.
  Result<DescribeSpotInstanceRequestsResponse> DescribeSpotInstanceRequests(
      DescribeSpotInstanceRequestsRequest request);
  /// Cancelling keeps the request's instance (running or stopped); a cancelled
  /// persistent request no longer replaces or restarts it.
  Result<CancelSpotInstanceRequestsResponse> CancelSpotInstanceRequests(
      const CancelSpotInstanceRequestsRequest& request);

  /// Follows NextToken to the end.
  Result<DescribeVolumesResponse> DescribeVolumes(DescribeVolumesRequest request);
  /// Only an "available" (detached) volume can be deleted (else VolumeInUse).
  Result<ReturnResponse> DeleteVolume(const DeleteVolumeRequest& request);
  /// Follows NextToken to the end.
  Result<DescribeSnapshotsResponse> DescribeSnapshots(DescribeSnapshotsRequest request);
  /// A snapshot a registered image uses cannot be deleted (InvalidSnapshot.InUse).
  Result<ReturnResponse> DeleteSnapshot(const DeleteSnapshotRequest& request);
  Result<CreatePlacementGroupResponse> CreatePlacementGroup(
      const CreatePlacementGroupRequest& request);
  Result<DescribePlacementGroupsResponse> DescribePlacementGroups(
      const DescribePlacementGroupsRequest& request);
  /// EC2 refuses while an instance (not terminated) is in the group.
  Result<ReturnResponse> DeletePlacementGroup(const DeletePlacementGroupRequest& request);

  Result<CreateImageResponse> CreateImage(const CreateImageRequest& request);
  Result<ReturnResponse> DeregisterImage(const DeregisterImageRequest& request);
  Result<ReturnResponse> CreateTags(const CreateTagsRequest& request);
  Result<DescribeInstanceAttributeResponse> DescribeInstanceAttribute(
      const DescribeInstanceAttributeRequest& request);
  Result<ReturnResponse> ModifyInstanceAttribute(const ModifyInstanceAttributeRequest& request);

  /// Pages followed before a paginated call gives up (a server that keeps
  /// answering a NextToken must not loop us forever).
  static constexpr int kMaxPages = 1000;

 private:
  /// Sends the form and returns the XML body of a 2xx answer.
  Result<std::string> Call(const QueryParams& params, bool retry_allowed = true);

  AwsCaller& caller_;
};

}  // namespace gpubox::aws
