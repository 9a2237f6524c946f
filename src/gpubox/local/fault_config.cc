#include "gpubox/local/fault_config.h"

#include <nlohmann/json.hpp>

namespace gpubox::local {

bool FaultConfig::CapacityBlocked(std::string_view type, std::string_view zone) const {
  for (const CapacityFault& fault : capacity_errors) {
    if ((fault.type == "*" || fault.type == type) && (fault.zone == "*" || fault.zone == zone)) {
      return true;
    }
  }
  return false;
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
        for (const auto& fault : value) {
          config.capacity_errors.push_back(
              {fault.value("type", std::string("*")), fault.value("zone", std::string("*"))});
        }
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
  nlohmann::json errors = nlohmann::json::array();
  for (const CapacityFault& fault : config.capacity_errors) {
    errors.push_back({{"type", fault.type}, {"zone", fault.zone}});
  }
  nlohmann::json json = {{"throttle_rate", config.throttle_rate},
                         {"error_rate", config.error_rate},
                         {"capacity_error_rate", config.capacity_error_rate},
                         {"latency_ms", config.latency_ms},
                         {"capacity_errors", errors},
                         {"spot_notice_seconds", config.spot_notice_seconds},
                         {"capacity", config.capacity},
                         {"quotas", config.quotas}};
  return json.dump(2) + "\n";
}

}  // namespace gpubox::local
