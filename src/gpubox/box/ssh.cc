#include "gpubox/box/ssh.h"

#include "gpubox/sys/file_system.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {

SshTarget BoxSshTarget(const BoxRecord& box, const GpuboxPaths& paths) {
  return SshTarget{box.public_ip, "ubuntu", box.key_path, paths.known_hosts(box.name),
                   paths.ssh_master(box.name)};
}

std::vector<std::string> SshCommand(const SshTarget& target,
                                    const std::vector<std::string>& remote_command,
                                    const std::vector<std::string>& extra_options) {
  std::vector<std::string> argv = {"ssh",
                                   "-i",
                                   target.key_path,
                                   "-o",
                                   "IdentitiesOnly=yes",
                                   "-o",
                                   "UserKnownHostsFile=" + target.known_hosts_path,
                                   "-o",
                                   "StrictHostKeyChecking=accept-new",
                                   "-o",
                                   "BatchMode=yes",
                                   "-o",
                                   "ConnectTimeout=5",
                                   "-o",
                                   "LogLevel=ERROR",
                                   "-o",
                                   "ServerAliveInterval=15"};
  if (!target.control_path.empty()) {
    argv.insert(argv.end(), {"-o", "ControlMaster=auto", "-o", "ControlPath=" + target.control_path,
                             "-o", "ControlPersist=60"});
  }
  argv.insert(argv.end(), extra_options.begin(), extra_options.end());
  argv.push_back(target.user + "@" + target.host);
  if (!remote_command.empty()) {
    argv.push_back("--");
    argv.insert(argv.end(), remote_command.begin(), remote_command.end());
  }
  return argv;
}

void CloseSshMaster(Env& env, const SshTarget& target) {
  if (target.control_path.empty() || !env.files->Exists(target.control_path)) return;
  (void)env.processes->Run({"ssh", "-o", "ControlPath=" + target.control_path, "-O", "exit",
                            target.user + "@" + target.host},
                           {.timeout_ms = 5000});
  (void)env.files->Remove(target.control_path);
}

int64_t PollMicros(int64_t waited_us) { return waited_us < 3'000'000 ? 25'000 : 500'000; }

Result<void> WaitForSsh(Env& env, const SshTarget& target, int timeout_ms) {
  int64_t started = env.clock->NowMicros();
  int64_t deadline = started + int64_t{timeout_ms} * 1000;
  std::string last_error;
  while (true) {
    auto run = env.processes->Run(SshCommand(target, {"true"}), {.timeout_ms = 6000});
    if (run && run->exit_code == 0) return {};
    last_error = run ? Trim(run->err) : run.error().message;
    if (env.clock->NowMicros() >= deadline) break;
    env.clock->SleepMicros(PollMicros(env.clock->NowMicros() - started));
  }
  return Fail(ErrorCode::kNetwork,
              "no SSH login to " + target.host + " after " + std::to_string(timeout_ms / 1000) +
                  " s" + (last_error.empty() ? "" : ": " + last_error),
              "the box may still be booting; 'gpubox ssh NAME' tries again");
}

Result<std::string> EnsureKeyPair(Env& env, const std::string& private_key_path,
                                  const std::string& comment) {
  std::string public_path = private_key_path + ".pub";
  if (!env.files->Exists(private_key_path) || !env.files->Exists(public_path)) {
    size_t slash = private_key_path.rfind('/');
    GPUBOX_TRY_VOID(env.files->MakeDirs(private_key_path.substr(0, slash), 0700));
    GPUBOX_TRY_VOID(env.files->Remove(private_key_path));
    GPUBOX_TRY_VOID(env.files->Remove(public_path));
    auto keygen = GPUBOX_TRY(env.processes->Run(
        {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", private_key_path}));
    if (keygen.exit_code != 0) {
      return Fail(ErrorCode::kEnvironment, "ssh-keygen failed: " + std::string(Trim(keygen.err)),
                  "install openssh-client");
    }
  }
  std::string public_key = GPUBOX_TRY(env.files->ReadFile(public_path));
  return std::string(Trim(public_key));
}

Result<void> WriteSshConfig(Env& env, const GpuboxPaths& paths,
                            const std::vector<SshHostEntry>& hosts) {
  std::string include = "# Written by gpubox: one Host per box. Edits here are overwritten.\n";
  for (const SshHostEntry& host : hosts) {
    include += "\nHost " + host.name + "\n  HostName " + host.target.host + "\n  User " +
               host.target.user + "\n  IdentityFile " + host.target.key_path +
               "\n  IdentitiesOnly yes\n  UserKnownHostsFile " + host.target.known_hosts_path +
               "\n  StrictHostKeyChecking accept-new\n";
  }
  GPUBOX_TRY_VOID(env.files->MakeDirs(paths.config_dir, 0700));
  GPUBOX_TRY_VOID(env.files->WriteFile(paths.ssh_include(), include, 0600));

  std::string include_line = "Include " + paths.ssh_include();
  std::string user_config;
  if (env.files->Exists(paths.user_ssh_config())) {
    user_config = GPUBOX_TRY(env.files->ReadFile(paths.user_ssh_config()));
  }
  if (user_config.find(include_line) != std::string::npos) return {};
  GPUBOX_TRY_VOID(env.files->MakeDirs(paths.home + "/.ssh", 0700));
  // Include must come before any Host block to apply to every host name.
  return env.files->WriteFile(paths.user_ssh_config(),
                              include_line + "  # gpubox boxes\n" + user_config, 0600);
}

}  // namespace gpubox
