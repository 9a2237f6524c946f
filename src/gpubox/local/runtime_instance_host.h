#pragma once
/// InstanceHost over the real instance runtime (local/runtime): each instance
/// a network namespace with sshd, nftables and a private disk. Images are
/// disk snapshots under `images_dir`.

#include <memory>
#include <string>

#include "gpubox/local/instance_host.h"
#include "gpubox/local/runtime/instance_runtime.h"

namespace gpubox::local {

class RuntimeInstanceHost : public InstanceHost {
 public:
  RuntimeInstanceHost(std::unique_ptr<InstanceRuntime> runtime, std::string images_dir)
      : runtime_(std::move(runtime)), images_dir_(std::move(images_dir)) {}

  /// The runtime's methods are safe from several threads.
  bool Concurrent() const override { return true; }

  Result<std::string> Launch(const LaunchSpec& spec) override;
  Result<std::string> Start(const LaunchSpec& spec) override;
  Result<std::string> Adopt(const LaunchSpec& spec) override;
  bool IsReady(const std::string& instance_id) override;
  bool PoweredOff(const std::string& instance_id) override;
  Result<void> Stop(const std::string& instance_id) override;
  Result<void> Terminate(const std::string& instance_id) override;
  Result<void> UpdateFirewall(const std::string& instance_id,
                              const std::vector<aws::IpPermission>& ingress) override;
  Result<void> Snapshot(const std::string& instance_id, const std::string& image_id) override;
  Result<void> DeleteSnapshot(const std::string& image_id) override;
  Result<void> NoticeSpotInterruption(const std::string& instance_id, const std::string& action,
                                      const std::string& time) override;

  InstanceRuntime& runtime() { return *runtime_; }

 private:
  std::vector<IngressRule> Rules(const std::vector<aws::IpPermission>& ingress) const;
  std::string ImageDir(const std::string& image_id) const { return images_dir_ + "/" + image_id; }

  std::unique_ptr<InstanceRuntime> runtime_;
  std::string images_dir_;
};

}  // namespace gpubox::local
