#include "gpubox/cli/cloud_session.h"

#include <CLI/CLI.hpp>
#include <map>
#include <ostream>

#include "gpubox/aws/aws_config.h"
#include "gpubox/aws/service_quotas_client.h"
#include "gpubox/local/local_daemon.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/http_transport.h"
#include "gpubox/sys/this_process.h"
#include "gpubox/util/strings.h"

namespace gpubox {

/// Service Quotas through one client per region.
class CloudSession::Quotas : public QuotaService {
 public:
  Quotas(Env& env, aws::CredentialsProvider& credentials, EndpointResolver resolver,
         aws::RetryOptions retry)
      : env_(env),
        credentials_(credentials),
        resolver_(std::move(resolver)),
        retry_(std::move(retry)) {}
  Result<double> GetValue(const std::string& region, const std::string& code) override {
    auto quota = GPUBOX_TRY(Client(region).GetServiceQuota("ec2", code));
    return quota.value;
  }
  Result<std::string> RequestIncrease(const std::string& region, const std::string& code,
                                      double value) override {
    auto change = GPUBOX_TRY(Client(region).RequestServiceQuotaIncrease("ec2", code, value));
    return change.id + " (" + change.status + ")";
  }

 private:
  aws::ServiceQuotasClient& Client(const std::string& region) {
    auto& slot = clients_[region];
    if (!slot.first) {
      slot.first = std::make_unique<aws::AwsCaller>(env_, resolver_(region, "servicequotas"),
                                                    credentials_, retry_);
      slot.second = std::make_unique<aws::ServiceQuotasClient>(*slot.first);
    }
    return *slot.second;
  }
  Env& env_;
  aws::CredentialsProvider& credentials_;
  EndpointResolver resolver_;
  aws::RetryOptions retry_;
  std::map<std::string,
           std::pair<std::unique_ptr<aws::AwsCaller>, std::unique_ptr<aws::ServiceQuotasClient>>>
      clients_;
};

void CloudFlags::Add(CLI::App& app) {
  app.add_option("--cloud", cloud, "local (default; GPUBOX_CLOUD) or aws");
  app.add_option("--profile", profile, "AWS profile (aws cloud)");
  app.add_option("--endpoint-url", endpoint_url, "EC2 endpoint override (aws cloud)");
  app.add_option("--timeout", timeout_seconds,
                 "seconds to keep retrying a throttling or failing cloud (default 600)")
      ->check(CLI::Range(1, 86400));
}

namespace {

/// One line per wait: which call, why, for how long, and how much of --timeout is left.
void ShowWait(std::ostream& progress, const aws::RetryNotice& notice) {
  progress << "gpubox: " << (notice.operation.empty() ? "a call" : notice.operation) << " ("
           << notice.region << "): " << notice.reason << "; waiting "
           << FormatFixed(notice.wait_seconds, 1) << " s before attempt " << notice.next_attempt;
  if (notice.seconds_left >= 0) {
    progress << " (" << FormatFixed(notice.seconds_left, 0) << " s left of --timeout)";
  }
  progress << '\n';
  progress.flush();
}

}  // namespace

CloudSession::~CloudSession() = default;

Result<std::unique_ptr<CloudSession>> CloudSession::Open(Env& env, const CloudFlags& flags,
                                                         bool start_local, std::ostream& progress) {
  std::unique_ptr<CloudSession> session(new CloudSession());
  session->env_ = &env;
  session->kind_ = !flags.cloud.empty() ? flags.cloud : env.Var("GPUBOX_CLOUD").value_or("local");
  if (session->kind_ != "local" && session->kind_ != "aws") {
    return Fail(ErrorCode::kUsage, "unknown cloud '" + session->kind_ + "'",
                "use --cloud local or --cloud aws");
  }
  session->paths_ = ResolvePaths(env);
  EndpointResolver resolver;
  std::string home_region;
  aws::RetryOptions retry;
  if (session->kind_ == "local") {
    retry = GPUBOX_TRY(aws::ResolveRetryOptions(env, nullptr));
    std::string state_dir = local::DefaultStateDir(env);
    auto daemon = local::FindRunningDaemon(env, state_dir);
    std::optional<local::LocalAccount> granted;
    std::string caller_cidr;
    if (!daemon && !RunningAsRoot()) {  // the cloud root runs for the users it granted
      if (auto shared = GPUBOX_TRY(local::FindSharedCloud(env))) {
        daemon = shared->daemon;
        granted = shared->account;
        caller_cidr = shared->caller_cidr;
      }
    }
    if (!daemon && start_local) {
      GPUBOX_TRY_VOID(local::RequireRoot());
      progress << "gpubox: starting the local cloud\n";
      daemon = GPUBOX_TRY(local::StartDaemon(env, {state_dir}));
    }
    if (!daemon) {
      return Fail(ErrorCode::kNetwork, "the local cloud is not running",
                  "'gpubox local up' starts it (or use --cloud aws)");
    }
    local::LocalAccount account =
        granted ? *granted : GPUBOX_TRY(local::LoadOrCreateAccount(env, state_dir));
    session->credentials_ = std::make_unique<aws::StaticCredentialsProvider>(
        aws::Credentials{account.access_key_id, account.secret_access_key, ""});
    std::string endpoint = daemon->endpoint;
    resolver = [endpoint](const std::string& region, const std::string& service) {
      return aws::ServiceEndpoint{endpoint, region, service == "ec2" ? "ec2" : "servicequotas"};
    };
    home_region = "us-east-1";
    session->local_caller_cidr_ =
        !caller_cidr.empty() ? caller_cidr : GPUBOX_TRY(local::HostBridgeCidr(env));
  } else {
    aws::AwsFlags aws_flags;
    if (!flags.profile.empty()) aws_flags.profile = flags.profile;
    if (!flags.endpoint_url.empty()) aws_flags.endpoint_url = flags.endpoint_url;
    aws::AwsConfig config = GPUBOX_TRY(aws::ResolveAwsConfig(env, aws_flags));
    aws::Credentials credentials = GPUBOX_TRY(aws::ResolveCredentials(env, config));
    session->credentials_ = std::make_unique<aws::StaticCredentialsProvider>(credentials);
    resolver = [config](const std::string& region, const std::string& service) {
      return config.Endpoint(service, region);
    };
    home_region = config.region;
    retry = config.retry;
  }
  session->deadline_us_ = env.clock->NowMicros() + int64_t{flags.timeout_seconds} * 1'000'000;
  retry.persist_until_us = session->deadline_us_;
  retry.on_wait = [&progress](const aws::RetryNotice& notice) { ShowWait(progress, notice); };
  session->quotas_ = std::make_unique<Quotas>(env, *session->credentials_, resolver, retry);
  session->cloud_ = std::make_unique<AwsCloud>(session->kind_, env, *session->credentials_,
                                               resolver, home_region, *session->quotas_);
  session->cloud_->SetRetryOptions(retry);
  session->store_ = GPUBOX_TRY(BoxStore::Open(session->paths_.database()));
  // Shared ssh master sockets live here; ssh needs the directory to exist.
  GPUBOX_TRY_VOID(env.files->MakeDirs(session->paths_.state_dir + "/ssh", 0700));
  return session;
}

std::optional<std::string> CloudSession::KnownCallerCidr() const {
  if (auto fixed = env_->Var("GPUBOX_CALLER_IP"); fixed && !fixed->empty()) {
    return fixed->find('/') == std::string::npos ? *fixed + "/32" : *fixed;
  }
  if (kind_ == "local") return local_caller_cidr_;
  return std::nullopt;
}

Result<std::string> CloudSession::CallerCidr() {
  if (auto known = KnownCallerCidr()) return *known;
  std::string url = env_->Var("GPUBOX_CHECKIP_URL").value_or("https://checkip.amazonaws.com");
  HttpRequest request;
  request.url = url;
  request.total_timeout_ms = 10000;
  auto answer = env_->http->Send(request);
  std::string ip = answer && answer->status == 200 ? std::string(Trim(answer->body)) : "";
  if (ip.empty() || ip.find_first_not_of("0123456789.") != std::string::npos) {
    return Fail(ErrorCode::kNetwork, "could not learn this machine's public address from " + url,
                "set GPUBOX_CALLER_IP to the address SSH should be allowed from");
  }
  return ip + "/32";
}

}  // namespace gpubox
