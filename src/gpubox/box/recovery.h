#pragma once
/// `gpubox recover NAME`: a box whose instance is stopped (a spot interruption the cloud
/// does not undo, or no capacity to start it) brought back elsewhere from its own disk.
/// Steps, each an event of kind "recover":
///   1. image: the stopped instance's disk baked into an image (named and tagged after
///      the box and the instance, so a rerun finds it);
///   2. launch: from that image, the box's key pair and security group, with up's failover
///      (Provisioner::Relaunch) over the zones of the box's region, then the other offers
///      there with the same GPUs and market; the ClientToken names the instance replaced,
///      so a rerun after a crash gets the same new instance;
///   3. retire: the old instance's spot request cancelled, the old instance terminated;
///   4. the intermediate image deregistered (the disk now lives on the new instance; kept,
///      it would bill its snapshot unseen);
///   5. the record: same name, new instance, zone and address, the ssh config rewritten.
/// The record keeps `recovering_from` and `recovery_image` until the end, so a crash at any
/// point resumes with the same image and the same new instance. From step 3 on exactly one
/// instance of the box is live. Images are regional: recovery stays in the box's region.

#include <iosfwd>
#include <string>

#include "gpubox/box/lifecycle.h"
#include "gpubox/box/provisioner.h"

namespace gpubox {

struct RecoverOptions {
  int ssh_timeout_ms = 120000;
  int image_timeout_ms = 1800000;
};

class Recovery {
 public:
  Recovery(Env& env, Cloud& cloud, BoxStore& store, const Catalog& catalog, GpuboxPaths paths,
           std::ostream& progress);

  /// Recovers the box (or continues an interrupted recovery); returns its new record. A box
  /// whose instance runs is returned as it is ("nothing to recover").
  Result<BoxRecord> Recover(const std::string& name, const RecoverOptions& options);

 private:
  /// Step 1: the image of the old instance, made or found, once available.
  Result<std::string> ImageOfOldDisk(BoxRecord& box);
  /// Step 2: the new instance, running and answering SSH.
  Result<BoxRecord> LaunchReplacement(BoxRecord box, const RecoverOptions& options);
  /// Step 3: the old instance's request cancelled and the instance terminated.
  Result<void> RetireOld(const BoxRecord& box, const std::string& old_id);
  void Event(const std::string& box, const std::string& message);

  Env& env_;
  Cloud& cloud_;
  BoxStore& store_;
  const Catalog& catalog_;
  GpuboxPaths paths_;
  std::ostream& progress_;
};

}  // namespace gpubox
