#include "gpubox/local/access_admin.h"

#include <nlohmann/json.hpp>

#include "gpubox/local/local_daemon.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/user_accounts.h"

namespace gpubox::local {
namespace {

nlohmann::json PublicView(const Principal& principal) {
  return {{"user", principal.user},
          {"account_id", principal.account_id},
          {"access_key_id", principal.access_key_id},
          {"group", principal.group}};
}

Result<std::vector<std::string>> Names(const nlohmann::json& input, const char* member) {
  std::vector<std::string> names;
  if (!input.contains(member)) return names;
  if (!input[member].is_array()) return Fail(ErrorCode::kUsage, std::string(member) + ": a list");
  for (const auto& name : input[member]) {
    if (!name.is_string()) return Fail(ErrorCode::kUsage, std::string(member) + ": names");
    names.push_back(name.get<std::string>());
  }
  return names;
}

}  // namespace

AccessAdmin::AccessAdmin(Env& env, AccessRegistry& registry, Ec2Service& ec2,
                         std::string public_dir)
    : env_(env), registry_(registry), ec2_(ec2), public_dir_(std::move(public_dir)) {}

std::string AccessAdmin::KeyPath(const std::string& user) const {
  return public_dir_ + "/credentials/" + user + ".json";
}

Result<void> AccessAdmin::PublishKey(const Principal& principal) {
  auto user = LookupUser(principal.user);
  if (!user) {
    return Fail(
        ErrorCode::kNotFound, "this host has no user '" + principal.user + "'",
        "create it first (useradd), or revoke it: 'gpubox local revoke " + principal.user + "'");
  }
  GPUBOX_TRY_VOID(env_.files->MakeDirs(public_dir_ + "/credentials", 0711));
  nlohmann::json key = {{"user", principal.user},
                        {"account_id", principal.account_id},
                        {"access_key_id", principal.access_key_id},
                        {"secret_access_key", principal.secret_access_key},
                        {"endpoint", endpoint_}};
  std::string path = KeyPath(principal.user);
  GPUBOX_TRY_VOID(env_.files->WriteFile(path, key.dump(2) + "\n", 0600));
  return GiveToUser(path, user->uid, user->gid);
}

Result<void> AccessAdmin::Publish(const std::string& endpoint, int port, int pid) {
  endpoint_ = endpoint;
  port_ = port;
  pid_ = pid;
  if (registry_.empty()) return {};
  GPUBOX_TRY_VOID(env_.files->MakeDirs(public_dir_, 0755));
  // The bridge address too: where users' SSH into the boxes comes from.
  std::string caller_cidr = GPUBOX_TRY(HostBridgeCidr(env_));
  nlohmann::json info = {
      {"endpoint", endpoint_}, {"port", port_}, {"pid", pid_}, {"caller_cidr", caller_cidr}};
  GPUBOX_TRY_VOID(env_.files->WriteFile(public_dir_ + "/daemon.json", info.dump() + "\n", 0644));
  for (const Principal& principal : registry_.List()) {
    // A user deleted since the grant has no file to get; the others still get theirs.
    (void)PublishKey(principal);
  }
  return {};
}

void AccessAdmin::Withdraw(bool purge) {
  (void)env_.files->Remove(public_dir_ + "/daemon.json");
  if (!purge) return;
  for (const Principal& principal : registry_.List()) {
    (void)env_.files->Remove(KeyPath(principal.user));
  }
}

Result<std::string> AccessAdmin::Grant(std::string_view json) {
  auto input = nlohmann::json::parse(json, nullptr, false);
  if (!input.is_object()) return Fail(ErrorCode::kUsage, "grant: not a JSON object");
  std::vector<std::string> users = GPUBOX_TRY(Names(input, "users"));
  std::vector<std::string> groups = GPUBOX_TRY(Names(input, "groups"));
  // Everything resolved before anything is granted.
  std::vector<std::pair<std::string, std::string>> grants;  // user, group
  for (const std::string& user : users) {
    if (!IsValidUserName(user) || !LookupUser(user)) {
      return Fail(ErrorCode::kNotFound, "this host has no user '" + user + "'",
                  "create the account first (useradd), then grant it");
    }
    if (user == "root") {
      return Fail(ErrorCode::kUsage, "root needs no grant: it uses the local cloud's own key",
                  "grant other users with --allow-user USER");
    }
    grants.emplace_back(user, "");
  }
  for (const std::string& group : groups) {
    std::vector<std::string> members = GPUBOX_TRY(GroupMembers(group));
    for (const std::string& member : members) {
      if (member != "root") grants.emplace_back(member, group);
    }
  }
  nlohmann::json granted = nlohmann::json::array();
  for (const auto& [user, group] : grants) {
    Principal principal = GPUBOX_TRY(registry_.Grant(user, group));
    granted.push_back(PublicView(principal));
  }
  GPUBOX_TRY_VOID(Publish(endpoint_, port_, pid_));
  return nlohmann::json{{"granted", granted}}.dump();
}

Result<std::string> AccessAdmin::Revoke(std::string_view json) {
  auto input = nlohmann::json::parse(json, nullptr, false);
  std::string user = input.is_object() ? input.value("user", "") : "";
  if (user.empty()) return Fail(ErrorCode::kUsage, "revoke: which user?");
  Principal principal = GPUBOX_TRY(registry_.Revoke(user));
  (void)env_.files->Remove(KeyPath(user));
  int stopped = ec2_.StopInstancesLaunchedBy(user);
  if (registry_.empty()) (void)env_.files->Remove(public_dir_ + "/daemon.json");
  return nlohmann::json{{"revoked", PublicView(principal)}, {"stopped_instances", stopped}}.dump();
}

nlohmann::json AccessAdmin::StatusJson() {
  std::map<std::string, int> instances = ec2_.LiveInstancesByPrincipal();
  nlohmann::json list = nlohmann::json::array();
  for (const Principal& principal : registry_.List()) {
    nlohmann::json entry = PublicView(principal);
    entry["instances"] = instances.count(principal.user) ? instances[principal.user] : 0;
    list.push_back(entry);
  }
  return list;
}

}  // namespace gpubox::local
