#include "gpubox/box/setup_script.h"

#include "gpubox/box/jupyter.h"

namespace gpubox {

extern const char kSetupPreludeScript[];
extern const char kSetupLocalScript[];
extern const char kSetupAwsScript[];
extern const char kSampleNotebook[];
extern const char kBootJupyterScript[];
extern const char kPrepareScript[];

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

std::string RemoteCommandLine(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    if (!line.empty()) line += ' ';
    line += ShellQuote(arg);
  }
  return line;
}

std::string SetupScript(const SetupOptions& options) {
  std::string script = "#!/bin/bash\n";
  script += "GPUBOX_FRAMEWORK=" + ShellQuote(options.framework) + "\n";
  script += "GPUBOX_NOTEBOOKS_DIR=" + ShellQuote(options.notebooks_dir) + "\n";
  if (options.target == SetupTarget::kAws) {
    script += "GPUBOX_NOTEBOOKS_URL=" + ShellQuote(options.notebooks_url) + "\n";
  }
  script += "GPUBOX_NET_TRIES=" + std::to_string(options.net_tries) +
            " GPUBOX_NET_BACKOFF_S=" + std::to_string(options.net_backoff_s) +
            " GPUBOX_NET_PROBE_S=" + std::to_string(options.net_probe_s) + "\n";
  script += kSetupPreludeScript;
  script += JupyterFunctions();
  script += options.target == SetupTarget::kAws ? kSetupAwsScript : kSetupLocalScript;
  return script;
}

std::string BootScript(const std::string& launch) {
  return "#!/bin/bash\nGPUBOX_LAUNCH=" + ShellQuote(launch) + "\n" + JupyterFunctions() +
         kBootJupyterScript;
}

std::string PrepareScript(const std::string& launch, std::string_view sample) {
  std::string script = "GPUBOX_LAUNCH=" + ShellQuote(launch) + "\n" + kPrepareScript;
  if (!sample.empty()) {
    script += "cat > ~/notebooks/gpubox-sample.ipynb <<'GPUBOX_SAMPLE_END'\n" +
              std::string(sample) + "\nGPUBOX_SAMPLE_END\n";
  }
  return script + "true\n";
}

std::vector<std::string> SetupPhases(SetupTarget target) {
  if (target == SetupTarget::kAws) {
    return {"driver", "conda", "framework", "d2l", "notebooks", "gpu-check"};
  }
  return {"driver", "environment", "framework", "notebooks", "gpu-check"};
}

std::string_view SampleNotebook() { return kSampleNotebook; }

}  // namespace gpubox
