#pragma once
/// The daemon's side of access for ordinary users (issue 15): users and groups resolved on
/// the host, keys from the AccessRegistry, and the well-known place where a granted user
/// finds the cloud and their own key (PublicDir, local_daemon.h):
///   PUBLIC/daemon.json              0644 {"endpoint", "port", "pid", "caller_cidr"} while the
///                                   daemon runs and
///                                   someone is granted
///   PUBLIC/credentials/USER.json    0600, owned by USER: the user's account and key
/// PUBLIC and PUBLIC/credentials are root's (0755 and 0711): a user reads their own file,
/// lists nobody's, and cannot plant links where root writes.

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "gpubox/local/access_registry.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/sys/env.h"

namespace gpubox::local {

class AccessAdmin {
 public:
  /// `registry` and `ec2` must outlive it.
  AccessAdmin(Env& env, AccessRegistry& registry, Ec2Service& ec2, std::string public_dir);

  /// The daemon's endpoint, once bound: published now (and each grant's key) when anyone is
  /// granted.
  Result<void> Publish(const std::string& endpoint, int port, int pid);
  /// The daemon is going: its endpoint is withdrawn; purge: every user's key file too.
  void Withdraw(bool purge);

  /// {"users": [NAME...], "groups": [NAME...]}: every user and group checked first (nothing
  /// granted when one is unknown), then each user granted their own account and each
  /// group's members the group's shared one; each key published for its user. Answers
  /// {"granted": [principal without secret...]}.
  Result<std::string> Grant(std::string_view json);
  /// {"user": NAME}: the key stops working at once, its file is removed, and the instances
  /// the user launched are stopped (disks kept). Answers {"revoked", "stopped_instances"}.
  Result<std::string> Revoke(std::string_view json);
  /// [{"user", "account_id", "access_key_id", "group", "instances"}...] (no secrets).
  nlohmann::json StatusJson();

 private:
  Result<void> PublishKey(const Principal& principal);
  std::string KeyPath(const std::string& user) const;

  Env& env_;
  AccessRegistry& registry_;
  Ec2Service& ec2_;
  const std::string public_dir_;
  std::string endpoint_;
  int port_ = 0;
  int pid_ = 0;
};

}  // namespace gpubox::local
