#include "gpubox/box/jobs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "gpubox/sys/real_file_system.h"
#include "gpubox/sys/real_process_runner.h"
#include "gpubox/util/strings.h"
#include "unit/fakes/fake_clock.h"

namespace gpubox {
namespace {

/// Plays ssh by running the remote command line with sh here, HOME set to a test directory:
/// the C++ side and box/scripts/jobs.sh together, without a box.
class LocalShellRunner : public ProcessRunner {
 public:
  explicit LocalShellRunner(std::string home) : home_(std::move(home)) {}
  Result<ProcessResult> Run(const std::vector<std::string>& argv,
                            const ProcessOptions& options) override {
    ran_.push_back(argv);
    auto dashes = std::find(argv.begin(), argv.end(), "--");
    if (argv[0] != "ssh" || dashes == argv.end()) return real_.Run(argv, options);
    std::string remote = "HOME=" + home_ + "; export HOME; cd \"$HOME\"; " +
                         Join(std::vector<std::string>(dashes + 1, argv.end()), " ");
    return real_.Run({"sh", "-c", remote}, options);
  }
  Result<int> RunAttached(const std::vector<std::string>& argv) override {
    auto run = GPUBOX_TRY(Run(argv, {}));
    attached_out_ += run.out;
    return run.exit_code;
  }

  std::vector<std::vector<std::string>> ran_;
  std::string attached_out_;

 private:
  std::string home_;
  RealProcessRunner real_;
};

class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = std::filesystem::temp_directory_path() /
            ("gpubox-jobs-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(home_);
    runner_ = std::make_unique<LocalShellRunner>(home_.string());
    env_.processes = runner_.get();
    env_.files = &files_;
    env_.clock = &clock_;
  }
  void TearDown() override { std::filesystem::remove_all(home_); }
  std::optional<JobInfo> Find(const std::string& id) {
    auto jobs = ListJobs(env_, target_);
    if (!jobs) return std::nullopt;
    for (const JobInfo& job : *jobs) {
      if (job.id == id) return job;
    }
    return std::nullopt;
  }
  /// Waits (up to 10 s) until the job leaves `state`.
  JobInfo WaitWhile(const std::string& id, const std::string& state) {
    for (int poll_idx = 0; poll_idx < 200; ++poll_idx) {
      auto job = Find(id);
      if (job && job->state != state) return *job;
      usleep(50'000);
    }
    return Find(id).value_or(JobInfo{id, "missing", std::nullopt, "", "", 0});
  }

  Result<int> RunAttachedLog(const std::string& id) {
    runner_->attached_out_.clear();
    return runner_->RunAttached(JobLogCommand(target_, id, false));
  }

  static std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::filesystem::path home_;
  std::unique_ptr<LocalShellRunner> runner_;
  RealFileSystem files_;
  testing::FakeClock clock_;
  Env env_;
  SshTarget target_{"10.0.0.5", "ubuntu", "/k", "/kh", ""};
};

TEST_F(JobsTest, AJobRunsDetachedInItsWorkdirWithItsIdAndCheckpointDir) {
  std::filesystem::create_directories(home_ / "work" / "proj");
  JobSpec job{
      "train-1",
      "work/proj",
      {"sh", "-c", "echo \"id=$GPUBOX_JOB_ID ck=$GPUBOX_CHECKPOINT_DIR pwd=$(pwd)\"; exit 3"}};
  ASSERT_TRUE(StartJob(env_, target_, job));
  JobInfo done = WaitWhile("train-1", "running");
  EXPECT_EQ(done.state, "failed");
  EXPECT_EQ(done.exit_status, 3);
  EXPECT_EQ(done.command,
            "'sh' '-c' 'echo \"id=$GPUBOX_JOB_ID ck=$GPUBOX_CHECKPOINT_DIR pwd=$(pwd)\"; exit 3'");
  EXPECT_TRUE(std::filesystem::is_directory(home_ / ".gpubox/checkpoints/train-1"));
  ASSERT_EQ(*RunAttachedLog(""), 0);
  EXPECT_EQ(runner_->attached_out_, "id=train-1 ck=" + home_.string() +
                                        "/.gpubox/checkpoints/train-1 pwd=" + home_.string() +
                                        "/work/proj\n");
  auto again = StartJob(env_, target_, job);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUsage);
}

TEST_F(JobsTest, CancelSendsSigtermToTheJobThenItIsCancelledWithItsStatus) {
  JobSpec job{"long", "", {"sh", "-c", "trap 'echo checkpointed; exit 143' TERM; sleep 30 & wait"}};
  ASSERT_TRUE(StartJob(env_, target_, job));
  EXPECT_EQ(Find("long")->state, "running");
  auto cancelled = CancelJob(env_, target_, "long", 5);
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->state, "cancelled");
  EXPECT_EQ(cancelled->exit_status, 143);
  ASSERT_EQ(*RunAttachedLog("long"), 0);
  // The shell may report its killed sleep ("Terminated") before or after the handler's line.
  EXPECT_NE(runner_->attached_out_.find("checkpointed\n"), std::string::npos)
      << runner_->attached_out_;
  auto missing = CancelJob(env_, target_, "nope", 1);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

/// The agent's side of jobs.sh (as the agent calls it: the copy `run` left on the box).
int AgentAction(const std::filesystem::path& home, const std::string& action, const std::string& id,
                std::string* out = nullptr) {
  std::string command = "cd " + home.string() + " && HOME=" + home.string() +
                        " GPUBOX_JOB_ACTION=" + action + " GPUBOX_JOB_ID=" + id +
                        " GPUBOX_JOB_REASON=test bash .gpubox/bin/jobs.sh";
  FILE* pipe = popen(command.c_str(), "r");
  char buf[512];
  std::string said;
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) said.append(buf, n);
  if (out) *out = said;
  return WEXITSTATUS(pclose(pipe));
}

