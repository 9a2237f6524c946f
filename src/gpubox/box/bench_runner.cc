#include "gpubox/box/bench_runner.h"

#include <ostream>

#include "gpubox/box/setup_script.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {

extern const char kBenchScript[];
extern const char kBenchRunScript[];

namespace {
constexpr std::string_view kJsonMarker = "gpubox-bench-json";
}  // namespace

std::string BenchSessionScript(const BenchOptions& options) {
  std::string args;
  if (options.quick) args += "--quick";
  if (options.workers > 0)
    args += (args.empty() ? "" : " ") + ("--workers " + std::to_string(options.workers));
  return "mkdir -p ~/.gpubox\ncat > ~/.gpubox/bench.py <<'GPUBOX_BENCH_END'\n" +
         std::string(kBenchScript) + "\nGPUBOX_BENCH_END\nGPUBOX_BENCH_ARGS=" + ShellQuote(args) +
         "\n" + kBenchRunScript;
}

Result<std::string> RunBenchOnBox(Env& env, const SshTarget& target, const std::string& box,
                                  const BenchOptions& options, std::ostream& progress) {
  bool in_json = false;
  std::string json, last_line;
  auto run = GPUBOX_TRY(env.processes->Run(SshCommand(target, {"bash", "-s"}),
                                           {.stdin_text = BenchSessionScript(options),
                                            .timeout_ms = options.timeout_ms,
                                            .on_stdout_line =
                                                [&](std::string_view line) {
                                                  if (in_json) {
                                                    json.append(line).push_back('\n');
                                                  } else if (line == kJsonMarker) {
                                                    in_json = true;
                                                  } else if (!Trim(line).empty()) {
                                                    last_line = std::string(line);
                                                    if (line.starts_with("bench: "))
                                                      progress << "gpubox: " << line << '\n'
                                                               << std::flush;
                                                  }
                                                },
                                            .cancel = options.cancel}));
  if (options.cancel != nullptr && options.cancel->load()) {
    return Fail(ErrorCode::kInterrupted, "bench on " + box + " interrupted");
  }
  if (run.exit_code != 0 || !in_json) {
    std::string why = last_line.empty() ? std::string(Trim(run.err)) : last_line;
    return Fail(ErrorCode::kCloud,
                "bench failed on " + box + " (exit " + std::to_string(run.exit_code) + "): " + why,
                "run it by hand: gpubox ssh " + box + " -- python3 ~/.gpubox/bench.py --quick");
  }
  return json;
}

}  // namespace gpubox
