#pragma once
/// `ls --all-regions`, for the ls command (inventory_commands.cc; gc is there too).

#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/command.h"

namespace gpubox {

/// Prints every resource gpubox tagged in the session cloud's regions (queried in
/// parallel), with its monthly cost and whether it is an orphan; the time it took on `err`.
Result<int> ListAllRegions(CommandContext& context, CloudSession& session, bool json);

}  // namespace gpubox
