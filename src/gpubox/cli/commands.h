#pragma once
/// Factories for the commands in the table (one per *_command.cc).

#include <memory>

#include "gpubox/cli/command.h"

namespace gpubox {

std::unique_ptr<Command> MakeOffersCommand();
std::unique_ptr<Command> MakeLocalCommand();

}  // namespace gpubox
