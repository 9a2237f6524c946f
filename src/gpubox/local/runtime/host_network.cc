#include "gpubox/local/runtime/host_network.h"

#include <nftables/libnftables.h>
#include <sys/stat.h>

#include <mutex>

#include "gpubox/local/runtime/host_processes.h"
#include "gpubox/local/runtime/ipv4_subnet.h"
#include "gpubox/local/runtime/rtnetlink.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr int kCommandTimeoutMs = 20000;

std::unexpected<Error> CommandFailed(const std::string& what, const ProcessResult& result) {
  return Fail(ErrorCode::kEnvironment,
              what + " failed: " + std::string(Trim(result.err.empty() ? result.out : result.err)));
}

bool Exists(const std::string& path) {
  struct stat info;
  return ::lstat(path.c_str(), &info) == 0;
}

}  // namespace

HostNetwork::HostNetwork(const RuntimeConfig& config, ProcessRunner& runner)
    : config_(config), runner_(runner) {}

Result<ProcessResult> HostNetwork::Ip(const std::vector<std::string>& args,
                                      const std::string& batch) {
  std::vector<std::string> argv = {"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  return runner_.Run(argv, {.stdin_text = batch, .timeout_ms = kCommandTimeoutMs});
}

Result<void> HostNetwork::EnsureBridge() {
  std::string bridge = config_.BridgeName();
  ProcessResult shown = GPUBOX_TRY(Ip({"-br", "addr", "show", "dev", bridge}));
  Ipv4Subnet subnet = GPUBOX_TRY(Ipv4Subnet::Parse(config_.subnet));
  std::string address = subnet.Host(1) + "/" + std::to_string(subnet.prefix_length());
  if (shown.exit_code == 0 && shown.out.find(address) != std::string::npos &&
      shown.out.find("UP") != std::string::npos) {
    return {};
  }
  std::string batch;
  if (shown.exit_code != 0) batch += "link add " + bridge + " type bridge\n";
  batch += "addr replace " + address + " dev " + bridge + "\nlink set " + bridge + " up\n";
  ProcessResult made = GPUBOX_TRY(Ip({"-batch", "-"}, batch));
  if (made.exit_code != 0) return CommandFailed("creating bridge " + bridge, made);
  return {};
}

Result<void> HostNetwork::RemoveBridge() {
  ProcessResult removed = GPUBOX_TRY(Ip({"link", "del", config_.BridgeName()}));
  if (removed.exit_code != 0 && removed.err.find("Cannot find") == std::string::npos &&
      removed.err.find("does not exist") == std::string::npos) {
    return CommandFailed("removing bridge " + config_.BridgeName(), removed);
  }
  return {};
}

Result<void> HostNetwork::CreateInstance(const std::string& instance_id, const std::string& ip) {
  // What a crash or an unclean stop left goes first (nothing to do, and no `ip` to run,
  // when neither the namespace nor the veth is there: the usual case).
  if (Exists(config_.NetnsPath(instance_id)) ||
      Exists("/sys/class/net/" + config_.VethName(instance_id))) {
    GPUBOX_TRY_VOID(RemoveInstance(instance_id));
  }
  Ipv4Subnet subnet = GPUBOX_TRY(Ipv4Subnet::Parse(config_.subnet));
  std::string netns = config_.NetnsName(instance_id);
  std::string veth = config_.VethName(instance_id);
  // One `ip` for the host's side: `netns add` in a batch leaves ip in the host's namespace
  // for the lines after it (iproute2 restores it after each command since 4.17). The address may
  // have belonged to an instance that is gone: its MAC is forgotten (the flush), or the host keeps
  // sending there until the stale entry expires (about 30 s without SSH).
  std::string host_batch = "netns add " + netns + "\nlink add " + veth +
                           " type veth peer name eth0 netns " + netns + "\nlink set " + veth +
                           " master " + config_.BridgeName() + "\nlink set " + veth +
                           " up\nneigh flush to " + ip + " dev " + config_.BridgeName() + "\n";
  ProcessResult linked = GPUBOX_TRY(Ip({"-batch", "-"}, host_batch));
  if (linked.exit_code != 0) return CommandFailed("creating namespace " + netns, linked);
  // Inside: rtnetlink from a thread in the namespace (no second `ip`).
  Result<void> configured;
  GPUBOX_TRY_VOID(RunInNetns(config_.NetnsPath(instance_id), [&] {
    configured = SetLinkUp("lo");
    if (configured) configured = AddIpv4Address("lo", "169.254.169.254", 32);
    if (configured) configured = AddIpv4Address("eth0", ip, subnet.prefix_length());
    if (configured) configured = SetLinkUp("eth0");
  }));
  if (!configured) {
    return Fail(ErrorCode::kEnvironment,
                "configuring " + netns + ": " + configured.error().message);
  }
  return {};
}

Result<void> HostNetwork::RemoveInstance(const std::string& instance_id) {
  // The veth goes with the namespace; deleting it first also covers a
  // namespace that something still holds open.
  GPUBOX_TRY(Ip({"link", "del", config_.VethName(instance_id)}));
  ProcessResult removed = GPUBOX_TRY(Ip({"netns", "del", config_.NetnsName(instance_id)}));
  if (removed.exit_code != 0 && removed.err.find("No such file") == std::string::npos) {
    return CommandFailed("removing namespace " + config_.NetnsName(instance_id), removed);
  }
  return {};
}

Result<void> HostNetwork::ApplyFirewall(const std::string& instance_id,
                                        const std::string& ruleset) {
  // libnftables in a thread inside the namespace: its netlink socket is opened there, so
  // the ruleset is that namespace's, and no nft process is started per instance.
  std::string failure = "libnftables could not start";  // empty once loaded
  GPUBOX_TRY_VOID(RunInNetns(config_.NetnsPath(instance_id), [&] {
    // One load at a time: libnftables keeps some state of its own beside each context.
    static std::mutex nft_mutex;
    std::lock_guard lock(nft_mutex);
    nft_ctx* context = nft_ctx_new(NFT_CTX_DEFAULT);
    if (context == nullptr) return;
    nft_ctx_buffer_output(context);
    nft_ctx_buffer_error(context);
    const char* error = "";
    if (nft_run_cmd_from_buffer(context, ruleset.c_str()) != 0) {
      error = nft_ctx_get_error_buffer(context);
      if (error == nullptr || *error == '\0') error = "nft refused the ruleset";
    }
    failure = error;
    nft_ctx_free(context);
  }));
  if (!failure.empty()) {
    return Fail(ErrorCode::kEnvironment, "loading the firewall of " + instance_id +
                                             " failed: " + std::string(Trim(failure)));
  }
  return {};
}

std::vector<std::string> HostNetwork::ListNamespaces() {
  std::vector<std::string> names;
  auto listed = Ip({"netns", "list"});
  if (!listed || listed->exit_code != 0) return names;
  std::string prefix = config_.name_prefix + "-";
  for (std::string_view line : Split(listed->out, '\n')) {
    std::string name(Trim(line.substr(0, line.find(' '))));
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  return names;
}

}  // namespace gpubox::local