TEST_F(JobsTest, InterruptMarksAndSignalsTheJobAndRestartRunsItAgainWithTheSameIds) {
  JobSpec job{"train",
              "",
              {"sh", "-c",
               "echo run $GPUBOX_JOB_ID $(cat $GPUBOX_CHECKPOINT_DIR/ck 2>/dev/null); "
               "trap 'echo saved > $GPUBOX_CHECKPOINT_DIR/ck; exit 143' TERM; sleep 30 & wait"}};
  job.restart = RestartPolicy::kOnFailure;
  ASSERT_TRUE(StartJob(env_, target_, job));
  ASSERT_TRUE(std::filesystem::exists(home_ / ".gpubox/bin/jobs.sh")) << "left for the agent";
  EXPECT_EQ(ReadFile(home_ / ".gpubox/jobs/train/restart"), "on-failure\n");
  usleep(200'000);
  std::string said;
  ASSERT_EQ(AgentAction(home_, "interrupt", "train", &said), 0);
  EXPECT_EQ(said, "gpubox-signalled train\n");
  JobInfo interrupted = WaitWhile("train", "running");
  EXPECT_EQ(interrupted.state, "interrupted");
  EXPECT_EQ(interrupted.exit_status, 143);
  ASSERT_EQ(AgentAction(home_, "restart", "train", &said), 0);
  EXPECT_EQ(said, "gpubox-restarted train 1\n");
  JobInfo again = *Find("train");
  EXPECT_EQ(again.state, "running");
  EXPECT_EQ(again.restarts, 1);
  EXPECT_EQ(again.last_interruption, interrupted.last_interruption);
  EXPECT_FALSE(again.last_interruption.empty()) << "the interruption stays listed";
  EXPECT_FALSE(again.exit_status);
  ASSERT_EQ(AgentAction(home_, "restart", "train", &said), 0);
  EXPECT_EQ(said, "") << "a running job is not started twice";
  ASSERT_TRUE(CancelJob(env_, target_, "train", 5));
  ASSERT_EQ(*RunAttachedLog("train"), 0);
  EXPECT_NE(runner_->attached_out_.find("run train\n"), std::string::npos);
  EXPECT_NE(runner_->attached_out_.find("restart 1 (test)"), std::string::npos);
  EXPECT_NE(runner_->attached_out_.find("run train saved"), std::string::npos)
      << runner_->attached_out_;
}

TEST(JobNamesTest, GeneratedAndChosenNames) {
  EXPECT_EQ(NewJobId(1440938160), "job-20150830-123600");
  EXPECT_TRUE(ValidateJobName("job-20150830-123600"));
  EXPECT_TRUE(ValidateJobName("train_1.v2"));
  for (const char* bad : {"", "-x", ".x", "A", "a b", "a/b", "$(x)"}) {
    EXPECT_FALSE(ValidateJobName(bad)) << bad;
  }
}

TEST(JobListTest, ParsesTabSeparatedRowsAndSkipsOthers) {
  auto jobs = ParseJobList(
      "a\trunning\t-\t2\t2026-01-01T00:00:00Z\t2026-01-01T00:05:00Z\tpython train.py\n"
      "b\tfailed\t2\t0\t2026-01-01T00:00:01Z\t-\tfalse\nnoise\n");
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].state, "running");
  EXPECT_FALSE(jobs[0].exit_status);
  EXPECT_EQ(jobs[0].restarts, 2);
  EXPECT_EQ(jobs[0].last_interruption, "2026-01-01T00:05:00Z");
  EXPECT_EQ(jobs[1].last_interruption, "");
  EXPECT_EQ(jobs[1].exit_status, 2);
  EXPECT_EQ(jobs[1].command, "false");
}

TEST(RestartPolicyTest, NamesRoundTripAndOthersAreUsageErrors) {
  for (RestartPolicy policy :
       {RestartPolicy::kOnInterruption, RestartPolicy::kNever, RestartPolicy::kOnFailure}) {
    EXPECT_EQ(*ParseRestartPolicy(RestartPolicyName(policy)), policy);
  }
  auto bad = ParseRestartPolicy("always");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUsage);
}

}  // namespace
}  // namespace gpubox
