#include "gpubox/cli/box_json.h"

namespace gpubox {

nlohmann::json BoxJson(const BoxRecord& box) {
  return {{"name", box.name},
          {"cloud", box.cloud},
          {"state", BoxStateName(box.state)},
          {"region", box.region},
          {"zone", box.zone},
          {"instance_id", box.instance_id},
          {"instance_type", box.instance_type},
          {"gpu", box.gpu},
          {"market", MarketName(box.market)},
          {"price_usd_hr", box.price_usd_hr},
          {"ip", box.public_ip},
          {"image_id", box.image_id},
          {"disk_gib", box.disk_gib},
          {"framework", box.framework},
          {"setup_phases", box.setup_phases},
          {"failed_phase", box.failed_phase},
          {"key_path", box.key_path},
          {"cluster", box.cluster.empty() ? nlohmann::json(nullptr) : nlohmann::json(box.cluster)},
          {"node", box.node},
          {"nodes", box.nodes}};
}

nlohmann::json ListingJson(const BoxListing& listing) {
  nlohmann::json row = BoxJson(listing.box);
  row["cloud_state"] = listing.cloud_state;
  row["orphan"] = listing.orphan;
  row["uptime_seconds"] = listing.uptime_seconds;
  row["cost_usd"] = listing.cost_usd;
  row["disk_cost_usd"] = listing.cost.disk_usd;
  row["max_cost_usd"] = listing.box.max_cost_usd ? nlohmann::json(*listing.box.max_cost_usd)
                                                 : nlohmann::json(nullptr);
  row["max_hours"] =
      listing.box.max_hours ? nlohmann::json(*listing.box.max_hours) : nlohmann::json(nullptr);
  row["budget_left_usd"] =
      listing.budget_left.usd ? nlohmann::json(*listing.budget_left.usd) : nlohmann::json(nullptr);
  row["budget_left_hours"] = listing.budget_left.hours ? nlohmann::json(*listing.budget_left.hours)
                                                       : nlohmann::json(nullptr);
  return row;
}

nlohmann::json QuotaJson(const QuotaVerdict& verdict) {
  nlohmann::json row = {{"region", verdict.region},
                        {"quota_code", verdict.quota_code},
                        {"quota_name", verdict.quota_name},
                        {"quota_value", verdict.quota_value},
                        {"vcpus_in_use", verdict.vcpus_in_use},
                        {"vcpus_needed", verdict.vcpus_needed},
                        {"ok", verdict.ok}};
  row["request_value"] =
      verdict.ok ? nlohmann::json(nullptr) : nlohmann::json(verdict.request_value);
  return row;
}

}  // namespace gpubox
