#pragma once
/// Two gpubox commands on the same box run one after the other: each command that changes
/// a box (up, stop, start, down, image) holds the box's lock file
/// ($XDG_STATE_HOME/gpubox/locks/NAME.lock, flock) from start to end. The lock is per box:
/// commands on other boxes never wait for it, and it is the only lock a command holds
/// across cloud calls (the state database is held only for one short statement at a time).
/// A second command waits, saying for whom, until the first ends or its deadline passes.
/// The kernel drops the lock of a process that dies, so a crash never leaves a box locked.
/// Lock files are left in place (removing one under a waiter would let two commands in).

#include <iosfwd>
#include <string>

#include "gpubox/box/paths.h"
#include "gpubox/sys/env.h"
#include "gpubox/sys/this_process.h"

namespace gpubox {

/// Takes the box's lock, waiting (polling every 100 ms on env.clock) until `deadline_us`
/// (Unix microseconds); kEnvironment naming the holder when it is still held then.
/// `progress` gets one line when the wait begins.
Result<LockFile> LockBox(Env& env, const GpuboxPaths& paths, const std::string& box,
                         int64_t deadline_us, std::ostream& progress);

}  // namespace gpubox
