#pragma once
/// Who may use the local cloud besides root, each with an access key of their own (Docker's
/// model: `sudo gpubox local up --allow-user USER` once, then gpubox as that user).
///
/// A principal is a host user with an IAM-like access key. Every key belongs to an account,
/// and the local cloud shows and lets a key touch only its own account's resources
/// (Ec2Service). A user granted alone (--allow-user) gets an account of their own; the
/// members of a group granted with --allow-group share that group's account: sharing is
/// chosen by granting a group. Root uses the cloud's own key (account.json), not one of these.
///
/// Kept in the state directory's access.json (0600). Thread-safe: the API server looks keys
/// up while the admin endpoint grants and revokes; a revoked key is unknown from the next
/// lookup on.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/local/sigv4_verifier.h"
#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace gpubox::local {

struct Principal {
  std::string user;  ///< the host login name
  std::string account_id;
  std::string access_key_id;
  std::string secret_access_key;
  std::string group;  ///< the granted group whose account this is; "" for a user's own
  int64_t granted_at_us = 0;
};

/// A fresh key: "AKIA" + 16 base32 letters, and a 40-letter secret, from secret random bytes.
LocalAccount NewAccessKey(Env& env);
/// A fresh 12-digit account id (no leading zero).
std::string NewAccountId(Env& env);

class AccessRegistry {
 public:
  /// Reads `path` (missing: nobody is granted). kInternal when it is not access.json's form.
  static Result<std::unique_ptr<AccessRegistry>> Load(Env& env, std::string path);

  /// Grants `user` a key in their own account (group "") or in the group's shared one, and
  /// saves. A user granted already keeps their key when the account stays the same; moved to
  /// another account, they get a new key (the old stops). kUsage for "root" or a bad name.
  Result<Principal> Grant(const std::string& user, const std::string& group);
  /// Takes the user's key away (from the next lookup on) and saves; kNotFound when the user
  /// had no access.
  Result<Principal> Revoke(const std::string& user);

  /// The principal holding that access key id; nullopt when unknown or revoked.
  std::optional<Principal> FindByKey(std::string_view access_key_id) const;
  /// Every principal, by user name.
  std::vector<Principal> List() const;
  bool empty() const;

 private:
  AccessRegistry(Env& env, std::string path) : env_(env), path_(std::move(path)) {}
  /// Writes access.json; REQUIRES: mutex_ held.
  Result<void> SaveLocked();

  Env& env_;
  const std::string path_;
  mutable std::mutex mutex_;
  std::map<std::string, Principal> by_user_;                     ///< GUARDED_BY(mutex_)
  std::map<std::string, std::string, std::less<>> user_by_key_;  ///< GUARDED_BY(mutex_)
  std::map<std::string, std::string> group_accounts_;            ///< GUARDED_BY(mutex_)
};

/// A host login name as useradd accepts it: [a-z_][a-z0-9_-]*[$]?, at most 32 characters.
bool IsValidUserName(std::string_view name);

}  // namespace gpubox::local
