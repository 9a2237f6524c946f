#include "gpubox/local/fault_config.h"

#include <nlohmann/json.hpp>

namespace gpubox::local {

namespace {

bool AnyMatches(const std::vector<CapacityFault>& faults, std::string_view type,
                std::string_view zone) {
  for (const CapacityFault& fault : faults) {
    if ((fault.type == "*" || fault.type == type) && (fault.zone == "*" || fault.zone == zone)) {
      return true;
    }
  }
  return false;
}

std::vector<CapacityFault> ParsePools(const nlohmann::json& value) {
  std::vector<CapacityFault> pools;
  for (const auto& fault : value) {
    pools.push_back({fault.value("type", std::string("*")), fault.value("zone", std::string("*"))});
  }
  return pools;
}

nlohmann::json PoolsJson(const std::vector<CapacityFault>& pools) {
  nlohmann::json json = nlohmann::json::array();
  for (const CapacityFault& fault : pools)
    json.push_back({{"type", fault.type}, {"zone", fault.zone}});
  return json;
}

}  // namespace

bool FaultConfig::CapacityBlocked(std::string_view type, std::string_view zone) const {
  return AnyMatches(capacity_errors, type, zone);
}

bool FaultConfig::SpotCapacityWithdrawn(std::string_view type, std::string_view zone) const {
  return AnyMatches(spot_capacity_withdrawn, type, zone);
}

Result<FaultConfig> ParseFaultConfig(std::string_view json_text) {
  FaultConfig config;
  try {
    nlohmann::json json = nlohmann::json::parse(json_text);
    if (!json.is_object()) return Fail(ErrorCode::kUsage, "local cloud config: not a JSON object");
    for (auto& [key, value] : json.items()) {
      if (key == "throttle_rate") {
        config.throttle_rate = value.get<double>();
      } else if (key == "error_rate") {
        config.error_rate = value.get<double>();
      } else if (key == "capacity_error_rate") {
        config.capacity_error_rate = value.get<double>();
      } else if (key == "latency_ms") {
        config.latency_ms = value.get<int>();
      } else if (key == "spot_notice_seconds") {
        config.spot_notice_seconds = value.get<int>();
      } else if (key == "capacity_errors") {
        config.capacity_errors = ParsePools(value);
      } else if (key == "spot_capacity_withdrawn") {
        config.spot_capacity_withdrawn = ParsePools(value);
      } else if (key == "capacity") {
        config.capacity = value.get<std::map<std::string, int>>();
      } else if (key == "quotas") {
        config.quotas = value.get<std::map<std::string, double>>();
      } else {
        return Fail(ErrorCode::kUsage, "local cloud config: unknown key '" + key + "'");
      }
    }
  } catch (const nlohmann::json::exception& error) {
    return Fail(ErrorCode::kUsage, std::string("local cloud config: ") + error.what());
  }
  for (auto [name, rate] : {std::pair{"throttle_rate", config.throttle_rate},
                            std::pair{"error_rate", config.error_rate},
                            std::pair{"capacity_error_rate", config.capacity_error_rate}}) {
    if (rate < 0 || rate > 1) {
      return Fail(ErrorCode::kUsage,
                  std::string("local cloud config: ") + name + " must be within 0..1");
    }
  }
  return config;
}

std::string FaultConfigJson(const FaultConfig& config) {
  nlohmann::json json = {{"throttle_rate", config.throttle_rate},
                         {"error_rate", config.error_rate},
                         {"capacity_error_rate", config.capacity_error_rate},
                         {"latency_ms", config.latency_ms},
                         {"capacity_errors", PoolsJson(config.capacity_errors)},
                         {"spot_notice_seconds", config.spot_notice_seconds},
                         {"spot_capacity_withdrawn", PoolsJson(config.spot_capacity_withdrawn)},
                         {"capacity", config.capacity},
                         {"quotas", config.quotas}};
  return json.dump(2) + "\n";
}

}  // namespace gpubox::local
