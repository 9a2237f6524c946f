#include "gpubox/local/runtime/instance_record.h"

#include <nlohmann/json.hpp>

namespace gpubox::local {

std::string EncodeRuntimeRecord(const RuntimeInstanceRecord& record) {
  const InstanceSpec& spec = record.spec;
  nlohmann::json rules = nlohmann::json::array();
  for (const IngressRule& rule : spec.ingress) {
    rules.push_back({{"protocol", rule.protocol},
                     {"from_port", rule.from_port},
                     {"to_port", rule.to_port},
                     {"cidrs", rule.cidrs}});
  }
  nlohmann::json json = {{"instance_id", spec.instance_id},
                         {"instance_type", spec.instance_type},
                         {"image_id", spec.image_id},
                         {"region", spec.region},
                         {"availability_zone", spec.availability_zone},
                         {"private_ip", spec.private_ip},
                         {"key_name", spec.key_name},
                         {"authorized_keys", spec.authorized_keys},
                         {"user_data", spec.user_data},
                         {"has_gpu", spec.has_gpu},
                         {"base_image_dir", spec.base_image_dir},
                         {"ingress", rules},
                         {"keeper_pid", record.keeper_pid},
                         {"pid_namespace", record.pid_namespace}};
  return json.dump(2) + "\n";
}

Result<RuntimeInstanceRecord> DecodeRuntimeRecord(const std::string& text) {
  try {
    nlohmann::json json = nlohmann::json::parse(text);
    RuntimeInstanceRecord record;
    InstanceSpec& spec = record.spec;
    spec.instance_id = json.at("instance_id").get<std::string>();
    spec.instance_type = json.value("instance_type", "");
    spec.image_id = json.value("image_id", "");
    spec.region = json.value("region", "");
    spec.availability_zone = json.value("availability_zone", "");
    spec.private_ip = json.at("private_ip").get<std::string>();
    spec.key_name = json.value("key_name", "");
    spec.authorized_keys = json.value("authorized_keys", "");
    spec.user_data = json.value("user_data", "");
    spec.has_gpu = json.value("has_gpu", false);
    spec.base_image_dir = json.value("base_image_dir", "");
    for (const auto& rule : json.value("ingress", nlohmann::json::array())) {
      spec.ingress.push_back({rule.at("protocol").get<std::string>(),
                              rule.at("from_port").get<int>(), rule.at("to_port").get<int>(),
                              rule.at("cidrs").get<std::vector<std::string>>()});
    }
    record.keeper_pid = json.value("keeper_pid", 0);
    record.pid_namespace = json.value("pid_namespace", uint64_t{0});
    return record;
  } catch (const nlohmann::json::exception& error) {
    return Fail(ErrorCode::kInternal, std::string("bad instance record: ") + error.what());
  }
}

}  // namespace gpubox::local
