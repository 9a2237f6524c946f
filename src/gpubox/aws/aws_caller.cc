#include "gpubox/aws/aws_caller.h"

#include <cmath>

#include "gpubox/aws/aws_error.h"
#include "gpubox/aws/sigv4.h"
#include "gpubox/util/strings.h"
#include "gpubox/version.h"

namespace gpubox::aws {
namespace {

/// An answer without an error document: Ec2ErrorFromResponse names it "HTTP503".
bool IsStatusOnly(const AttemptOutcome& outcome) {
  return outcome.cloud_code == "HTTP" + std::to_string(outcome.http_status);
}

/// Why an attempt failed, in a few words for the waiting line.
std::string ReasonOf(const AttemptOutcome& outcome) {
  if (outcome.transport_error != nullptr) return outcome.timed_out ? "timed out" : "no connection";
  if (outcome.cloud_code.empty() || IsStatusOnly(outcome)) {
    return "HTTP " + std::to_string(outcome.http_status);
  }
  return outcome.cloud_code;
}

/// A transport error that says the endpoint is not there at all (no such host, nothing
/// listening): worth the SDK's few attempts, not a wait until the deadline.
bool EndpointAbsent(const AttemptOutcome& outcome) {
  if (outcome.transport_error == nullptr) return false;
  const std::string& message = outcome.transport_error->message;
  return message.find("connect to") != std::string::npos ||
         message.find("resolve") != std::string::npos;
}

/// Whether a retryable failure is worth retrying until the deadline: throttling, the
/// service's own transient failures (5xx without a code, InternalError, Unavailable, ...),
/// resets and timeouts; not an answer that only looks transient by its status
/// (EC2 answers InsufficientInstanceCapacity with a 500: that is for failover to handle).
bool Persistable(const AttemptOutcome& outcome) {
  if (outcome.transport_error != nullptr) return !EndpointAbsent(outcome);
  static constexpr std::string_view kServerCodes[] = {
      "InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable", "ServerInternal"};
  const std::string& code = outcome.cloud_code;
  if (code.empty() || IsStatusOnly(outcome) || IsThrottlingCode(code) || IsTransientCode(code)) {
    return true;
  }
  for (std::string_view server_code : kServerCodes) {
    if (code == server_code) return true;
  }
  return false;
}

}  // namespace

std::string OperationOf(const std::string& body, const HttpHeaders& headers) {
  for (const auto& [name, value] : headers) {
    if (EqualsIgnoreCase(name, "X-Amz-Target")) {
      size_t dot = value.rfind('.');
      return dot == std::string::npos ? value : value.substr(dot + 1);
    }
  }
  size_t start = body.starts_with("Action=") ? 0 : body.find("&Action=");
  if (start == std::string::npos) return "";
  start = body.find('=', start) + 1;
  size_t end = body.find('&', start);
  return body.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

AwsCaller::AwsCaller(Env& env, ServiceEndpoint endpoint, CredentialsProvider& credentials,
                     RetryOptions options)
    : env_(env),
      endpoint_(std::move(endpoint)),
      credentials_(credentials),
      options_(std::move(options)),
      limiter_(env.clock != nullptr ? env.clock->NowMicros() / 1e6 : 0) {
  if (endpoint_.url.find("://") != std::string::npos &&
      endpoint_.url.find('/', endpoint_.url.find("://") + 3) == std::string::npos) {
    endpoint_.url += "/";
  }
}

void AwsCaller::Sleep(double seconds) {
  if (seconds > 0) env_.clock->SleepMicros(static_cast<int64_t>(std::llround(seconds * 1e6)));
}

Result<HttpResponse> AwsCaller::Post(const std::string& body, const HttpHeaders& headers,
                                     WireProtocol protocol, bool retry_allowed) {
  if (env_.http == nullptr || env_.clock == nullptr || env_.random == nullptr) {
    return Fail(ErrorCode::kInternal, "AWS caller needs http, clock and random in its Env");
  }
  const bool adaptive = options_.mode == RetryMode::kAdaptive;
  const bool use_quota = options_.mode != RetryMode::kLegacy;
  const int64_t started_us = env_.clock->NowMicros();
  int retry_cost_taken = 0;  // quota taken by the latest retry, returned on success
  for (int attempt = 1;; ++attempt) {
    last_attempts_ = attempt;
    if (adaptive) {
      double wait = limiter_.SendDelay(NowSeconds());
      if (wait >= 1 && options_.on_wait) {
        options_.on_wait({OperationOf(body, headers), endpoint_.region, "client-side rate limit",
                          attempt, wait, -1});
      }
      Sleep(wait);
    }
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
      if (adaptive) limiter_.OnResponse(NowSeconds(), false);
      if (use_quota) {
        quota_.Release(retry_cost_taken > 0 ? retry_cost_taken : RetryQuota::kNoRetryIncrement);
      }
      return response;
    } else {
      error = protocol == WireProtocol::kEc2Query ? Ec2ErrorFromResponse(*response)
                                                  : JsonErrorFromResponse(*response);
      outcome.http_status = response->status;
      outcome.cloud_code = error.cloud_code;
    }
    if (adaptive && response) limiter_.OnResponse(NowSeconds(), IsThrottlingCode(error.cloud_code));

    if (!retry_allowed || !IsRetryable(outcome)) return std::unexpected(std::move(error));
    int cost = outcome.timed_out ? RetryQuota::kTimeoutRetryCost : RetryQuota::kRetryCost;
    double delay = BackoffSeconds(attempt, env_.random->Uniform(), options_.max_backoff_seconds);
    if (attempt < options_.max_attempts && (!use_quota || quota_.Acquire(cost))) {
      retry_cost_taken = use_quota ? cost : 0;
      Sleep(delay);
      continue;
    }
    // The SDK would give up here; a deadline keeps a transient failure from failing the step.
    int64_t now_us = env_.clock->NowMicros();
    bool quota_empty = attempt < options_.max_attempts;
    if (options_.persist_until_us > 0 && Persistable(outcome) &&
        now_us + std::llround(delay * 1e6) < options_.persist_until_us) {
      retry_cost_taken = 0;
      if (options_.on_wait) {
        options_.on_wait({OperationOf(body, headers), endpoint_.region, ReasonOf(outcome),
                          attempt + 1, delay, (options_.persist_until_us - now_us) / 1e6});
      }
      Sleep(delay);
      continue;
    }
    std::string operation = OperationOf(body, headers);
    error.message = (operation.empty() ? std::string("the call") : operation) + " (" +
                    endpoint_.region + ") failed after " + std::to_string(attempt) +
                    (attempt == 1 ? " attempt" : " attempts") + " in " +
                    FormatFixed((now_us - started_us) / 1e6, 1) + " s: " + error.message;
    if (quota_empty) {
      error.hint =
          "gave up retrying: the client's retry quota is used up; run the same command "
          "again in a minute";
    } else if (options_.persist_until_us > 0) {
      error.hint = "the cloud kept failing (" + ReasonOf(outcome) +
                   ") until the command's deadline; run the same command again (it continues "
                   "where it stopped), or give it longer with --timeout SECONDS";
    } else {
      error.hint = "the cloud kept failing (" + ReasonOf(outcome) +
                   "); run the same command again, or raise AWS_MAX_ATTEMPTS";
    }
    return std::unexpected(std::move(error));
  }
}

}  // namespace gpubox::aws
