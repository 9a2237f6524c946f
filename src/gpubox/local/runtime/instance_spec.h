#pragma once
/// What the instance runtime needs to know about an instance: the launch spec
/// the API server hands it, and the status it reports back.

#include <string>
#include <vector>

namespace gpubox::local {

/// One security-group ingress permission, already resolved to CIDRs (a rule
/// that names another group is expanded by the caller into its members' IPs).
struct IngressRule {
  std::string protocol = "tcp";    ///< "tcp", "udp", "icmp", "-1" (all), or an IANA number
  int from_port = -1;              ///< tcp/udp: first port; icmp: type; -1: any
  int to_port = -1;                ///< tcp/udp: last port; icmp: code; -1: any
  std::vector<std::string> cidrs;  ///< IPv4 ("10.0.0.0/8") or IPv6 ("::/0") sources
};

struct InstanceSpec {
  std::string instance_id;  ///< [a-z0-9-] only, e.g. "i-0123456789abcdef0"
  std::string instance_type = "t3.micro";
  std::string image_id;  ///< served by IMDS as ami-id
  std::string region = "us-east-1";
  std::string availability_zone = "us-east-1a";
  std::string private_ip;       ///< empty: the runtime picks a free address of its subnet
  std::string key_name;         ///< served by IMDS under public-keys/0
  std::string authorized_keys;  ///< OpenSSH public key line(s) for user ubuntu
  std::string user_data;        ///< decoded; run once as root at first boot if it starts with "#!"
  bool has_gpu = false;         ///< the type has GPUs: the host's /dev/nvidia* are passed in
  std::string base_image_dir;   ///< empty: a fresh disk; else a SnapshotDisk() directory
  std::vector<IngressRule> ingress;
};

enum class InstanceState {
  kStopped,   ///< no process; the disk is kept
  kStarting,  ///< processes up, sshd not answering yet (EC2 "pending")
  kRunning,   ///< sshd answers on port 22
};

const char* InstanceStateName(InstanceState state);

struct InstanceStatus {
  InstanceState state = InstanceState::kStopped;
  std::string private_ip;
  std::string hostname;  ///< "ip-10-213-0-5"
  int init_pid = 0;      ///< host pid of the instance's keeper process; 0 when stopped
};

}  // namespace gpubox::local
