// Several gpubox processes on one state database at once (a user with several terminals):
// real processes, real SQLite, a brand-new file opened by all of them together. Every write
// lands, nothing reports "database is locked".

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "gpubox/state/box_store.h"

namespace gpubox {
namespace {

constexpr int kProcesses = 8;
constexpr int kRounds = 60;

/// What one process does: open the shared store, then save its box, add events and an
/// attempt, read its box back and list all, round after round. 0 when all of it worked.
int OneProcess(const std::string& path, int process_idx) {
  auto store = BoxStore::Open(path);
  if (!store) return 10;
  BoxRecord box;
  box.name = "box" + std::to_string(process_idx);
  box.cloud = "local";
  for (int round = 0; round < kRounds; ++round) {
    box.instance_id = "i-" + std::to_string(round);
    if (!(*store)->Save(box)) return 11;
    if (!(*store)->AddEvent({round, box.name, "step", "round " + std::to_string(round)})) {
      return 12;
    }
    if (!(*store)->AddAttempt(
            {box.name, round, "g4dn.xlarge", "us-east-1", "", "on-demand", 0.5, "launched", ""})) {
      return 13;
    }
    auto loaded = (*store)->Load(box.name);
    if (!loaded || loaded->instance_id != box.instance_id) return 14;
    if (!(*store)->List()) return 15;
  }
  return 0;
}

TEST(BoxStoreProcessesTest, EightProcessesWriteOneNewDatabaseSideBySide) {
  auto dir = std::filesystem::temp_directory_path() /
             ("gpubox-store-processes-" + std::to_string(::getpid()));
  std::string path = (dir / "gpubox.db").string();
  std::vector<pid_t> children;
  for (int process_idx = 0; process_idx < kProcesses; ++process_idx) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(OneProcess(path, process_idx));
    children.push_back(pid);
  }
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a process failed a store call (see OneProcess)";
  }
  auto store = BoxStore::Open(path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->List()->size(), static_cast<size_t>(kProcesses));
  EXPECT_EQ((*store)->Events("")->size(), static_cast<size_t>(kProcesses * kRounds));
  EXPECT_EQ((*store)->Attempts("box3")->size(), static_cast<size_t>(kRounds));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gpubox
