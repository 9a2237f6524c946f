#pragma once
/// An instance's init, started without a helper process: a clone of the calling process
/// into new PID, mount and UTS namespaces, inside the instance's network namespace, that
/// makes the boot's steps (RenderBootSteps) with system calls, pivots into the built root,
/// writes the boot script there (/run/gpubox-init.sh) and becomes /bin/sh running it, as
/// the namespace's PID 1. No nsenter, unshare, mount, cp, mkdir, pivot_root or umount is
/// started: twenty instances booting at once on two cores spend their time in sshd.

#include <sys/types.h>

#include <string>
#include <vector>

#include "gpubox/local/runtime/instance_files.h"
#include "gpubox/util/result.h"

namespace gpubox::local {

struct InitLaunch {
  std::string netns_path;       ///< the instance's network namespace (/run/netns/...)
  std::string root;             ///< the instance's root mount point (its rootfs/)
  std::string hostname;         ///< the UTS namespace's host name
  std::vector<BootStep> steps;  ///< RenderBootSteps
  std::string boot_script;      ///< RenderBootScript
  std::string console_log;      ///< stdout and stderr of the init (appended)
  std::string first_line;       ///< written to the console log first
};

/// Starts the init; returns its host pid (a child of this process, to be reaped). The child
/// starts in a new session with default signal handling, stdin /dev/null and no other
/// descriptor of this process. A step that fails ends it with exit status 1 and a line
/// "[gpubox] boot failed: WHAT PATH: errno N" in the console log.
Result<pid_t> SpawnInstanceInit(const InitLaunch& launch);

}  // namespace gpubox::local
