#include "gpubox/sys/real_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace gpubox {
namespace {

std::unexpected<Error> SystemError(const std::string& what, const std::string& path) {
  ErrorCode code = errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kEnvironment;
  return Fail(code, what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::string> RealFileSystem::ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SystemError("cannot read", path);
  std::string contents;
  char buffer[65536];
  while (true) {
    ssize_t got = read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      auto error = SystemError("cannot read", path);
      close(fd);
      return error;
    }
    if (got == 0) break;
    contents.append(buffer, static_cast<size_t>(got));
  }
  close(fd);
  return contents;
}

Result<void> RealFileSystem::WriteFile(const std::string& path, const std::string& contents,
                                       int mode) {
  std::string temp = path + ".tmp." + std::to_string(getpid());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return SystemError("cannot write", path);
  fchmod(fd, static_cast<mode_t>(mode));  // not narrowed by the umask
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t put = write(fd, contents.data() + written, contents.size() - written);
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) {
      auto error = SystemError("cannot write", path);
      close(fd);
      unlink(temp.c_str());
      return error;
    }
    written += static_cast<size_t>(put);
  }
  if (close(fd) != 0 || rename(temp.c_str(), path.c_str()) != 0) {
    auto error = SystemError("cannot write", path);
    unlink(temp.c_str());
    return error;
  }
  return {};
}

bool RealFileSystem::Exists(const std::string& path) {
  struct stat info;
  return lstat(path.c_str(), &info) == 0;
}

Result<void> RealFileSystem::MakeDirs(const std::string& path, int mode) {
  if (path.empty()) return {};
  size_t slash = 0;
  while (true) {
    slash = path.find('/', slash + 1);
    std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 &&
        errno != EEXIST) {
      return SystemError("cannot create directory", prefix);
    }
    if (slash == std::string::npos) break;
  }
  struct stat info;
  if (stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    errno = ENOTDIR;
    return SystemError("cannot create directory", path);
  }
  return {};
}

Result<void> RealFileSystem::Remove(const std::string& path) {
  if (unlink(path.c_str()) == 0 || errno == ENOENT) return {};
  if (errno == EISDIR || errno == EPERM) {
    if (rmdir(path.c_str()) == 0 || errno == ENOENT) return {};
  }
  return SystemError("cannot remove", path);
}

Result<std::vector<std::string>> RealFileSystem::ListDir(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return SystemError("cannot list", path);
  std::vector<std::string> names;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace gpubox
