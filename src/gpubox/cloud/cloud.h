#pragma once
/// Cloud: what provisioning needs from a cloud, one region at a time, in the
/// EC2 model's terms. AwsCloud implements it over the aws/ clients for real
/// EC2 and for the local cloud alike (another endpoint, the same wire code);
/// tests of the provisioning logic use a recording fake.
///
/// Errors: a cloud's own error keeps its API code in Error::cloud_code
/// ("InsufficientInstanceCapacity", "VcpuLimitExceeded", ...), so callers can
/// fail over on it.

#include <cstdint>
#include <string>
#include <vector>

#include "gpubox/aws/model.h"
#include "gpubox/util/result.h"

namespace gpubox {

/// The tag every gpubox resource carries; its value is the box name.
inline constexpr const char kBoxTag[] = "gpubox:box";

class Cloud {
 public:
  virtual ~Cloud() = default;
  /// "local" or "aws".
  virtual std::string name() const = 0;
  /// How long to wait between two DescribeInstances while waiting for a state: the local
  /// cloud answers in well under a millisecond and starts an instance in about one second;
  /// EC2 takes tens of seconds and throttles eager callers.
  virtual int64_t StatePollMicros() const { return name() == "local" ? 25'000 : 1'000'000; }
  /// Regions this cloud (and account) can launch in.
  virtual Result<std::vector<std::string>> Regions() = 0;
  virtual Result<std::vector<std::string>> Zones(const std::string& region) = 0;

  /// The applied value of a Service Quotas quota (vCPUs for EC2's).
  virtual Result<double> QuotaValue(const std::string& region, const std::string& quota_code) = 0;
  /// Files an increase request; returns its id.
  virtual Result<std::string> RequestQuotaIncrease(const std::string& region,
                                                   const std::string& quota_code,
                                                   double desired_value) = 0;

  /// Instances matching the filters (all pages); terminated ones included.
  virtual Result<std::vector<aws::Instance>> DescribeInstances(
      const std::string& region, const std::vector<aws::Filter>& filters) = 0;

  /// Imports an OpenSSH public key as a key pair; kCloud with cloud_code
  /// "InvalidKeyPair.Duplicate" when the name is taken.
  virtual Result<void> ImportKeyPair(const std::string& region, const std::string& key_name,
                                     const std::string& public_key,
                                     const std::vector<aws::Tag>& tags) = 0;
  /// Key pairs matching the filters ("tag-key", "key-name", ...).
  virtual Result<std::vector<aws::KeyPair>> DescribeKeyPairs(
      const std::string& region, const std::vector<aws::Filter>& filters) = 0;
  /// True when a key pair of that name exists.
  virtual Result<bool> KeyPairExists(const std::string& region, const std::string& key_name) = 0;
  virtual Result<void> DeleteKeyPair(const std::string& region, const std::string& key_name) = 0;

  /// Creates a security group; returns its id.
  virtual Result<std::string> CreateSecurityGroup(const std::string& region,
                                                  const std::string& group_name,
                                                  const std::string& description,
                                                  const std::vector<aws::Tag>& tags) = 0;
  /// The id of the group of that name, or "" when there is none.
  virtual Result<std::string> FindSecurityGroup(const std::string& region,
                                                const std::string& group_name) = 0;
  /// Security groups matching the filters (all pages).
  virtual Result<std::vector<aws::SecurityGroup>> DescribeSecurityGroups(
      const std::string& region, const std::vector<aws::Filter>& filters) = 0;
  virtual Result<void> AuthorizeIngress(const std::string& region, const std::string& group_id,
                                        const aws::IpPermission& permission) = 0;
  virtual Result<void> DeleteSecurityGroup(const std::string& region,
                                           const std::string& group_id) = 0;

  /// Launches request.min_count..max_count instances (all or nothing up to min_count, as
  /// EC2 does) and returns them in launch-index order. Idempotent on request.client_token.
  virtual Result<std::vector<aws::Instance>> RunInstances(
      const std::string& region, const aws::RunInstancesRequest& request) = 0;
  /// RunInstances of one instance (the request's counts as given: 1 by default).
  Result<aws::Instance> RunInstance(const std::string& region,
                                    const aws::RunInstancesRequest& request) {
    auto launched = RunInstances(region, request);
    if (!launched) return std::unexpected(launched.error());
    if (launched->empty()) {
      return std::unexpected(Error{ErrorCode::kCloud, "RunInstances answered no instance"});
    }
    return launched->front();
  }
  virtual Result<void> StartInstance(const std::string& region, const std::string& id) = 0;
  virtual Result<void> StopInstance(const std::string& region, const std::string& id) = 0;
  virtual Result<void> TerminateInstance(const std::string& region, const std::string& id) = 0;

  /// Spot instance requests matching the filters (all pages), cancelled and closed ones
  /// included while the cloud still shows them.
  virtual Result<std::vector<aws::SpotInstanceRequest>> DescribeSpotRequests(
      const std::string& region, const std::vector<aws::Filter>& filters) = 0;
  /// Cancels a spot request; its instance stays (running or stopped), but a persistent
  /// request no longer restarts or replaces it. A request already gone counts as cancelled.
  virtual Result<void> CancelSpotRequest(const std::string& region,
                                         const std::string& request_id) = 0;

  /// Makes a placement group of strategy "cluster" (its instances in one zone, close on the
  /// network); one of that name already there counts as made.
  virtual Result<void> CreatePlacementGroup(const std::string& region, const std::string& name,
                                            const std::vector<aws::Tag>& tags) = 0;
  /// Deletes a placement group once no live instance is in it; one already gone counts as
  /// deleted. kCloud with cloud_code "InvalidPlacementGroup.InUse" while instances hold it.
  virtual Result<void> DeletePlacementGroup(const std::string& region, const std::string& name) = 0;

  /// Images owned by this account ("self") or, with `name_pattern`, public
  /// images whose name matches it (EC2 wildcards).
  virtual Result<std::vector<aws::Image>> DescribeImages(
      const std::string& region, const std::vector<aws::Filter>& filters,
      const std::vector<std::string>& owners) = 0;
  /// Snapshots an instance's disk into a new image; returns its id.
  virtual Result<std::string> CreateImage(const std::string& region, const std::string& instance_id,
                                          const std::string& image_name,
                                          const std::vector<aws::Tag>& tags) = 0;
  /// Deregisters the image and deletes its snapshots (EC2 keeps them, and bills them,
  /// otherwise). An image or snapshot already gone counts as deleted.
  virtual Result<void> DeregisterImage(const std::string& region, const std::string& image_id) = 0;

  /// EBS volumes matching the filters (all pages).
  virtual Result<std::vector<aws::Volume>> DescribeVolumes(
      const std::string& region, const std::vector<aws::Filter>& filters) = 0;
  /// Deletes a detached volume; one already gone counts as deleted.
  virtual Result<void> DeleteVolume(const std::string& region, const std::string& volume_id) = 0;
  /// This account's snapshots matching the filters (all pages).
  virtual Result<std::vector<aws::Snapshot>> DescribeSnapshots(
      const std::string& region, const std::vector<aws::Filter>& filters) = 0;
  /// Deletes a snapshot no registered image uses; one already gone counts as deleted.
  virtual Result<void> DeleteSnapshot(const std::string& region,
                                      const std::string& snapshot_id) = 0;
};

}  // namespace gpubox
