#pragma once
/// Factories for the commands in the table (one per *_command.cc).

#include <memory>
#include <vector>

#include "gpubox/cli/command.h"

namespace gpubox {

std::unique_ptr<Command> MakeOffersCommand();
std::unique_ptr<Command> MakeLocalCommand();
std::unique_ptr<Command> MakeUpCommand();
std::unique_ptr<Command> MakeQuotaCommand();
/// logs NAME [JOB] [-f] | --setup.
std::unique_ptr<Command> MakeLogsCommand();
/// run, jobs, cancel.
std::vector<std::unique_ptr<Command>> MakeJobCommands();
std::unique_ptr<Command> MakeBenchCommand();
/// idle NAME [DURATION|off].
std::unique_ptr<Command> MakeIdleCommand();
/// recover NAME.
std::unique_ptr<Command> MakeRecoverCommand();
/// ls, stop, start, down, image, images, events.
std::vector<std::unique_ptr<Command>> MakeBoxCommands();
/// gc [--yes]: the orphans of every region deleted (inventory_commands.cc).
std::unique_ptr<Command> MakeGcCommand();
/// cost [--json].
std::unique_ptr<Command> MakeCostCommand();
/// ssh, exec, jupyter.
std::vector<std::unique_ptr<Command>> MakeAccessCommands();

}  // namespace gpubox
