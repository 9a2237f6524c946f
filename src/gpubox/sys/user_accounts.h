#pragma once
/// The host's user accounts as the local cloud's access grants need them: who a user or a
/// group is, who runs this process, and giving a file to a user. Real calls (getpwnam_r,
/// getgrnam_r, chown); sys/ is where they live.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox {

struct UserAccount {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;  ///< the primary group
};

/// The user of that login name; nullopt when the host has none.
std::optional<UserAccount> LookupUser(const std::string& name);

/// The user this process runs as (effective uid); nullopt when the uid has no name.
std::optional<UserAccount> CurrentUser();

/// The login names in a group: its listed members and the users whose primary group it is,
/// sorted, without repeats. kNotFound when the host has no such group.
Result<std::vector<std::string>> GroupMembers(const std::string& group);

/// chown(path, uid, gid) without following a final symlink; kEnvironment on failure.
Result<void> GiveToUser(const std::string& path, uint32_t uid, uint32_t gid);

}  // namespace gpubox
