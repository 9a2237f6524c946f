/// DescribeRegions, DescribeAvailabilityZones, DescribeInstanceTypes and
/// DescribeSpotPriceHistory: what the local cloud sells, from the catalog.

#include <algorithm>

#include "gpubox/local/ec2_paging.h"
#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_xml.h"
#include "gpubox/local/iso_time.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr int64_t kMicrosPerHour = 3600LL * 1000000;
/// How far back spot price history goes.
constexpr int64_t kSpotHistoryHours = 90 * 24;

std::string ZoneId(const std::string& zone) {
  std::string region = RegionOfZone(zone);
  std::string prefix = region == "us-east-1" ? "use1" : region == "us-west-2" ? "usw2" : "euw1";
  return prefix + "-az" + std::to_string(zone.back() - 'a' + 1);
}

using Values = std::optional<std::vector<std::string>>;

aws::InstanceTypeInfo TypeInfo(const RegionalOffer& offer) {
  const InstanceType& type = *offer.type;
  aws::InstanceTypeInfo info;
  info.instance_type = type.name;
  info.current_generation = type.generation == Generation::kCurrent;
  info.supported_usage_classes = {"on-demand"};
  if (offer.spot_base_usd_hr) info.supported_usage_classes.push_back("spot");
  info.supported_architectures = {type.arch};
  info.default_vcpus = type.vcpus;
  info.memory_mib = type.mem_mib;
  if (!type.gpu_model.empty()) {
    int count = std::max(type.gpu_count, 1);
    info.gpus.push_back({type.gpu_model, type.gpu_vendor, count, type.gpu_mem_mib});
    info.total_gpu_memory_mib = static_cast<int64_t>(count) * type.gpu_mem_mib;
  }
  info.network_performance = type.vcpus >= 48 ? "100 Gigabit" : "Up to 25 Gigabit";
  return info;
}

}  // namespace

