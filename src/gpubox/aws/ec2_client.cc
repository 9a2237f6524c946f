#include "gpubox/aws/ec2_client.h"

#include "gpubox/aws/ec2_request_encoder.h"
#include "gpubox/aws/ec2_response_decoder.h"

namespace gpubox::aws {
namespace {

/// Calls `page` with successive next tokens, appending each page's items with
/// `merge`, until a page has no NextToken.
template <typename Request, typename Response, typename PageFn, typename MergeFn>
Result<Response> AllPages(Request request, PageFn page, MergeFn merge) {
  Response all;
  for (int count = 0; count < Ec2Client::kMaxPages; ++count) {
    Response one = GPUBOX_TRY(page(request));
    all.request_id = one.request_id;
    merge(all, one);
    if (one.next_token.empty()) return all;
    if (request.next_token && *request.next_token == one.next_token) {
      return Fail(ErrorCode::kCloud, "EC2 returned the same NextToken twice");
    }
    request.next_token = one.next_token;
  }
  return Fail(ErrorCode::kCloud, "EC2 pagination did not end after " +
                                     std::to_string(Ec2Client::kMaxPages) + " pages");
}

template <typename T>
void Append(std::vector<T>& to, std::vector<T>& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

Result<std::string> Ec2Client::Call(const QueryParams& params, bool retry_allowed) {
  HttpHeaders headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  HttpResponse response =
      GPUBOX_TRY(caller_.Post(EncodeForm(params), headers, WireProtocol::kEc2Query, retry_allowed));
  return std::move(response.body);
}

Result<DescribeRegionsResponse> Ec2Client::DescribeRegions(const DescribeRegionsRequest& request) {
  return DecodeDescribeRegions(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<DescribeAvailabilityZonesResponse> Ec2Client::DescribeAvailabilityZones(
    const DescribeAvailabilityZonesRequest& request) {
  return DecodeDescribeAvailabilityZones(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<DescribeInstanceTypesResponse> Ec2Client::DescribeInstanceTypes(
    DescribeInstanceTypesRequest request) {
  return AllPages<DescribeInstanceTypesRequest, DescribeInstanceTypesResponse>(
      std::move(request),
      [this](const auto& page) -> Result<DescribeInstanceTypesResponse> {
        return DecodeDescribeInstanceTypes(GPUBOX_TRY(Call(EncodeRequest(page))));
      },
      [](auto& all, auto& one) { Append(all.instance_types, one.instance_types); });
}

Result<DescribeImagesResponse> Ec2Client::DescribeImages(const DescribeImagesRequest& request) {
  return DecodeDescribeImages(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<DescribeSpotPriceHistoryResponse> Ec2Client::DescribeSpotPriceHistory(
    const DescribeSpotPriceHistoryRequest& request) {
  return DecodeDescribeSpotPriceHistory(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<KeyPairResponse> Ec2Client::CreateKeyPair(const CreateKeyPairRequest& request) {
  return DecodeKeyPair(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<KeyPairResponse> Ec2Client::ImportKeyPair(const ImportKeyPairRequest& request) {
  return DecodeKeyPair(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<DescribeKeyPairsResponse> Ec2Client::DescribeKeyPairs(
    const DescribeKeyPairsRequest& request) {
  return DecodeDescribeKeyPairs(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<ReturnResponse> Ec2Client::DeleteKeyPair(const DeleteKeyPairRequest& request) {
  return DecodeReturn(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<CreateSecurityGroupResponse> Ec2Client::CreateSecurityGroup(
    const CreateSecurityGroupRequest& request) {
  return DecodeCreateSecurityGroup(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<ReturnResponse> Ec2Client::AuthorizeSecurityGroupIngress(
    const AuthorizeSecurityGroupIngressRequest& request) {
  return DecodeReturn(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<DescribeSecurityGroupsResponse> Ec2Client::DescribeSecurityGroups(
    DescribeSecurityGroupsRequest request) {
  return AllPages<DescribeSecurityGroupsRequest, DescribeSecurityGroupsResponse>(
      std::move(request),
      [this](const auto& page) -> Result<DescribeSecurityGroupsResponse> {
        return DecodeDescribeSecurityGroups(GPUBOX_TRY(Call(EncodeRequest(page))));
      },
      [](auto& all, auto& one) { Append(all.security_groups, one.security_groups); });
}

Result<ReturnResponse> Ec2Client::DeleteSecurityGroup(const DeleteSecurityGroupRequest& request) {
  return DecodeReturn(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<RunInstancesResponse> Ec2Client::RunInstances(const RunInstancesRequest& request) {
  bool has_token = request.client_token.has_value() && !request.client_token->empty();
  return DecodeRunInstances(GPUBOX_TRY(Call(EncodeRequest(request), has_token)));
}

Result<DescribeInstancesResponse> Ec2Client::DescribeInstances(DescribeInstancesRequest request) {
  return AllPages<DescribeInstancesRequest, DescribeInstancesResponse>(
      std::move(request),
      [this](const auto& page) -> Result<DescribeInstancesResponse> {
        return DecodeDescribeInstances(GPUBOX_TRY(Call(EncodeRequest(page))));
      },
      [](auto& all, auto& one) { Append(all.reservations, one.reservations); });
}

Result<DescribeInstanceStatusResponse> Ec2Client::DescribeInstanceStatus(
    DescribeInstanceStatusRequest request) {
  return AllPages<DescribeInstanceStatusRequest, DescribeInstanceStatusResponse>(
      std::move(request),
      [this](const auto& page) -> Result<DescribeInstanceStatusResponse> {
        return DecodeDescribeInstanceStatus(GPUBOX_TRY(Call(EncodeRequest(page))));
      },
      [](auto& all, auto& one) { Append(all.instance_statuses, one.instance_statuses); });
}

Result<InstanceStateChangeResponse> Ec2Client::StartInstances(
    const StartInstancesRequest& request) {
  return DecodeInstanceStateChanges(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<InstanceStateChangeResponse> Ec2Client::StopInstances(const StopInstancesRequest& request) {
  return DecodeInstanceStateChanges(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<InstanceStateChangeResponse> Ec2Client::TerminateInstances(
    const TerminateInstancesRequest& request) {
  return DecodeInstanceStateChanges(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<DescribeSpotInstanceRequestsResponse> Ec2Client::DescribeSpotInstanceRequests(
    DescribeSpotInstanceRequestsRequest request) {
  return AllPages<DescribeSpotInstanceRequestsRequest, DescribeSpotInstanceRequestsResponse>(
      std::move(request),
      [this](const auto& page) -> Result<DescribeSpotInstanceRequestsResponse> {
        return DecodeDescribeSpotInstanceRequests(GPUBOX_TRY(Call(EncodeRequest(page))));
      },
      [](auto& all, auto& one) { Append(all.spot_instance_requests, one.spot_instance_requests); });
}

Result<CancelSpotInstanceRequestsResponse> Ec2Client::CancelSpotInstanceRequests(
    const CancelSpotInstanceRequestsRequest& request) {
  return DecodeCancelSpotInstanceRequests(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<DescribeVolumesResponse> Ec2Client::DescribeVolumes(DescribeVolumesRequest request) {
  return AllPages<DescribeVolumesRequest, DescribeVolumesResponse>(
      std::move(request),
      [this](const auto& page) -> Result<DescribeVolumesResponse> {
        return DecodeDescribeVolumes(GPUBOX_TRY(Call(EncodeRequest(page))));
      },
      [](auto& all, auto& one) { Append(all.volumes, one.volumes); });
}

Result<ReturnResponse> Ec2Client::DeleteVolume(const DeleteVolumeRequest& request) {
  return DecodeReturn(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<DescribeSnapshotsResponse> Ec2Client::DescribeSnapshots(DescribeSnapshotsRequest request) {
  return AllPages<DescribeSnapshotsRequest, DescribeSnapshotsResponse>(
      std::move(request),
      [this](const auto& page) -> Result<DescribeSnapshotsResponse> {
        return DecodeDescribeSnapshots(GPUBOX_TRY(Call(EncodeRequest(page))));
      },
      [](auto& all, auto& one) { Append(all.snapshots, one.snapshots); });
}

Result<ReturnResponse> Ec2Client::DeleteSnapshot(const DeleteSnapshotRequest& request) {
  return DecodeReturn(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<CreatePlacementGroupResponse> Ec2Client::CreatePlacementGroup(
    const CreatePlacementGroupRequest& request) {
  return DecodeCreatePlacementGroup(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<DescribePlacementGroupsResponse> Ec2Client::DescribePlacementGroups(
    const DescribePlacementGroupsRequest& request) {
  return DecodeDescribePlacementGroups(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<ReturnResponse> Ec2Client::DeletePlacementGroup(const DeletePlacementGroupRequest& request) {
  return DecodeReturn(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<CreateImageResponse> Ec2Client::CreateImage(const CreateImageRequest& request) {
  return DecodeCreateImage(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<ReturnResponse> Ec2Client::DeregisterImage(const DeregisterImageRequest& request) {
  return DecodeReturn(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<ReturnResponse> Ec2Client::CreateTags(const CreateTagsRequest& request) {
  return DecodeReturn(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<DescribeInstanceAttributeResponse> Ec2Client::DescribeInstanceAttribute(
    const DescribeInstanceAttributeRequest& request) {
  return DecodeDescribeInstanceAttribute(GPUBOX_TRY(Call(EncodeRequest(request))));
}

Result<ReturnResponse> Ec2Client::ModifyInstanceAttribute(
    const ModifyInstanceAttributeRequest& request) {
  return DecodeReturn(GPUBOX_TRY(Call(EncodeRequest(request))));
}

}  // namespace gpubox::aws
