#include "gpubox/box/setup_script.h"

#include "gpubox/box/jupyter.h"
#include "gpubox/util/strings.h"

namespace gpubox {

extern const char kSetupPreludeScript[];
extern const char kSetupLocalScript[];
extern const char kSetupAwsScript[];
extern const char kSampleNotebook[];
extern const char kBootJupyterScript[];
extern const char kPrepareScript[];
extern const char kClusterScript[];
extern const char kSlurmScript[];
extern const char kAgentScript[];
extern const char kAgentScriptPacked[];
extern const char kAgentInstallScript[];
extern const char kAgentPhaseScript[];
extern const char kNoticeCustomJs[];

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

std::string ExpandingCommandLine(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    if (!line.empty()) line += ' ';
    line += '"';
    for (char c : arg) {
      if (c == '"' || c == '\\' || c == '`') line += '\\';
      line += c;
    }
    line += '"';
  }
  return line;
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
  script += "GPUBOX_AGENT_POLL_S=" + std::to_string(options.agent_poll_s) +
            " GPUBOX_AGENT_WAIT_S=" + std::to_string(options.agent_wait_s) + "\n";
  script += kSetupPreludeScript;
  script += JupyterFunctions();
  script += std::string("gpubox_notice_js() {\n  cat <<'GPUBOX_JS_END'\n") + kNoticeCustomJs +
            "GPUBOX_JS_END\n}\n";
  script += kAgentPhaseScript;
  script += options.target == SetupTarget::kAws ? kSetupAwsScript : kSetupLocalScript;
  return script;
}

std::string BootScript(const std::string& launch, const std::string& agent_conf) {
  return "#!/bin/bash\nGPUBOX_LAUNCH=" + ShellQuote(launch) + "\n" +
         "GPUBOX_AGENT_CONF=" + ShellQuote(agent_conf) + "\n" + kAgentInstallScript +
         "gpubox_install_agent ubuntu <<'GPUBOX_AGENT_END'\n" + kAgentScriptPacked +
         "GPUBOX_AGENT_END\n" + JupyterFunctions() + kBootJupyterScript;
}

std::string PrepareScript(const std::string& launch, std::string_view sample) {
  std::string script = "GPUBOX_LAUNCH=" + ShellQuote(launch) + "\n" + kPrepareScript;
  if (!sample.empty()) {
    script += "cat > ~/notebooks/gpubox-sample.ipynb <<'GPUBOX_SAMPLE_END'\n" +
              std::string(sample) + "\nGPUBOX_SAMPLE_END\n";
  }
  return script + "true\n";
}

std::string ClusterScript(const std::string& cluster, int rank,
                          const std::vector<std::string>& private_ips,
                          const std::vector<std::string>& private_dns_names, int gpus_per_node) {
  return "GPUBOX_CLUSTER=" + ShellQuote(cluster) + " GPUBOX_NODE_RANK=" + std::to_string(rank) +
         " GPUBOX_NODE_IPS=" + ShellQuote(Join(private_ips, ",")) +
         " GPUBOX_NODE_HOSTS=" + ShellQuote(Join(private_dns_names, ",")) +
         " GPUBOX_GPUS_PER_NODE=" + std::to_string(gpus_per_node) + "\n" + kClusterScript;
}

std::string SlurmInstallScript() {
  return std::string("GPUBOX_SLURM_STEP=install\n") + kSlurmScript;
}

std::string SlurmConfigureScript(const SlurmCluster& slurm, int rank) {
  return "GPUBOX_SLURM_STEP=configure GPUBOX_CLUSTER=" + ShellQuote(slurm.cluster) +
         " GPUBOX_NODE_RANK=" + std::to_string(rank) +
         " GPUBOX_NODE_IPS=" + ShellQuote(Join(slurm.private_ips, ",")) +
         " GPUBOX_GPUS_PER_NODE=" + std::to_string(slurm.gpus_per_node) +
         " GPUBOX_SLURM_HW=" + ShellQuote(slurm.hardware) +
         " GPUBOX_SLURM_CONTROLLER=" + ShellQuote(slurm.controller_host) +
         " GPUBOX_MUNGE_KEY=" + ShellQuote(slurm.munge_key) + "\n" + kSlurmScript;
}

std::vector<std::string> SetupPhases(SetupTarget target) {
  if (target == SetupTarget::kAws) {
    return {"driver", "conda", "framework", "d2l", "notebooks", "gpu-check", "agent"};
  }
  return {"driver", "environment", "framework", "notebooks", "gpu-check", "agent"};
}

std::string_view SampleNotebook() { return kSampleNotebook; }

std::string_view AgentScript() { return kAgentScript; }

}  // namespace gpubox
