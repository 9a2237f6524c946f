#pragma once
/// Recording fakes for the provisioning logic: a cloud that keeps instances,
/// key pairs, groups and images in memory and fails on demand, and a process
/// runner that plays ssh and ssh-keygen (the clock is unit/fakes/fake_clock.h).

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gpubox/cloud/cloud.h"
#include "gpubox/sys/env.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/process_runner.h"
#include "unit/fakes/fake_clock.h"

namespace gpubox::testing {

class FakeProcessRunner : public ProcessRunner {
 public:
  explicit FakeProcessRunner(FileSystem& files) : files_(files) {}
  Result<ProcessResult> Run(const std::vector<std::string>& argv,
                            const ProcessOptions& options) override;
  Result<int> RunAttached(const std::vector<std::string>& argv) override {
    return Run(argv, {}).value().exit_code;
  }

  std::vector<std::string> commands_ran_;  ///< argv joined by spaces
  std::set<std::string> failing_phases_;   ///< setup phases that fail
  /// Phases whose marker the (one) box holds: later sessions skip them, as the script does.
  std::set<std::string> phases_marked_;
  std::string setup_log_;        ///< what setup sessions printed: `cat .gpubox/setup.log` gives it
  bool log_unreadable_ = false;  ///< `cat .gpubox/setup.log` fails as an unreachable box does
  int ssh_failures_left_ = 0;    ///< next `ssh ... true` calls that fail
  /// Slurm (scripts/slurm.sh) as a cluster's nodes play it: the install step prints this
  /// hardware; configure steps are kept; `sinfo` lists every configured node in this state.
  bool slurm_install_fails_ = false;
  std::string slurm_node_state_ = "idle";
  std::vector<std::string> slurm_configured_;  ///< the configure steps' scripts, in order

 private:
  FileSystem& files_;
};

class FakeCloud : public Cloud {
 public:
  FakeCloud();
  std::string name() const override { return "local"; }
  Result<std::vector<std::string>> Regions() override { return regions_; }
  Result<std::vector<std::string>> Zones(const std::string& region) override;
  Result<double> QuotaValue(const std::string& region, const std::string& quota_code) override;
  Result<std::string> RequestQuotaIncrease(const std::string& region, const std::string& code,
                                           double value) override;
  Result<std::vector<aws::Instance>> DescribeInstances(
      const std::string& region, const std::vector<aws::Filter>& filters) override;
  Result<void> ImportKeyPair(const std::string& region, const std::string& key_name,
                             const std::string& public_key,
                             const std::vector<aws::Tag>& tags) override;
  Result<std::vector<aws::KeyPair>> DescribeKeyPairs(
      const std::string& region, const std::vector<aws::Filter>& filters) override;
  Result<bool> KeyPairExists(const std::string& region, const std::string& key_name) override;
  Result<void> DeleteKeyPair(const std::string& region, const std::string& key_name) override;
  Result<std::string> CreateSecurityGroup(const std::string& region, const std::string& name,
                                          const std::string& description,
                                          const std::vector<aws::Tag>& tags) override;
  Result<std::string> FindSecurityGroup(const std::string& region,
                                        const std::string& name) override;
  Result<std::vector<aws::SecurityGroup>> DescribeSecurityGroups(
      const std::string& region, const std::vector<aws::Filter>& filters) override;
  Result<void> AuthorizeIngress(const std::string& region, const std::string& group_id,
                                const aws::IpPermission& permission) override;
  Result<void> DeleteSecurityGroup(const std::string& region, const std::string& id) override;
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

  /// Instances not terminated, in any region.
  int LiveInstances() const;

  std::vector<std::string> regions_ = {"eu-west-1", "us-east-1", "us-west-2"};
  std::map<std::string, double> quota_;             ///< "region/code" -> value (default 64)
  std::set<std::string> no_capacity_;               ///< "type/zone"
  std::map<std::string, int> capacity_;             ///< "type/zone" -> most live instances
  std::set<std::string> placement_groups_;          ///< "region/name"
  std::vector<std::string> calls_;                  ///< one line per mutating call
  aws::RunInstancesRequest last_run_;               ///< the last RunInstances' request
  std::map<std::string, aws::Instance> instances_;  ///< by id
  std::map<std::string, std::string> instance_region_;
  std::map<std::string, std::string> key_pairs_;                ///< "region/name" -> public key
  std::map<std::string, std::vector<aws::Tag>> key_pair_tags_;  ///< "region/name" -> tags
  std::map<std::string, aws::SecurityGroup> groups_;            ///< by id
  std::map<std::string, std::string> group_region_;
  std::map<std::string, aws::Image> images_;   ///< by id
  std::string new_image_state_ = "available";  ///< what CreateImage's images stay in
  bool stop_terminates_ = false;  ///< StopInstances ends in terminated (the instance is lost)
  std::map<std::string, std::string> image_region_;
  /// Root volumes by id (one per instance launched; DescribeVolumes skips those whose
  /// instance is terminated or terminating), and snapshots by id (one per image).
  std::map<std::string, aws::Volume> volumes_;
  std::map<std::string, std::string> volume_region_;
  std::map<std::string, aws::Snapshot> snapshots_;
  std::map<std::string, std::string> snapshot_region_;
  /// Spot requests by id ("sir-N"), one per spot instance; state "active" or "cancelled".
  std::map<std::string, aws::SpotInstanceRequest> spot_requests_;

 private:
  /// One new instance of a RunInstances that may launch.
  aws::Instance LaunchOne(const std::string& region, const aws::RunInstancesRequest& request,
                          const std::string& zone, int index);
  int next_id_ = 1;
};

}  // namespace gpubox::testing
