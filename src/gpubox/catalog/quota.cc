#include "gpubox/catalog/quota.h"

namespace gpubox {
namespace {

struct QuotaRule {
  std::string_view prefix;  ///< family prefix; longest match wins
  QuotaBucket on_demand;
  QuotaBucket spot;
};

constexpr QuotaBucket kStandardOnDemand{
    "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances"};
constexpr QuotaBucket kStandardSpot{
    "L-34B43A08", "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests"};
constexpr QuotaBucket kGOnDemand{"L-DB2E81BA", "Running On-Demand G and VT instances"};
constexpr QuotaBucket kGSpot{"L-3819A6DF", "All G and VT Spot Instance Requests"};
constexpr QuotaBucket kPOnDemand{"L-417A185B", "Running On-Demand P instances"};
constexpr QuotaBucket kP4Spot{"L-7212CCBC", "All P4, P3 and P2 Spot Instance Requests"};
constexpr QuotaBucket kP5Spot{"L-C4BD4855", "All P5 Spot Instance Requests"};

constexpr QuotaRule kRules[] = {
    {"g", kGOnDemand, kGSpot},
    {"vt", kGOnDemand, kGSpot},
    {"p", kPOnDemand, kP5Spot},  // P5 and later (p5, p5e, p5en, p6-*)
    {"p2", kPOnDemand, kP4Spot},
    {"p3", kPOnDemand, kP4Spot},
    {"p4", kPOnDemand, kP4Spot},
    {"dl",
     {"L-6E869C2A", "Running On-Demand DL instances"},
     {"L-85EED4F7", "All DL Spot Instance Requests"}},
    {"inf",
     {"L-1945791B", "Running On-Demand Inf instances"},
     {"L-B5D1601B", "All Inf Spot Instance Requests"}},
    {"trn",
     {"L-2C3B7624", "Running On-Demand Trn instances"},
     {"L-6B0D517C", "All Trn Spot Instance Requests"}},
    {"f",
     {"L-74FC7D96", "Running On-Demand F instances"},
     {"L-88CF9481", "All F Spot Instance Requests"}},
    {"x",
     {"L-7295265B", "Running On-Demand X instances"},
     {"L-E3A00192", "All X Spot Instance Requests"}},
};

}  // namespace

QuotaBucket QuotaFor(std::string_view family, Market market) {
  const QuotaRule* best = nullptr;
  for (const QuotaRule& rule : kRules) {
    if (family.starts_with(rule.prefix) &&
        (best == nullptr || rule.prefix.size() > best->prefix.size())) {
      best = &rule;
    }
  }
  if (best == nullptr) return market == Market::kSpot ? kStandardSpot : kStandardOnDemand;
  return market == Market::kSpot ? best->spot : best->on_demand;
}

}  // namespace gpubox
