#include "gpubox/box/setup_script.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "gpubox/box/agent_settings.h"

namespace gpubox {
namespace {

/// Runs a shell command, returning its exit status and output.
std::pair<int, std::string> Shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  int status = pclose(pipe);
  return {WEXITSTATUS(status), out};
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  std::string path = testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(SetupScriptTest, BothScriptsPassShellcheck) {
  if (Shell("command -v shellcheck").first != 0) GTEST_SKIP() << "shellcheck not installed";
  for (SetupTarget target : {SetupTarget::kAws, SetupTarget::kLocal}) {
    std::string script = SetupScript({target, "mxnet", "/tmp/it's here", ""});
    auto [status, out] = Shell("shellcheck -s bash " + WriteTemp("setup.sh", script));
    EXPECT_EQ(status, 0) << out;
  }
}

TEST(SetupScriptTest, UserDataInstallsTheAgentWithinEc2sSixteenKibAndPassesShellcheck) {
  // With the agent's settings as `up` writes them (idle stop, budget, price).
  std::string user_data =
      BootScript("gpubox-launch-1", AgentConfLines({3600, 300, true, 12.5, 48, 0}, 32.7726));
  EXPECT_LE(user_data.size(), 16384u) << "EC2 refuses larger user data";
  size_t from = user_data.find("gpubox_install_agent ubuntu <<'GPUBOX_AGENT_END'\n");
  ASSERT_NE(from, std::string::npos);
  from = user_data.find('\n', from) + 1;
  std::string packed = user_data.substr(from, user_data.find("GPUBOX_AGENT_END\n", from) - from);
  auto [unpacked_status, unpacked] =
      Shell("base64 -d < " + WriteTemp("agent.b64", packed) + " | gunzip");
  ASSERT_EQ(unpacked_status, 0) << unpacked;
  // The box gets the agent without its comments and docstrings (tools/strip_python.py).
  auto [stripped_status, stripped] =
      Shell("python3 " + std::string(GPUBOX_SOURCE_DIR) + "/tools/strip_python.py " +
            WriteTemp("agent.py", std::string(AgentScript())));
  ASSERT_EQ(stripped_status, 0) << stripped;
  EXPECT_EQ(unpacked, stripped) << "the box gets the agent exactly, stripped";
  EXPECT_NE(unpacked.find("class IdleWatcher"), std::string::npos);
  EXPECT_TRUE(AgentScript().starts_with("#!/usr/bin/python3"));
  if (Shell("command -v shellcheck").first != 0) GTEST_SKIP() << "shellcheck not installed";
  auto [status, out] = Shell("shellcheck -s bash " + WriteTemp("user_data.sh", user_data));
  EXPECT_EQ(status, 0) << out;
}

TEST(SetupScriptTest, AwsScriptHasEveryPhaseAndTheBooksGpuCheck) {
  std::string script = SetupScript({SetupTarget::kAws, "mxnet", "", ""});
  for (const std::string& phase : SetupPhases(SetupTarget::kAws)) {
    EXPECT_NE(script.find("run_phase " + phase + " "), std::string::npos) << phase;
  }
  EXPECT_NE(script.find("np.zeros((1024, 1024), ctx=npx.gpu())"), std::string::npos);
  EXPECT_NE(script.find("GPUBOX_FRAMEWORK='mxnet'"), std::string::npos);
  EXPECT_NE(script.find("MXNet is retired"), std::string::npos);
}

TEST(SetupScriptTest, LocalScriptRunsPhasesOnceAndSkipsThemAfter) {
  std::string home = testing::TempDir() + "gpubox-home-" + std::to_string(getpid());
  std::string script = SetupScript({SetupTarget::kLocal, "pytorch", "", ""});
  // Replace the heavy phases' bodies by running with a python that lacks torch? No: run
  // only the prelude with a tiny body, so the marker logic itself is what is tested.
  std::string prelude_only =
      script.substr(0, script.find("VENV=")) + "one() { echo body-ran; }\nrun_phase one one\n";
  std::string path = WriteTemp("phases.sh", prelude_only);
  auto first = Shell("HOME=" + home + " bash " + path);
  EXPECT_EQ(first.first, 0) << first.second;
  EXPECT_NE(first.second.find("gpubox-phase one start"), std::string::npos);
  EXPECT_NE(first.second.find("body-ran"), std::string::npos);
  EXPECT_NE(first.second.find("gpubox-phase one done"), std::string::npos);
  auto second = Shell("HOME=" + home + " bash " + path);
  EXPECT_NE(second.second.find("gpubox-phase one skip"), std::string::npos);
  EXPECT_EQ(second.second.find("body-ran"), std::string::npos);
  std::ifstream log(home + "/.gpubox/setup.log");
  EXPECT_TRUE(log.good());
  Shell("rm -rf " + home);
}

TEST(SetupScriptTest, AFailingCommandInsideAPhaseFailsIt) {
  std::string home = testing::TempDir() + "gpubox-home-fail-" + std::to_string(getpid());
  std::string script = SetupScript({SetupTarget::kLocal, "pytorch", "", ""});
  std::string prelude_only = script.substr(0, script.find("VENV=")) +
                             "two() { false; echo after-false; }\nrun_phase two two\n";
  auto run = Shell("HOME=" + home + " bash " + WriteTemp("fail.sh", prelude_only));
  EXPECT_NE(run.first, 0);
  EXPECT_NE(run.second.find("gpubox-phase two fail"), std::string::npos) << run.second;
  EXPECT_EQ(run.second.find("after-false"), std::string::npos) << run.second;
  EXPECT_FALSE(std::ifstream(home + "/.gpubox/phases/two").good());
  Shell("rm -rf " + home);
}

TEST(SetupScriptTest, SampleNotebookIsValidJsonWithCode) {
  auto notebook = nlohmann::json::parse(SampleNotebook());
  EXPECT_EQ(notebook["nbformat"], 4);
  EXPECT_GE(notebook["cells"].size(), 2u);
}

TEST(SetupScriptTest, ShellQuoteSurvivesQuotes) {
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  auto [status, out] =
      Shell("bash -c 'printf %s " + std::string("\"$0\"") + "' " + ShellQuote("a b'c"));
  EXPECT_EQ(out, "a b'c");
}

TEST(SetupScriptTest, RemoteCommandLineGivesTheShellExactlyTheArgv) {
  // What `gpubox exec` sends: sh must see these words unchanged, nothing expanded.
  std::vector<std::string> argv = {"printf", "[%s]", "two words", "it's \"quoted\"",
                                   "$HOME",  "a;b",  "*",         "line1\nline2",
                                   "",       "`id`", "\\"};
  std::string expected;
  for (size_t arg_idx = 2; arg_idx < argv.size(); ++arg_idx) expected += "[" + argv[arg_idx] + "]";
  auto [status, out] = Shell("sh -c " + ShellQuote(RemoteCommandLine(argv)));
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(RemoteCommandLine({"python3", "-c", "import torch; print(1)"}),
            "'python3' '-c' 'import torch; print(1)'");
}

/// The prelude of `target`'s script with `body` after it, run in a fresh HOME with `bin`
/// (fake commands) first on PATH.
std::pair<int, std::string> RunPrelude(const std::string& name, const std::string& body,
                                       const std::string& bin) {
  std::string home = testing::TempDir() + "gpubox-home-" + name + "-" + std::to_string(getpid());
  SetupOptions options{SetupTarget::kAws, "pytorch", "", ""};
  options.net_tries = 3;
  options.net_backoff_s = 0;
  std::string script = SetupScript(options);
  std::string prelude = script.substr(0, script.find("CONDA=")) + body;
  auto run =
      Shell("HOME=" + home + " PATH=" + bin + ":$PATH bash " + WriteTemp(name + ".sh", prelude));
  Shell("rm -rf " + home);
  return run;
}

std::string FakeBin(const std::string& name, const std::map<std::string, std::string>& tools) {
  std::string bin = testing::TempDir() + "gpubox-bin-" + name + "-" + std::to_string(getpid());
  Shell("rm -rf " + bin + " && mkdir -p " + bin);
  for (const auto& [tool, text] : tools) {
    std::string path = bin + "/" + tool;
    std::ofstream(path) << "#!/bin/sh\n" << text;
    Shell("chmod +x " + path);
  }
  return bin;
}

TEST(SetupScriptTest, TheCommandThatFailsAPhaseIsNamed) {
  std::string bin =
      FakeBin("named", {{"wget", "echo 'failed: Connection refused.' >&2\nexit 4\n"}});
  auto run = RunPrelude(
      "named", "p() { echo first; wget -nv https://example.com/a; }\nrun_phase p p\n", bin);
  EXPECT_NE(run.first, 0);
  EXPECT_NE(run.second.find("failed: Connection refused.\n"
                            "gpubox-command-failed 4 wget -nv https://example.com/a\n"
                            "gpubox-phase p fail"),
            std::string::npos)
      << run.second;
}

TEST(SetupScriptTest, NetworkCommandsAreRetriedWithBackoffThenSucceed) {
  std::string counter = testing::TempDir() + "gpubox-flaky-" + std::to_string(getpid());
  std::string bin = FakeBin("retry", {{"flaky", "n=$(cat " + counter +
                                                    " 2>/dev/null || echo 0)\n"
                                                    "n=$((n + 1)); echo $n > " +
                                                    counter +
                                                    "\n"
                                                    "[ $n -ge 3 ]\n"}});
  Shell("rm -f " + counter);
  auto run = RunPrelude("retry", "p() { net_retry flaky a; echo after; }\nrun_phase p p\n", bin);
  EXPECT_EQ(run.first, 0) << run.second;
  EXPECT_NE(run.second.find("gpubox-retry 2 3 0 1 flaky a\ngpubox-retry 3 3 0 1 flaky a\nafter\n"
                            "gpubox-phase p done"),
            std::string::npos)
      << run.second;
  // Out of tries: the phase fails naming the command once.
  Shell("rm -f " + counter);
  std::string never = FakeBin("never", {{"flaky", "exit 1\n"}});
  auto failed =
      RunPrelude("never", "p() { net_retry flaky b; echo after; }\nrun_phase p p\n", never);
  EXPECT_NE(failed.first, 0);
  EXPECT_NE(failed.second.find("gpubox-retry 3 3 0 1 flaky b\ngpubox-command-failed 1 flaky b\n"
                               "gpubox-phase p fail"),
            std::string::npos)
      << failed.second;
  EXPECT_EQ(failed.second.find("after"), std::string::npos);
}

TEST(SetupScriptTest, WgetErrorsThatNoRetryMendsAreNotRetried) {
  std::string bin = FakeBin("perm", {{"wget", "exit 5\n"}});  // TLS verification failed
  auto run = RunPrelude("perm", "p() { net_retry wget https://x; }\nrun_phase p p\n", bin);
  EXPECT_EQ(run.second.find("gpubox-retry"), std::string::npos) << run.second;
  EXPECT_NE(run.second.find("gpubox-command-failed 5 wget https://x"), std::string::npos);
}

TEST(SetupScriptTest, ABoxWithNoRouteOffItSaysSoBeforeTryingADownload) {
  // `ip route show default` prints nothing, as on a local instance; wget must not run.
  std::string bin = FakeBin("offline", {{"ip", "exit 0\n"}, {"wget", "echo wget-ran\n"}});
  auto run = RunPrelude(
      "offline", "p() { need_internet repo.example.org; wget https://x; }\nrun_phase p p\n", bin);
  EXPECT_NE(run.first, 0);
  EXPECT_NE(run.second.find("gpubox-offline repo.example.org no route off this box\n"),
            std::string::npos)
      << run.second;
  EXPECT_NE(run.second.find("gpubox-phase p fail"), std::string::npos);
  EXPECT_EQ(run.second.find("wget-ran"), std::string::npos);
}

}  // namespace
}  // namespace gpubox
