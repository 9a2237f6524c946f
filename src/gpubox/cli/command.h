#pragma once
/// The command table every gpubox command plugs into. A command binds its
/// flags to its own members in Configure(), and Run() does the work once the
/// arguments have parsed.

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace CLI {
class App;
}

namespace gpubox {

struct CommandContext {
  Env& env;
  std::ostream& out;  ///< results (tables, JSON)
  std::ostream& err;  ///< progress and notes
  /// For a command that TakesTrailingArgs(): every argument after the first "--", exactly
  /// as given (the argument parser never sees them, so nothing is split or rewritten).
  std::vector<std::string> trailing_args;
};

class Command {
 public:
  virtual ~Command() = default;
  virtual const char* name() const = 0;
  /// One line for `gpubox --help`.
  virtual const char* summary() const = 0;
  /// Adds this command's flags and arguments to its subcommand.
  virtual void Configure(CLI::App& app) = 0;
  /// Runs after parsing. Returns the exit status, or an Error that the frame
  /// prints as `gpubox: error: ...` and maps to its exit status.
  virtual Result<int> Run(CommandContext& context) = 0;
  /// True for a command whose arguments after "--" are a command line of their own
  /// (exec, ssh): they reach Run() untouched in CommandContext::trailing_args.
  virtual bool TakesTrailingArgs() const { return false; }
};

/// Every command, in the order `gpubox --help` lists them.
std::vector<std::unique_ptr<Command>> MakeCommands();

/// Parses argv, runs the chosen command, prints errors; returns the exit status.
int RunCli(int argc, const char* const* argv, Env& env, std::ostream& out, std::ostream& err);

}  // namespace gpubox
