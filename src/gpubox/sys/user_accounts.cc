#include "gpubox/sys/user_accounts.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace gpubox {
namespace {

constexpr size_t kBufferBytes = 1 << 16;

std::optional<UserAccount> FromPasswd(const passwd* entry) {
  if (entry == nullptr) return std::nullopt;
  return UserAccount{entry->pw_name, entry->pw_uid, entry->pw_gid};
}

}  // namespace

std::optional<UserAccount> LookupUser(const std::string& name) {
  if (name.empty()) return std::nullopt;
  std::vector<char> buffer(kBufferBytes);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0) {
    return std::nullopt;
  }
  return FromPasswd(found);
}

std::optional<UserAccount> CurrentUser() {
  std::vector<char> buffer(kBufferBytes);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found) != 0) {
    return std::nullopt;
  }
  return FromPasswd(found);
}

Result<std::vector<std::string>> GroupMembers(const std::string& group) {
  std::vector<char> buffer(kBufferBytes);
  struct group entry {};
  struct group* found = nullptr;
  if (group.empty() ||
      ::getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr) {
    return Fail(ErrorCode::kNotFound, "this host has no group '" + group + "'",
                "create it with 'groupadd " + group + "' and add users with 'usermod -aG'");
  }
  std::vector<std::string> members;
  for (char** member = found->gr_mem; member != nullptr && *member != nullptr; ++member) {
    members.emplace_back(*member);
  }
  gid_t gid = found->gr_gid;
  // getpwent walks one shared cursor: one walker at a time.
  static std::mutex walk_mutex;
  {
    std::lock_guard lock(walk_mutex);
    ::setpwent();
    while (passwd* user = ::getpwent()) {
      if (user->pw_gid == gid) members.emplace_back(user->pw_name);
    }
    ::endpwent();
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  return members;
}

Result<void> GiveToUser(const std::string& path, uint32_t uid, uint32_t gid) {
  if (::fchownat(AT_FDCWD, path.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
    return Fail(ErrorCode::kEnvironment, "cannot give " + path + " to uid " + std::to_string(uid) +
                                             ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace gpubox