Ec2Reply Ec2Service::DescribeRegions(const Ec2Request& request) {
  auto filters = request.Filters();
  auto names = request.List("RegionName");
  XmlWriter xml = StartResponse("DescribeRegions", request.request_id);
  xml.Open("regionInfo");
  for (const std::string& region : LocalRegions()) {
    if (!names.empty() && std::find(names.begin(), names.end(), region) == names.end()) continue;
    std::string endpoint = "ec2." + region + ".amazonaws.com";
    auto values = [&](const std::string& name) -> Values {
      if (name == "region-name") return std::vector{region};
      if (name == "endpoint") return std::vector{endpoint};
      if (name == "opt-in-status") return std::vector<std::string>{"opt-in-not-required"};
      return std::nullopt;
    };
    if (auto ok = CheckFilterNames(filters, values); !ok) return ErrorReply(ok.error(), request);
    if (!MatchesFilters(filters, {}, values)) continue;
    xml.Open("item");
    xml.Text("regionName", region);
    xml.Text("regionEndpoint", endpoint);
    xml.Text("optInStatus", "opt-in-not-required");
    xml.Close();
  }
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DescribeAvailabilityZones(const Ec2Request& request) {
  auto filters = request.Filters();
  auto names = request.List("ZoneName");
  auto ids = request.List("ZoneId");
  XmlWriter xml = StartResponse("DescribeAvailabilityZones", request.request_id);
  xml.Open("availabilityZoneInfo");
  for (const std::string& zone : ZonesOf(request.region)) {
    std::string zone_id = ZoneId(zone);
    if (!names.empty() && std::find(names.begin(), names.end(), zone) == names.end()) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), zone_id) == ids.end()) continue;
    auto values = [&](const std::string& name) -> Values {
      if (name == "zone-name") return std::vector{zone};
      if (name == "zone-id") return std::vector{zone_id};
      if (name == "region-name") return std::vector{request.region};
      if (name == "state") return std::vector<std::string>{"available"};
      if (name == "zone-type") return std::vector<std::string>{"availability-zone"};
      if (name == "opt-in-status") return std::vector<std::string>{"opt-in-not-required"};
      return std::nullopt;
    };
    if (auto ok = CheckFilterNames(filters, values); !ok) return ErrorReply(ok.error(), request);
    if (!MatchesFilters(filters, {}, values)) continue;
    xml.Open("item");
    xml.Text("zoneName", zone);
    xml.Text("zoneState", "available");
    xml.Text("regionName", request.region);
    xml.Text("zoneId", zone_id);
    xml.Text("groupName", request.region);
    xml.Text("optInStatus", "opt-in-not-required");
    xml.Text("networkBorderGroup", request.region);
    xml.Text("zoneType", "availability-zone");
    xml.Open("messageSet");
    xml.Close();
    xml.Close();
  }
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DescribeInstanceTypes(const Ec2Request& request) {
  auto filters = request.Filters();
  auto wanted = request.List("InstanceType");
  for (const std::string& name : wanted) {
    if (!offers_.Find(request.region, name)) {
      return ErrorReply({400, "InvalidInstanceType",
                         "The following supplied instance types do not exist: [" + name + "]"},
                        request);
    }
  }
  std::vector<aws::InstanceTypeInfo> matched;
  for (const RegionalOffer* offer : offers_.OffersIn(request.region)) {
    if (!wanted.empty() &&
        std::find(wanted.begin(), wanted.end(), offer->type->name) == wanted.end()) {
      continue;
    }
    aws::InstanceTypeInfo info = TypeInfo(*offer);
    auto values = [&](const std::string& name) -> Values {
      if (name == "instance-type") return std::vector{info.instance_type};
      if (name == "current-generation") {
        return std::vector<std::string>{info.current_generation ? "true" : "false"};
      }
      if (name == "supported-usage-class") return info.supported_usage_classes;
      if (name == "processor-info.supported-architecture") return info.supported_architectures;
      if (name == "vcpu-info.default-vcpus") return std::vector{std::to_string(info.default_vcpus)};
      if (name == "memory-info.size-in-mib") return std::vector{std::to_string(info.memory_mib)};
      std::vector<std::string> gpu_values;
      for (const aws::GpuDeviceInfo& gpu : info.gpus) {
        if (name == "gpu-info.gpus.name") gpu_values.push_back(gpu.name);
        if (name == "gpu-info.gpus.manufacturer") gpu_values.push_back(gpu.manufacturer);
        if (name == "gpu-info.gpus.count") gpu_values.push_back(std::to_string(gpu.count));
        if (name == "gpu-info.gpus.memory-info.size-in-mib") {
          gpu_values.push_back(std::to_string(gpu.memory_mib));
        }
      }
      if (name.starts_with("gpu-info.gpus.")) return gpu_values;
      if (name == "gpu-info.total-gpu-memory-in-mib") {
        return std::vector{std::to_string(info.total_gpu_memory_mib)};
      }
      return std::nullopt;
    };
    if (auto ok = CheckFilterNames(filters, values); !ok) return ErrorReply(ok.error(), request);
    if (MatchesFilters(filters, {}, values)) matched.push_back(std::move(info));
  }
  auto page = PageOf(request, matched.size(), 100, 100);
  if (!page) return ErrorReply(page.error(), request);
  XmlWriter xml = StartResponse("DescribeInstanceTypes", request.request_id);
  xml.Open("instanceTypeSet");
  for (size_t index = page->begin; index < page->end; ++index) {
    xml.Open("item");
    WriteInstanceTypeInfo(xml, matched[index]);
    xml.Close();
  }
  xml.Close();
  xml.TextIfSet("nextToken", page->next_token);
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::DescribeSpotPriceHistory(const Ec2Request& request) {
  auto filters = request.Filters();
  auto types = request.List("InstanceType");
  auto products = request.List("ProductDescription");
  if (products.empty()) products = {"Linux/UNIX"};
  const std::string& zone_wanted = request.Get("AvailabilityZone");
  int64_t now = Now();
  int64_t end = now;
  if (request.Has("EndTime")) {
    auto parsed = ParseIsoTime(request.Get("EndTime"));
    if (!parsed) return ErrorReply(InvalidParameter("Invalid value for EndTime"), request);
    end = std::min(*parsed, now);
  }
  int64_t start = end;
  if (request.Has("StartTime")) {
    auto parsed = ParseIsoTime(request.Get("StartTime"));
    if (!parsed) return ErrorReply(InvalidParameter("Invalid value for StartTime"), request);
    start = std::max(*parsed, end - kSpotHistoryHours * kMicrosPerHour);
  }
  int64_t last_hour = end / kMicrosPerHour;
  int64_t first_hour = std::min(start / kMicrosPerHour, last_hour);
  std::vector<aws::SpotPrice> history;
  for (int64_t hour = last_hour; hour >= first_hour; --hour) {
    for (const RegionalOffer* offer : offers_.OffersIn(request.region)) {
      const std::string& type = offer->type->name;
      if (!offer->spot_base_usd_hr) continue;
      if (!types.empty() && std::find(types.begin(), types.end(), type) == types.end()) continue;
      for (const std::string& zone : ZonesOf(request.region)) {
        if (!zone_wanted.empty() && zone != zone_wanted) continue;
        auto price = offers_.SpotPrice(type, zone, hour * kMicrosPerHour);
        for (const std::string& product : products) {
          if (product != "Linux/UNIX" && product != "Linux/UNIX (Amazon VPC)") continue;
          aws::SpotPrice entry{zone, type, product, PriceText(*price),
                               IsoTime(hour * kMicrosPerHour)};
          auto values = [&](const std::string& name) -> Values {
            if (name == "availability-zone") return std::vector{entry.availability_zone};
            if (name == "instance-type") return std::vector{entry.instance_type};
            if (name == "product-description") return std::vector{entry.product_description};
            if (name == "spot-price") return std::vector{entry.spot_price};
            if (name == "timestamp") return std::vector{entry.timestamp};
            return std::nullopt;
          };
          if (auto ok = CheckFilterNames(filters, values); !ok)
            return ErrorReply(ok.error(), request);
          if (MatchesFilters(filters, {}, values)) history.push_back(std::move(entry));
        }
      }
    }
  }
  auto page = PageOf(request, history.size(), 1000, 1000);
  if (!page) return ErrorReply(page.error(), request);
  XmlWriter xml = StartResponse("DescribeSpotPriceHistory", request.request_id);
  xml.Open("spotPriceHistorySet");
  for (size_t index = page->begin; index < page->end; ++index) {
    xml.Open("item");
    WriteSpotPrice(xml, history[index]);
    xml.Close();
  }
  xml.Close();
  xml.Text("nextToken", page->next_token);
  return {200, xml.Finish()};
}

}  // namespace gpubox::local
