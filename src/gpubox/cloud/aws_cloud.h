#pragma once
/// AwsCloud: the Cloud over the aws/ clients. The same code reaches real EC2
/// and the local cloud; only the endpoints and credentials differ. One EC2
/// client per region, made on first use (the region signs the requests).
///
/// Creates and deletes are safe to repeat: the callers retry a create whose first
/// answer was lost (a 5xx, a reset), so a "Duplicate" answer to a create of a named
/// resource (key pair, security group, ingress rule, image) means an earlier attempt made it,
/// and a "NotFound" answer to a delete means it is gone: both are success here.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "gpubox/aws/aws_caller.h"
#include "gpubox/aws/credentials_provider.h"
#include "gpubox/aws/ec2_client.h"
#include "gpubox/cloud/cloud.h"

namespace gpubox {

/// The endpoint of a service ("ec2", "servicequotas") in a region.
using EndpointResolver =
    std::function<aws::ServiceEndpoint(const std::string& region, const std::string& service)>;

/// Quota calls, kept apart so AwsCloud does not depend on their wire format.
class QuotaService {
 public:
  virtual ~QuotaService() = default;
  virtual Result<double> GetValue(const std::string& region, const std::string& quota_code) = 0;
  virtual Result<std::string> RequestIncrease(const std::string& region,
                                              const std::string& quota_code, double value) = 0;
};

class AwsCloud : public Cloud {
 public:
  /// `home_region` answers DescribeRegions. `env`, `credentials` and `quotas`
  /// must outlive this.
  AwsCloud(std::string name, Env& env, aws::CredentialsProvider& credentials,
           EndpointResolver resolver, std::string home_region, QuotaService& quotas);
  ~AwsCloud() override;

  std::string name() const override { return name_; }
  Result<std::vector<std::string>> Regions() override;
  Result<std::vector<std::string>> Zones(const std::string& region) override;
  Result<double> QuotaValue(const std::string& region, const std::string& quota_code) override {
    return quotas_.GetValue(region, quota_code);
  }
  Result<std::string> RequestQuotaIncrease(const std::string& region, const std::string& quota_code,
                                           double value) override {
    return quotas_.RequestIncrease(region, quota_code, value);
  }
  Result<std::vector<aws::Instance>> DescribeInstances(
      const std::string& region, const std::vector<aws::Filter>& filters) override;
  Result<void> ImportKeyPair(const std::string& region, const std::string& key_name,
                             const std::string& public_key,
                             const std::vector<aws::Tag>& tags) override;
  Result<std::vector<aws::KeyPair>> DescribeKeyPairs(
      const std::string& region, const std::vector<aws::Filter>& filters) override;
  Result<bool> KeyPairExists(const std::string& region, const std::string& key_name) override;
  Result<void> DeleteKeyPair(const std::string& region, const std::string& key_name) override;
  Result<std::string> CreateSecurityGroup(const std::string& region, const std::string& group_name,
                                          const std::string& description,
                                          const std::vector<aws::Tag>& tags) override;
  Result<std::string> FindSecurityGroup(const std::string& region,
                                        const std::string& group_name) override;
  Result<std::vector<aws::SecurityGroup>> DescribeSecurityGroups(
      const std::string& region, const std::vector<aws::Filter>& filters) override;
  Result<void> AuthorizeIngress(const std::string& region, const std::string& group_id,
                                const aws::IpPermission& permission) override;
  Result<void> DeleteSecurityGroup(const std::string& region, const std::string& group_id) override;
  Result<std::vector<aws::Instance>> RunInstances(const std::string& region,
                                                  const aws::RunInstancesRequest& request) override;
  Result<void> CreatePlacementGroup(const std::string& region, const std::string& name,
                                    const std::vector<aws::Tag>& tags) override;
  Result<void> DeletePlacementGroup(const std::string& region, const std::string& name) override;
  Result<void> StartInstance(const std::string& region, const std::string& id) override;
  Result<void> StopInstance(const std::string& region, const std::string& id) override;
  Result<void> TerminateInstance(const std::string& region, const std::string& id) override;
  Result<std::vector<aws::SpotInstanceRequest>> DescribeSpotRequests(
      const std::string& region, const std::vector<aws::Filter>& filters) override;
  Result<void> CancelSpotRequest(const std::string& region, const std::string& request_id) override;
  Result<std::vector<aws::Image>> DescribeImages(const std::string& region,
                                                 const std::vector<aws::Filter>& filters,
                                                 const std::vector<std::string>& owners) override;
  Result<std::string> CreateImage(const std::string& region, const std::string& instance_id,
                                  const std::string& image_name,
                                  const std::vector<aws::Tag>& tags) override;
  Result<void> DeregisterImage(const std::string& region, const std::string& image_id) override;
  Result<std::vector<aws::Volume>> DescribeVolumes(
      const std::string& region, const std::vector<aws::Filter>& filters) override;
  Result<void> DeleteVolume(const std::string& region, const std::string& volume_id) override;
  Result<std::vector<aws::Snapshot>> DescribeSnapshots(
      const std::string& region, const std::vector<aws::Filter>& filters) override;
  Result<void> DeleteSnapshot(const std::string& region, const std::string& snapshot_id) override;

  /// Retry mode, attempts, deadline and waiting notices for the clients made from now on
  /// (set it before the first call).
  void SetRetryOptions(aws::RetryOptions options) { retry_options_ = std::move(options); }
  const aws::RetryOptions& retry_options() const { return retry_options_; }

  /// API calls made so far (for `up`'s benchmark).
  int calls() const { return calls_; }

 private:
  /// The region's client, made at its first use. Calls for different regions may run on
  /// different threads at once (`ls --all-regions`); one region's calls, on one thread.
  aws::Ec2Client& Ec2(const std::string& region);
  /// DeregisterImage alone (the image's snapshots stay).
  Result<void> DeregisterOnly(const std::string& region, const std::string& image_id);

  struct RegionClient {
    std::unique_ptr<aws::AwsCaller> caller;
    std::unique_ptr<aws::Ec2Client> ec2;
  };
  std::string name_;
  Env& env_;
  aws::CredentialsProvider& credentials_;
  EndpointResolver resolver_;
  std::string home_region_;
  QuotaService& quotas_;
  std::mutex clients_mutex_;
  std::map<std::string, RegionClient> clients_;  ///< GUARDED_BY(clients_mutex_)
  std::vector<std::string> regions_;             ///< cached answer of DescribeRegions
  aws::RetryOptions retry_options_;
  std::atomic<int> calls_ = 0;
};

}  // namespace gpubox
