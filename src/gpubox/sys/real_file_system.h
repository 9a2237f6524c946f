#pragma once
/// FileSystem for real: POSIX calls on the local disk.

#include "gpubox/sys/file_system.h"

namespace gpubox {

class RealFileSystem : public FileSystem {
 public:
  Result<std::string> ReadFile(const std::string& path) override;
  Result<void> WriteFile(const std::string& path, const std::string& contents,
                         int mode = 0644) override;
  bool Exists(const std::string& path) override;
  Result<void> MakeDirs(const std::string& path, int mode = 0755) override;
  Result<void> Remove(const std::string& path) override;
  /// Names (not paths) of the entries, sorted, without "." and "..".
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
};

}  // namespace gpubox
