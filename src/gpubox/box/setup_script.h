#pragma once
/// The setup a box runs after launch, as one bash script: the phase prelude
/// (markers, progress lines, a log on the box) and the body for its cloud.

#include <string>
#include <string_view>
#include <vector>

namespace gpubox {

enum class SetupTarget { kLocal, kAws };

struct SetupOptions {
  SetupTarget target = SetupTarget::kLocal;
  std::string framework = "pytorch";  ///< pytorch, mxnet, tensorflow or jax
  std::string notebooks_dir;          ///< on the box, where uploaded notebooks are; may be empty
  std::string notebooks_url;          ///< AWS only: a zip to fetch instead of the book's
};

/// The whole script, starting with "#!/bin/bash"; values are shell-quoted.
std::string SetupScript(const SetupOptions& options);

/// The phase names of a target's script, in order.
std::vector<std::string> SetupPhases(SetupTarget target);

/// The sample notebook (JSON) the local cloud's boxes get.
std::string_view SampleNotebook();

/// Quotes a value for bash: 'it'\''s'.
std::string ShellQuote(std::string_view value);

}  // namespace gpubox
