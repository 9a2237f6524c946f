#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "gpubox/cli/command.h"
#include "gpubox/cli/commands.h"
#include "gpubox/version.h"

namespace gpubox {

std::vector<std::unique_ptr<Command>> MakeCommands() {
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(MakeOffersCommand());
  commands.push_back(MakeQuotaCommand());
  commands.push_back(MakeUpCommand());
  for (auto& command : MakeAccessCommands()) commands.push_back(std::move(command));
  for (auto& command : MakeBoxCommands()) commands.push_back(std::move(command));
  commands.push_back(MakeIdleCommand());
  commands.push_back(MakeCostCommand());
  commands.push_back(MakeGcCommand());
  commands.push_back(MakeRecoverCommand());
  for (auto& command : MakeJobCommands()) commands.push_back(std::move(command));
  commands.push_back(MakeLogsCommand());
  commands.push_back(MakeBenchCommand());
  commands.push_back(MakeLocalCommand());
  return commands;
}

namespace {

void PrintError(std::ostream& err, const Error& error) {
  err << "gpubox: error: " << error.message;
  if (!error.hint.empty()) err << "; hint: " << error.hint;
  err << '\n';
}

/// CLI11's messages, reworded into one gpubox error line.
Error UsageError(const CLI::ParseError& parse_error) {
  std::string message = parse_error.what();
  if (!message.empty() && message.back() == '\n') message.pop_back();
  return Error{ErrorCode::kUsage, message, "see 'gpubox --help' or 'gpubox help COMMAND'"};
}

}  // namespace

int RunCli(int argc, const char* const* argv, Env& env, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "gpubox: a working GPU machine in the cloud in one command, cheap, and gone when "
      "you are done.",
      "gpubox"};
  app.set_version_flag("--version", std::string("gpubox ") + kVersion);
  app.require_subcommand(1);
  app.footer(
      "Run 'gpubox help COMMAND' for a command's flags. Exit codes: 0 ok, 1 internal, "
      "2 usage, 3 not found, 4 cloud error, 5 no capacity/quota, 6 credentials, "
      "7 host environment, 8 network, 130 interrupted.");
  auto commands = MakeCommands();
  Command* chosen = nullptr;
  for (auto& command : commands) {
    CLI::App* sub = app.add_subcommand(command->name(), command->summary());
    command->Configure(*sub);
    sub->callback([&chosen, raw = command.get()] { chosen = raw; });
  }
  std::string help_topic;
  CLI::App* help = app.add_subcommand("help", "show help for gpubox or one command");
  help->add_option("command", help_topic, "the command to describe");

  // A command that takes a command line of its own gets what follows "--" as it is.
  int parsed_end = argc;
  std::vector<std::string> trailing_args;
  if (argc > 1) {
    for (auto& command : commands) {
      if (command->name() != std::string_view(argv[1]) || !command->TakesTrailingArgs()) continue;
      for (int arg_idx = 2; arg_idx < argc; ++arg_idx) {
        if (std::string_view(argv[arg_idx]) != "--") continue;
        parsed_end = arg_idx;
        trailing_args.assign(argv + arg_idx + 1, argv + argc);
        break;
      }
    }
  }
  std::vector<std::string> args;
  for (int arg_idx = parsed_end - 1; arg_idx >= 1; --arg_idx) args.emplace_back(argv[arg_idx]);
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion&) {
    out << "gpubox " << kVersion << '\n';
    return 0;
  } catch (const CLI::RequiredError& parse_error) {
    if (argc <= 1) {
      out << app.help();
      return 2;
    }
    PrintError(err, UsageError(parse_error));
    return 2;
  } catch (const CLI::ParseError& parse_error) {
    PrintError(err, UsageError(parse_error));
    return 2;
  }
  if (help->parsed()) {
    if (help_topic.empty()) {
      out << app.help();
      return 0;
    }
    for (CLI::App* sub : app.get_subcommands({})) {
      if (sub->get_name() == help_topic) {
        out << sub->help();
        return 0;
      }
    }
    PrintError(err, Error{ErrorCode::kUsage, "no command '" + help_topic + "'",
                          "run 'gpubox --help' for the list"});
    return 2;
  }
  if (chosen == nullptr) return 2;
  CommandContext context{env, out, err, std::move(trailing_args)};
  Result<int> status = chosen->Run(context);
  if (!status) {
    PrintError(err, status.error());
    return ExitCodeFor(status.error().code);
  }
  return *status;
}

}  // namespace gpubox
