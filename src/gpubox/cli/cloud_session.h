#pragma once
/// Everything a box command needs, resolved from flags and the environment:
/// the cloud (local or aws, through the same AwsCloud), the state store, the
/// paths, and the caller's address that SSH ingress is limited to.
///
///   --cloud local|aws   (GPUBOX_CLOUD; default local)
///   local: the endpoint and keys of the running local cloud (started when
///          `start_local` and not running); the caller is the host's bridge address.
///   aws:   region, endpoints and credentials as the AWS CLI resolves them
///          (aws/aws_config.h); the caller is GPUBOX_CALLER_IP, else what
///          GPUBOX_CHECKIP_URL (https://checkip.amazonaws.com) answers.
///   --timeout SECONDS  how long the command keeps retrying a throttling, failing or slow
///          cloud (default 600): every call's transient failures are retried (in the AWS
///          retry mode, then with backoff) until then, each wait shown on `progress`.

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "gpubox/box/paths.h"
#include "gpubox/cloud/aws_cloud.h"
#include "gpubox/state/box_store.h"

namespace CLI {
class App;
}

namespace gpubox {

struct CloudFlags {
  std::string cloud;  ///< empty: GPUBOX_CLOUD, else "local"
  std::string profile;
  std::string endpoint_url;
  int timeout_seconds = kDefaultTimeoutSeconds;
  static constexpr int kDefaultTimeoutSeconds = 600;
  void Add(CLI::App& app);
};

class CloudSession {
 public:
  static Result<std::unique_ptr<CloudSession>> Open(Env& env, const CloudFlags& flags,
                                                    bool start_local, std::ostream& progress);
  ~CloudSession();

  Cloud& cloud() { return *cloud_; }
  AwsCloud& aws_cloud() { return *cloud_; }
  BoxStore& store() { return *store_; }
  const GpuboxPaths& paths() const { return paths_; }
  /// Until when (Unix microseconds) the command keeps retrying: its start plus --timeout.
  int64_t deadline_us() const { return deadline_us_; }
  /// "a.b.c.d/32": who may SSH into boxes. On aws, unless GPUBOX_CALLER_IP says, it is
  /// looked up (GPUBOX_CHECKIP_URL): kNetwork when that fails.
  Result<std::string> CallerCidr();
  /// The caller's CIDR when it is known without the network (GPUBOX_CALLER_IP, or the
  /// local cloud's bridge); nullopt when only a lookup at launch can tell.
  std::optional<std::string> KnownCallerCidr() const;

 private:
  CloudSession() = default;
  class Quotas;

  Env* env_ = nullptr;
  std::string kind_;
  std::string local_caller_cidr_;
  int64_t deadline_us_ = 0;  ///< local: the host's address on the instances' bridge
  GpuboxPaths paths_;
  std::unique_ptr<aws::CredentialsProvider> credentials_;
  std::unique_ptr<Quotas> quotas_;
  std::unique_ptr<AwsCloud> cloud_;
  std::unique_ptr<BoxStore> store_;
};

}  // namespace gpubox
