#include "gpubox/box/setup_script.h"

#include "gpubox/box/jupyter.h"

namespace gpubox {

extern const char kSetupPreludeScript[];
extern const char kSetupLocalScript[];
extern const char kSetupAwsScript[];
extern const char kSampleNotebook[];

std::string ShellQuote(std::string_view value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string SetupScript(const SetupOptions& options) {
  std::string script = "#!/bin/bash\n";
  script += "GPUBOX_FRAMEWORK=" + ShellQuote(options.framework) + "\n";
  script += "GPUBOX_NOTEBOOKS_DIR=" + ShellQuote(options.notebooks_dir) + "\n";
  if (options.target == SetupTarget::kAws) {
    script += "GPUBOX_NOTEBOOKS_URL=" + ShellQuote(options.notebooks_url) + "\n";
  }
  script += kSetupPreludeScript;
  script += JupyterFunctions();
  script += options.target == SetupTarget::kAws ? kSetupAwsScript : kSetupLocalScript;
  return script;
}

std::vector<std::string> SetupPhases(SetupTarget target) {
  if (target == SetupTarget::kAws) {
    return {"driver", "conda", "framework", "d2l", "notebooks", "gpu-check"};
  }
  return {"driver", "environment", "framework", "notebooks", "gpu-check"};
}

std::string_view SampleNotebook() { return kSampleNotebook; }

}  // namespace gpubox
