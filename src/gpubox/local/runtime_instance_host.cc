#include "gpubox/local/runtime_instance_host.h"

namespace gpubox::local {

std::vector<IngressRule> RuntimeInstanceHost::Rules(
    const std::vector<aws::IpPermission>& ingress) const {
  std::vector<IngressRule> rules;
  for (const aws::IpPermission& permission : ingress) {
    IngressRule rule;
    rule.protocol = permission.ip_protocol;
    rule.from_port = permission.from_port.value_or(-1);
    rule.to_port = permission.to_port.value_or(-1);
    for (const aws::IpRange& range : permission.ip_ranges) rule.cidrs.push_back(range.cidr_ip);
    for (const aws::Ipv6Range& range : permission.ipv6_ranges)
      rule.cidrs.push_back(range.cidr_ipv6);
    // Rules naming a group come with that group's members' addresses (Ec2Service::IngressFor).
    if (!rule.cidrs.empty()) rules.push_back(std::move(rule));
  }
  return rules;
}

Result<std::string> RuntimeInstanceHost::Launch(const LaunchSpec& spec) {
  InstanceSpec runtime_spec;
  runtime_spec.instance_id = spec.instance_id;
  runtime_spec.instance_type = spec.instance_type;
  runtime_spec.image_id = spec.image_id;
  runtime_spec.region = spec.region;
  runtime_spec.availability_zone = spec.zone;
  runtime_spec.key_name = spec.key_name;
  runtime_spec.authorized_keys = spec.authorized_key;
  runtime_spec.user_data = spec.user_data;
  runtime_spec.has_gpu = spec.gpu_count > 0;
  if (!spec.snapshot_image_id.empty())
    runtime_spec.base_image_dir = ImageDir(spec.snapshot_image_id);
  runtime_spec.ingress = Rules(spec.ingress);
  InstanceStatus status = GPUBOX_TRY(runtime_->Launch(runtime_spec));
  return status.private_ip;
}

Result<std::string> RuntimeInstanceHost::Start(const LaunchSpec& spec) {
  GPUBOX_TRY_VOID(runtime_->Start(spec.instance_id));
  GPUBOX_TRY_VOID(runtime_->UpdateFirewall(spec.instance_id, Rules(spec.ingress)));
  InstanceStatus status = GPUBOX_TRY(runtime_->Status(spec.instance_id));
  return status.private_ip;
}

Result<std::string> RuntimeInstanceHost::Adopt(const LaunchSpec& spec) {
  InstanceStatus status = GPUBOX_TRY(runtime_->Recover(spec.instance_id, true));
  return status.private_ip;
}

bool RuntimeInstanceHost::IsReady(const std::string& instance_id) {
  auto status = runtime_->Status(instance_id);
  return status && status->state == InstanceState::kRunning;
}

bool RuntimeInstanceHost::PoweredOff(const std::string& instance_id) {
  return runtime_->PoweredOff(instance_id);
}

Result<void> RuntimeInstanceHost::Stop(const std::string& instance_id) {
  return runtime_->Stop(instance_id);
}

Result<void> RuntimeInstanceHost::Terminate(const std::string& instance_id) {
  return runtime_->Terminate(instance_id);
}

Result<void> RuntimeInstanceHost::UpdateFirewall(const std::string& instance_id,
                                                 const std::vector<aws::IpPermission>& ingress) {
  return runtime_->UpdateFirewall(instance_id, Rules(ingress));
}

Result<void> RuntimeInstanceHost::Snapshot(const std::string& instance_id,
                                           const std::string& image_id) {
  return runtime_->SnapshotDisk(instance_id, ImageDir(image_id));
}

Result<void> RuntimeInstanceHost::DeleteSnapshot(const std::string& image_id) {
  return runtime_->DeleteSnapshot(ImageDir(image_id));
}

Result<void> RuntimeInstanceHost::NoticeSpotInterruption(const std::string& instance_id,
                                                         const std::string& action,
                                                         const std::string& time) {
  return runtime_->SetInstanceAction(instance_id, action, time);
}

}  // namespace gpubox::local
