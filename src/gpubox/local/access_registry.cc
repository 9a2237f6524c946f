#include "gpubox/local/access_registry.h"

#include <nlohmann/json.hpp>

#include "gpubox/sys/file_system.h"

namespace gpubox::local {
namespace {

/// `length` letters of `alphabet`, from secret random bytes.
std::string RandomText(Env& env, std::string_view alphabet, size_t length) {
  std::string bytes = env.random->SecretBytes(length);
  std::string text;
  for (char byte : bytes) text += alphabet[static_cast<unsigned char>(byte) % alphabet.size()];
  return text;
}

nlohmann::json ToJson(const Principal& principal) {
  return {{"user", principal.user},
          {"account_id", principal.account_id},
          {"access_key_id", principal.access_key_id},
          {"secret_access_key", principal.secret_access_key},
          {"group", principal.group},
          {"granted_at_us", principal.granted_at_us}};
}

}  // namespace

LocalAccount NewAccessKey(Env& env) {
  return {"", "AKIA" + RandomText(env, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
          RandomText(env, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40)};
}

std::string NewAccountId(Env& env) {
  std::string id = RandomText(env, "0123456789", 12);
  if (id[0] == '0') id[0] = '1';
  return id;
}

bool IsValidUserName(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (size_t index = 0; index < name.size(); ++index) {
    char c = name[index];
    bool letter = (c >= 'a' && c <= 'z') || c == '_';
    bool later = (c >= '0' && c <= '9') || c == '-' || (c >= 'A' && c <= 'Z') || c == '.';
    bool last_dollar = c == '$' && index + 1 == name.size() && index > 0;
    if (!(letter || (index > 0 && later) || last_dollar)) return false;
  }
  return true;
}

Result<std::unique_ptr<AccessRegistry>> AccessRegistry::Load(Env& env, std::string path) {
  std::unique_ptr<AccessRegistry> registry(new AccessRegistry(env, std::move(path)));
  auto text = env.files->ReadFile(registry->path_);
  if (!text) return registry;
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object() || !json.value("principals", nlohmann::json::array()).is_array()) {
    return Fail(ErrorCode::kInternal, registry->path_ + " is not the local cloud's access file",
                "move it away and grant access again with 'gpubox local up --allow-user'");
  }
  for (const auto& entry : json.value("principals", nlohmann::json::array())) {
    Principal principal{entry.value("user", ""),          entry.value("account_id", ""),
                        entry.value("access_key_id", ""), entry.value("secret_access_key", ""),
                        entry.value("group", ""),         entry.value("granted_at_us", int64_t{0})};
    if (principal.user.empty() || principal.access_key_id.empty()) continue;
    registry->user_by_key_[principal.access_key_id] = principal.user;
    registry->by_user_[principal.user] = std::move(principal);
  }
  nlohmann::json groups = json.value("groups", nlohmann::json::object());
  for (const auto& [group, account] : groups.items()) {
    if (account.is_string()) registry->group_accounts_[group] = account.get<std::string>();
  }
  return registry;
}

Result<void> AccessRegistry::SaveLocked() {
  nlohmann::json principals = nlohmann::json::array();
  for (const auto& [user, principal] : by_user_) principals.push_back(ToJson(principal));
  nlohmann::json json = {{"principals", principals}, {"groups", group_accounts_}};
  return env_.files->WriteFile(path_, json.dump(2) + "\n", 0600);
}

Result<Principal> AccessRegistry::Grant(const std::string& user, const std::string& group) {
  if (user == "root") {
    return Fail(ErrorCode::kUsage, "root needs no grant: it uses the local cloud's own key",
                "grant other users with --allow-user USER");
  }
  if (!IsValidUserName(user)) return Fail(ErrorCode::kUsage, "'" + user + "' is no user name");
  std::lock_guard lock(mutex_);
  std::string account;
  if (group.empty()) {
    auto have = by_user_.find(user);
    account = have != by_user_.end() && have->second.group.empty() ? have->second.account_id
                                                                   : NewAccountId(env_);
  } else {
    std::string& shared = group_accounts_[group];
    if (shared.empty()) shared = NewAccountId(env_);
    account = shared;
  }
  auto have = by_user_.find(user);
  if (have != by_user_.end() && have->second.account_id == account) {
    have->second.group = group;
    GPUBOX_TRY_VOID(SaveLocked());
    return have->second;
  }
  if (have != by_user_.end()) user_by_key_.erase(have->second.access_key_id);
  LocalAccount key = NewAccessKey(env_);
  Principal principal{user,
                      account,
                      key.access_key_id,
                      key.secret_access_key,
                      group,
                      env_.clock ? env_.clock->NowMicros() : 0};
  user_by_key_[principal.access_key_id] = user;
  by_user_[user] = principal;
  GPUBOX_TRY_VOID(SaveLocked());
  return principal;
}

Result<Principal> AccessRegistry::Revoke(const std::string& user) {
  std::lock_guard lock(mutex_);
  auto found = by_user_.find(user);
  if (found == by_user_.end()) {
    return Fail(ErrorCode::kNotFound, "'" + user + "' has no access to the local cloud",
                "'gpubox local status' lists who has");
  }
  Principal principal = found->second;
  user_by_key_.erase(principal.access_key_id);
  by_user_.erase(found);
  GPUBOX_TRY_VOID(SaveLocked());
  return principal;
}

std::optional<Principal> AccessRegistry::FindByKey(std::string_view access_key_id) const {
  std::lock_guard lock(mutex_);
  auto user = user_by_key_.find(access_key_id);
  if (user == user_by_key_.end()) return std::nullopt;
  return by_user_.at(user->second);
}

std::vector<Principal> AccessRegistry::List() const {
  std::lock_guard lock(mutex_);
  std::vector<Principal> list;
  for (const auto& [user, principal] : by_user_) list.push_back(principal);
  return list;
}

bool AccessRegistry::empty() const {
  std::lock_guard lock(mutex_);
  return by_user_.empty();
}

}  // namespace gpubox::local
