#include "gpubox/aws/aws_caller.h"

#include <cmath>

#include "gpubox/aws/aws_error.h"
#include "gpubox/aws/sigv4.h"
#include "gpubox/version.h"

namespace gpubox::aws {

AwsCaller::AwsCaller(Env& env, ServiceEndpoint endpoint, CredentialsProvider& credentials,
                     RetryOptions options)
    : env_(env), endpoint_(std::move(endpoint)), credentials_(credentials), options_(options) {
  if (endpoint_.url.find("://") != std::string::npos &&
      endpoint_.url.find('/', endpoint_.url.find("://") + 3) == std::string::npos) {
    endpoint_.url += "/";
  }
}

Result<HttpResponse> AwsCaller::Post(const std::string& body, const HttpHeaders& headers,
                                     WireProtocol protocol, bool retry_allowed) {
  if (env_.http == nullptr || env_.clock == nullptr || env_.random == nullptr) {
    return Fail(ErrorCode::kInternal, "AWS caller needs http, clock and random in its Env");
  }
  int retry_cost_taken = 0;  // quota taken by the latest retry, returned on success
  for (int attempt = 1;; ++attempt) {
    last_attempts_ = attempt;
    Credentials credentials = GPUBOX_TRY(credentials_.Get());
    HttpRequest request;
    request.method = "POST";
    request.url = endpoint_.url;
    request.headers = headers;
    request.headers.emplace_back("User-Agent", std::string("gpubox/") + kVersion);
    request.body = body;
    SignRequest(request, credentials, endpoint_.region, endpoint_.service,
                env_.clock->NowMicros() / 1000000);

    Result<HttpResponse> response = env_.http->Send(request);
    Error error;
    AttemptOutcome outcome;
    if (!response) {
      error = response.error();
      outcome.transport_error = &error;
      outcome.timed_out = error.message.find(kTimeoutMarker) != std::string::npos;
    } else if (response->status >= 200 && response->status < 300) {
      quota_.Release(retry_cost_taken > 0 ? retry_cost_taken : RetryQuota::kNoRetryIncrement);
      return response;
    } else {
      error = protocol == WireProtocol::kEc2Query ? Ec2ErrorFromResponse(*response)
                                                  : JsonErrorFromResponse(*response);
      outcome.http_status = response->status;
      outcome.cloud_code = error.cloud_code;
    }

    if (!retry_allowed || attempt >= options_.max_attempts || !IsRetryable(outcome)) {
      return std::unexpected(std::move(error));
    }
    int cost = outcome.timed_out ? RetryQuota::kTimeoutRetryCost : RetryQuota::kRetryCost;
    if (!quota_.Acquire(cost)) {
      error.hint = "gave up retrying: the client's retry quota is used up";
      return std::unexpected(std::move(error));
    }
    retry_cost_taken = cost;
    double delay = BackoffSeconds(attempt, env_.random->Uniform(), options_.max_backoff_seconds);
    env_.clock->SleepMicros(static_cast<int64_t>(std::llround(delay * 1e6)));
  }
}

}  // namespace gpubox::aws
