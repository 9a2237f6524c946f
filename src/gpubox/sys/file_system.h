#pragma once
/// Files as gpubox needs them. Real: real_file_system.h; tests: a fake in memory.

#include <string>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox {

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  /// kNotFound when the file does not exist.
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  /// Writes atomically (temp file + rename) with the given permission bits.
  virtual Result<void> WriteFile(const std::string& path, const std::string& contents,
                                 int mode = 0644) = 0;
  virtual bool Exists(const std::string& path) = 0;
  /// Creates the directory and its parents (like mkdir -p).
  virtual Result<void> MakeDirs(const std::string& path, int mode = 0755) = 0;
  /// Removes a file or an empty directory; succeeds if it is already gone.
  virtual Result<void> Remove(const std::string& path) = 0;
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
};

}  // namespace gpubox
