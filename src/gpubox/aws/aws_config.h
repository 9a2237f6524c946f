#pragma once
/// Profile, region, endpoints and credentials, resolved the way the AWS CLI
/// and botocore resolve them. Environment variables come from Env::vars and
/// files through Env::files — never from the process directly.
///
///  profile:     --profile, AWS_PROFILE, AWS_DEFAULT_PROFILE, "default"
///  files:       AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials, [NAME]),
///               AWS_CONFIG_FILE (~/.aws/config, [default] / [profile NAME])
///  region:      --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region
///  endpoints:   --endpoint-url, AWS_ENDPOINT_URL_EC2 (AWS_ENDPOINT_URL_SERVICE_QUOTAS),
///               AWS_ENDPOINT_URL, else https://ec2.REGION.amazonaws.com
///               (https://servicequotas.REGION.amazonaws.com)
///  credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN),
///               the profile in the credentials file, then in the config file,
///               then the instance role from IMDSv2 when on an EC2 instance.
///  retries:     AWS_RETRY_MODE (legacy|standard|adaptive), AWS_MAX_ATTEMPTS, else the
///               profile's retry_mode / max_attempts in the config file; default adaptive
///               with 3 attempts (legacy: 5), as the SDKs count them (the first included).

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gpubox/aws/aws_caller.h"
#include "gpubox/aws/sigv4.h"
#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace gpubox::aws {

/// What the command line said (unset: not given).
struct AwsFlags {
  std::optional<std::string> profile;
  std::optional<std::string> region;
  std::optional<std::string> endpoint_url;  ///< for EC2 and Service Quotas alike
};

struct AwsConfig {
  std::string profile;
  bool profile_explicit = false;  ///< named by flag or variable (must then exist)
  std::string region;
  std::string ec2_endpoint_override;     ///< "" when none: per region
  std::string quotas_endpoint_override;  ///< "" when none: per region
  std::string credentials_file;
  std::string config_file;
  RetryOptions retry;  ///< mode and attempts; the deadline and on_wait are the command's

  /// Where `service` ("ec2" or "servicequotas", the signing names) answers for `region`:
  /// the override when there is one, else https://SERVICE.REGION.amazonaws.com
  /// (amazonaws.com.cn in the China regions). The one place endpoints are worked out.
  ServiceEndpoint Endpoint(const std::string& service, const std::string& region) const;
};

/// INI sections -> keys -> values; keys and section names trimmed; '#' and
/// ';' start comments; later duplicates win.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile ParseIni(std::string_view text);

/// Resolves profile, region and endpoints. kUsage when no region is found
/// anywhere or a named profile does not exist.
Result<AwsConfig> ResolveAwsConfig(const Env& env, const AwsFlags& flags);

/// The retry mode and attempts from AWS_RETRY_MODE / AWS_MAX_ATTEMPTS, else from
/// `config_section` (a profile's section of the config file; may be null). kUsage for a
/// mode the SDKs do not know or attempts that are not a whole number of at least 1.
Result<RetryOptions> ResolveRetryOptions(const Env& env,
                                         const std::map<std::string, std::string>* config_section);

/// Resolves credentials in the order above. kCredentials, with one message
/// naming every place looked, when there are none.
Result<Credentials> ResolveCredentials(Env& env, const AwsConfig& config);

/// Whether this host looks like an EC2 instance (DMI vendor or Xen uuid), or
/// AWS_EC2_METADATA_SERVICE_ENDPOINT names an IMDS; false when
/// AWS_EC2_METADATA_DISABLED=true. IMDS is only asked when this holds.
bool ImdsAvailable(const Env& env);

}  // namespace gpubox::aws
