#include "gpubox/aws/aws_config.h"

#include "gpubox/aws/imds_client.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/util/strings.h"

namespace gpubox::aws {
namespace {

std::optional<std::string> NonEmptyVar(const Env& env, const char* name) {
  auto value = env.Var(name);
  if (value && !value->empty()) return value;
  return std::nullopt;
}

std::string HomePath(const Env& env, std::string_view relative) {
  return env.Var("HOME").value_or("") + "/" + std::string(relative);
}

IniFile ReadIni(const Env& env, const std::string& path) {
  if (env.files == nullptr) return {};
  auto text = env.files->ReadFile(path);
  return text ? ParseIni(*text) : IniFile{};
}

/// The profile's section in the config file ([default] or [profile NAME]).
const std::map<std::string, std::string>* ConfigSection(const IniFile& config,
                                                        const std::string& profile) {
  auto found = config.find("profile " + profile);
  if (found == config.end() && profile == "default") found = config.find("default");
  return found == config.end() ? nullptr : &found->second;
}

const std::map<std::string, std::string>* CredentialsSection(const IniFile& credentials,
                                                             const std::string& profile) {
  auto found = credentials.find(profile);
  return found == credentials.end() ? nullptr : &found->second;
}

std::optional<Credentials> FromSection(const std::map<std::string, std::string>* section,
                                       std::string source) {
  if (section == nullptr) return std::nullopt;
  auto key = section->find("aws_access_key_id");
  auto secret = section->find("aws_secret_access_key");
  if (key == section->end() || secret == section->end() || key->second.empty()) {
    return std::nullopt;
  }
  Credentials credentials{key->second, secret->second, "", std::move(source)};
  if (auto token = section->find("aws_session_token"); token != section->end()) {
    credentials.session_token = token->second;
  }
  return credentials;
}

std::string DnsSuffix(const std::string& region) {
  return region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

}  // namespace

IniFile ParseIni(std::string_view text) {
  IniFile ini;
  std::string section;
  for (std::string_view raw_line : Split(text, '\n')) {
    std::string_view line = Trim(raw_line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      size_t close = line.find(']');
      section = std::string(
          Trim(line.substr(1, close == std::string_view::npos ? line.npos : close - 1)));
      ini[section];
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || section.empty()) continue;
    std::string_view value = Trim(line.substr(eq + 1));
    ini[section][ToLower(Trim(line.substr(0, eq)))] = std::string(value);
  }
  return ini;
}

bool ImdsAvailable(const Env& env) {
  if (EqualsIgnoreCase(env.Var("AWS_EC2_METADATA_DISABLED").value_or(""), "true")) return false;
  if (NonEmptyVar(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) return true;
  if (env.files == nullptr) return false;
  if (auto vendor = env.files->ReadFile("/sys/devices/virtual/dmi/id/sys_vendor")) {
    if (Trim(*vendor) == "Amazon EC2") return true;
  }
  if (auto uuid = env.files->ReadFile("/sys/hypervisor/uuid")) {
    if (ToLower(Trim(*uuid)).starts_with("ec2")) return true;
  }
  return false;
}

Result<RetryOptions> ResolveRetryOptions(const Env& env,
                                         const std::map<std::string, std::string>* config_section) {
  auto setting = [&](const char* variable, const char* key) -> std::optional<std::string> {
    if (auto value = NonEmptyVar(env, variable)) return value;
    if (config_section == nullptr) return std::nullopt;
    auto found = config_section->find(key);
    if (found == config_section->end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
  RetryOptions options;
  if (auto mode_name = setting("AWS_RETRY_MODE", "retry_mode")) {
    auto mode = ParseRetryMode(*mode_name);
    if (!mode) {
      return Fail(ErrorCode::kUsage, "unknown AWS retry mode '" + *mode_name + "'",
                  "AWS_RETRY_MODE (or retry_mode in the config file) is legacy, standard or "
                  "adaptive");
    }
    options.mode = *mode;
  }
  options.max_attempts = options.mode == RetryMode::kLegacy ? 5 : 3;
  if (auto attempts = setting("AWS_MAX_ATTEMPTS", "max_attempts")) {
    int value = 0;
    bool whole = !attempts->empty() && attempts->size() <= 4 &&
                 attempts->find_first_not_of("0123456789") == std::string::npos;
    if (whole) value = std::stoi(*attempts);
    if (!whole || value < 1) {
      return Fail(ErrorCode::kUsage, "AWS max attempts '" + *attempts + "' is not a number >= 1",
                  "AWS_MAX_ATTEMPTS (or max_attempts in the config file) counts every attempt, "
                  "the first included: 3 is the SDKs' default");
    }
    options.max_attempts = value;
  }
  return options;
}

Result<AwsConfig> ResolveAwsConfig(const Env& env, const AwsFlags& flags) {
  AwsConfig config;
  config.credentials_file =
      NonEmptyVar(env, "AWS_SHARED_CREDENTIALS_FILE").value_or(HomePath(env, ".aws/credentials"));
  config.config_file = NonEmptyVar(env, "AWS_CONFIG_FILE").value_or(HomePath(env, ".aws/config"));
  std::optional<std::string> profile = flags.profile;
  if (!profile) profile = NonEmptyVar(env, "AWS_PROFILE");
  if (!profile) profile = NonEmptyVar(env, "AWS_DEFAULT_PROFILE");
  config.profile_explicit = profile.has_value();
  config.profile = profile.value_or("default");

  IniFile config_ini = ReadIni(env, config.config_file);
  const auto* section = ConfigSection(config_ini, config.profile);
  if (config.profile_explicit && section == nullptr &&
      CredentialsSection(ReadIni(env, config.credentials_file), config.profile) == nullptr) {
    return Fail(ErrorCode::kUsage,
                "AWS profile '" + config.profile + "' not found in " + config.config_file + " or " +
                    config.credentials_file,
                "check --profile / AWS_PROFILE, or add the profile with 'aws configure --profile " +
                    config.profile + "'");
  }

  std::optional<std::string> region = flags.region;
  if (!region) region = NonEmptyVar(env, "AWS_REGION");
  if (!region) region = NonEmptyVar(env, "AWS_DEFAULT_REGION");
  if (!region && section != nullptr) {
    if (auto found = section->find("region"); found != section->end() && !found->second.empty()) {
      region = found->second;
    }
  }
  if (!region) {
    return Fail(ErrorCode::kUsage,
                "no AWS region: none given by --region, AWS_REGION, "
                "AWS_DEFAULT_REGION or profile '" +
                    config.profile + "' in " + config.config_file,
                "pass --region us-east-1 or set AWS_REGION");
  }
  config.region = *region;
  config.retry = GPUBOX_TRY(ResolveRetryOptions(env, section));

  std::optional<std::string> shared = flags.endpoint_url;
  std::optional<std::string> ec2 = shared ? shared : NonEmptyVar(env, "AWS_ENDPOINT_URL_EC2");
  std::optional<std::string> quotas =
      shared ? shared : NonEmptyVar(env, "AWS_ENDPOINT_URL_SERVICE_QUOTAS");
  std::optional<std::string> global = NonEmptyVar(env, "AWS_ENDPOINT_URL");
  config.ec2_endpoint_override = ec2.value_or(global.value_or(""));
  config.quotas_endpoint_override = quotas.value_or(global.value_or(""));
  return config;
}

ServiceEndpoint AwsConfig::Endpoint(const std::string& service, const std::string& region) const {
  const std::string& override_url =
      service == "ec2" ? ec2_endpoint_override : quotas_endpoint_override;
  if (!override_url.empty()) return {override_url, region, service};
  return {"https://" + service + "." + region + "." + DnsSuffix(region), region, service};
}

Result<Credentials> ResolveCredentials(Env& env, const AwsConfig& config) {
  auto key = NonEmptyVar(env, "AWS_ACCESS_KEY_ID");
  auto secret = NonEmptyVar(env, "AWS_SECRET_ACCESS_KEY");
  if (key && secret) {
    return Credentials{*key, *secret, NonEmptyVar(env, "AWS_SESSION_TOKEN").value_or(""),
                       "environment"};
  }
  if (key || secret) {
    return Fail(ErrorCode::kCredentials,
                std::string("partial AWS credentials in the environment: ") +
                    (key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not set",
                "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither");
  }
  std::string where = "the environment (AWS_ACCESS_KEY_ID)";
  if (auto found =
          FromSection(CredentialsSection(ReadIni(env, config.credentials_file), config.profile),
                      "profile " + config.profile + " in " + config.credentials_file)) {
    return *found;
  }
  where += ", " + config.credentials_file + " [" + config.profile + "]";
  if (auto found = FromSection(ConfigSection(ReadIni(env, config.config_file), config.profile),
                               "profile " + config.profile + " in " + config.config_file)) {
    return *found;
  }
  where += ", " + config.config_file + " [" +
           (config.profile == "default" ? "default" : "profile " + config.profile) + "]";
  if (ImdsAvailable(env)) {
    ImdsClient imds(env);
    auto role = imds.RoleCredentials();
    if (role) return *role;
    where += ", the instance role from IMDS (" + role.error().message + ")";
  } else {
    where += " (not on an EC2 instance: no instance role)";
  }
  return Fail(ErrorCode::kCredentials, "no AWS credentials found; looked in " + where,
              "run 'aws configure', or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
}

}  // namespace gpubox::aws
