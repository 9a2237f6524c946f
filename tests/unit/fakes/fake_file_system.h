#pragma once
// An in-memory FileSystem that records what was written.

#include <map>

#include "gpubox/sys/file_system.h"

namespace gpubox::testing {

class FakeFileSystem : public FileSystem {
 public:
  Result<std::string> ReadFile(const std::string& path) override {
    auto found = files_.find(path);
    if (found == files_.end()) return Fail(ErrorCode::kNotFound, "no such file: " + path);
    return found->second;
  }
  Result<void> WriteFile(const std::string& path, const std::string& contents, int mode) override {
    files_[path] = contents;
    modes_[path] = mode;
    return {};
  }
  bool Exists(const std::string& path) override { return files_.contains(path); }
  Result<void> MakeDirs(const std::string& path, int mode) override { return {}; }
  Result<void> Remove(const std::string& path) override {
    files_.erase(path);
    return {};
  }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    std::vector<std::string> names;
    for (const auto& [name, contents] : files_) {
      if (name.starts_with(path + "/")) names.push_back(name.substr(path.size() + 1));
    }
    return names;
  }

  std::map<std::string, std::string> files_;
  std::map<std::string, int> modes_;
};

}  // namespace gpubox::testing
