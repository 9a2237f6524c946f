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
  /// Network commands (downloads, package indexes, pip) are tried this many times in all,
  /// waiting net_backoff_s seconds before the second try, twice that before the third...
  int net_tries = 4;
  int net_backoff_s = 5;
  int net_probe_s = 10;    ///< how long a check that the box reaches a host may take
  int agent_poll_s = 5;    ///< how often the on-box agent polls IMDS and checks jobs
  int agent_wait_s = 120;  ///< how long the agent phase waits for the agent to run
};

/// The whole script, starting with "#!/bin/bash"; values are shell-quoted.
std::string SetupScript(const SetupOptions& options);

/// The phase names of a target's script, in order.
std::vector<std::string> SetupPhases(SetupTarget target);

/// The user data of a launch, run as root at the instance's first boot: installs and starts
/// the on-box agent (agent_install.sh, agent.py), then (boot_jupyter.sh) a box whose image
/// holds the notebook environment starts Jupyter with a token of its own. `launch` marks the
/// launch (its ClientToken); `agent_conf` (agent.conf lines, AgentConfLines) is merged into
/// the box user's ~/.gpubox/agent.conf before the agent starts. At most 16 KiB, EC2's limit.
std::string BootScript(const std::string& launch, const std::string& agent_conf = "");

/// The first SSH session on a new box (prepare.sh, for bash -s): the Jupyter token made
/// this launch's own, the sample notebook written when `sample` is not empty, and one line
/// "gpubox-phase-done NAME" per setup phase the disk already holds.
std::string PrepareScript(const std::string& launch, std::string_view sample);
/// The script (bash -s, as the box user) that wires node `rank` of a cluster: /etc/hosts,
/// ~/.gpubox/cluster.env (scripts/cluster.sh). `private_ips`, `private_dns_names`: every
/// node's, node 0 first.
std::string ClusterScript(const std::string& cluster, int rank,
                          const std::vector<std::string>& private_ips,
                          const std::vector<std::string>& private_dns_names, int gpus_per_node);

/// What Slurm's configure step writes on every node of a cluster (scripts/slurm.sh): the same
/// slurm.conf everywhere.
struct SlurmCluster {
  std::string cluster;
  std::vector<std::string> private_ips;  ///< node 0 first
  std::string hardware;                  ///< node 0's "CPUs=.. ... RealMemory=.." (install step)
  std::string controller_host;           ///< node 0's host name (slurmctld runs there)
  int gpus_per_node = 0;                 ///< GRES gpu:G; 0 for none
  std::string munge_key;                 ///< the cluster's one munge key (hex); a secret
};
/// Slurm's install step (bash -s, as the box user): slurm-wlm and munge unless installed;
/// prints "gpubox-slurm-hw ...", "gpubox-slurm-host HOST", "gpubox-slurm-gpus G".
std::string SlurmInstallScript();
/// Slurm's configure step for node `rank`: munge key, slurm.conf, daemons started now and at
/// every boot; prints "gpubox-slurm-configured NAME-I".
std::string SlurmConfigureScript(const SlurmCluster& slurm, int rank);

/// The on-box agent (agent.py) as it is installed; the user data carries it packed.
std::string_view AgentScript();

/// The sample notebook (JSON) the local cloud's boxes get.
std::string_view SampleNotebook();

/// Quotes a value for bash: 'it'\''s'.
std::string ShellQuote(std::string_view value);

/// One command line for a remote shell that runs exactly `argv`: every argument quoted
/// (spaces, quotes, $, ;, globs and newlines reach the program as they are).
std::string RemoteCommandLine(const std::vector<std::string>& argv);
/// Like RemoteCommandLine, but each argument in double quotes: the remote shell expands
/// `$VAR`, `${VAR}` (and `$(...)`) in it, nothing else (`run --all-nodes`: each node's own
/// GPUBOX_NODE_RANK, GPUBOX_MASTER_ADDR, ...).
std::string ExpandingCommandLine(const std::vector<std::string>& argv);

}  // namespace gpubox
