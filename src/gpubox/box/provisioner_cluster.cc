// Provisioner: the nodes of a cluster (`up NAME --nodes N`). Node 0 is the box NAME, node i
// the box NAME-i; every node's instance carries the tag gpubox:box=NAME, so the failed up's
// clean-up, `down` and `gc` find them all.

#include <algorithm>
#include <ostream>

#include "gpubox/box/provisioner.h"
#include "gpubox/box/setup_script.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {

std::string ClusterPlacementGroup(const std::string& cluster) { return "gpubox-" + cluster; }

std::string NodeName(const std::string& cluster, int node) {
  return node == 0 ? cluster : cluster + "-" + std::to_string(node);
}

Result<std::vector<BoxRecord>> ClusterNodes(BoxStore& store, const BoxRecord& box) {
  if (box.cluster.empty()) return std::vector<BoxRecord>{box};
  std::vector<BoxRecord> nodes;
  for (int node = 0; node < box.nodes; ++node) {
    std::string name = NodeName(box.cluster, node);
    if (name == box.name) {
      nodes.push_back(box);
      continue;
    }
    // A node an interrupted up did not record yet, or an interrupted down deleted already.
    auto record = store.Load(name);
    if (!record && record.error().code == ErrorCode::kNotFound) continue;
    nodes.push_back(GPUBOX_TRY(std::move(record)));
  }
  return nodes;
}

Result<void> RefuseClusterNode(const BoxRecord& box, const std::string& what) {
  if (!box.IsNodeOfCluster()) return {};
  return Fail(ErrorCode::kUsage,
              "box '" + box.name + "' is node " + std::to_string(box.node) + " of cluster '" +
                  box.cluster + "'",
              "'gpubox " + what + " " + box.cluster + "' acts on the whole cluster");
}

Result<BoxRecord> Provisioner::WaitForNodes(BoxRecord box,
                                            const std::vector<aws::Instance>& instances,
                                            const UpOptions& options) {
  if (box.nodes <= 1) return WaitUntilReady(std::move(box), options);
  std::vector<BoxRecord> others;
  for (int node = 1; node < box.nodes; ++node) {
    BoxRecord record = box;
    record.name = NodeName(box.name, node);
    record.node = node;
    record.instance_id = instances[node].instance_id;
    record.public_ip.clear();
    GPUBOX_TRY_VOID(store_.Save(record));
    others.push_back(std::move(record));
  }
  box = GPUBOX_TRY(WaitUntilReady(std::move(box), options));
  for (BoxRecord& node : others) GPUBOX_TRY_VOID(WaitUntilReady(node, options));
  return box;
}

Result<std::vector<std::string>> Provisioner::WireCluster(const std::vector<BoxRecord>& nodes) {
  std::vector<std::string> ids;
  for (const BoxRecord& node : nodes) ids.push_back(node.instance_id);
  auto instances =
      GPUBOX_TRY(cloud_.DescribeInstances(nodes.front().region, {aws::Filter{"instance-id", ids}}));
  std::vector<std::string> private_ips, dns_names;
  for (const std::string& id : ids) {
    for (const aws::Instance& instance : instances) {
      if (instance.instance_id != id) continue;
      private_ips.push_back(instance.private_ip_address);
      dns_names.push_back(instance.private_dns_name);
    }
  }
  if (private_ips.size() != ids.size()) {
    return Fail(ErrorCode::kCloud, "the cloud did not tell every node's private address");
  }
  int gpus = 1;
  if (auto type = catalog_.FindType(nodes.front().instance_type)) {
    gpus = std::max(1, catalog_.types()[*type].gpu_count);
  }
  for (const BoxRecord& node : nodes) {
    std::string script = ClusterScript(nodes.front().name, node.node, private_ips, dns_names, gpus);
    auto run = GPUBOX_TRY(env_.processes->Run(SshCommand(TargetOf(node), {"bash", "-s"}),
                                              {.stdin_text = script, .timeout_ms = 60000}));
    if (run.exit_code != 0) {
      return Fail(ErrorCode::kCloud, "could not wire " + node.name +
                                         " into its cluster: " + std::string(Trim(run.err)));
    }
  }
  Event(nodes.front().name, "cluster",
        "wired " + std::to_string(nodes.size()) + " nodes: " + Join(private_ips, ","));
  return private_ips;
}

Result<void> Provisioner::SetUpCluster(const BoxRecord& box, const UpOptions& options) {
  auto fail = [&](const Error& error) -> Result<void> {
    progress_ << "gpubox: the cluster could not be set up; deleting it so nothing is left "
                 "half-made\n";
    CleanUp(box, {box.region});
    return std::unexpected(error);
  };
  auto nodes = ClusterNodes(store_, box);
  if (!nodes) return fail(nodes.error());
  auto private_ips = WireCluster(*nodes);
  if (!private_ips) return fail(private_ips.error());
  StepDone(box.name, "wire-cluster");
  for (BoxRecord& node : *nodes) {
    auto done = PrepareBox(node);
    if (!done) return fail(done.error());
    bool held = options.notebooks.empty() && SkipSetupHeldByImage(node, *done);
    if (held) (void)store_.Save(node);
    if (!options.setup || held) continue;
    progress_ << "gpubox: setting up " << node.name << " (node " << node.node << " of "
              << node.nodes << ")\n";
    auto setup = RunSetup(node, options);
    if (!setup) return fail(setup.error());
    if (*setup) {
      const SetupFailure& failure = **setup;
      return fail(Error(
          ErrorCode::kCloud,
          "setup of " + node.name + " failed in phase " + failure.phase + ": " + failure.reason,
          "rerun 'gpubox up " + box.name + " --nodes " + std::to_string(box.nodes) +
              "' with the same flags"));
    }
  }
  StepDone(box.name, "setup");
  if (options.scheduler == Scheduler::kSlurm) {
    if (auto slurm = SetUpSlurm(*nodes, *private_ips); !slurm) return fail(slurm.error());
    StepDone(box.name, "slurm");
  }
  return {};
}

}  // namespace gpubox
