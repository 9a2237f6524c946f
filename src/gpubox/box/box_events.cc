#include "gpubox/box/box_events.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {

namespace {

constexpr char kEventsFile[] = "/var/lib/gpubox/events.jsonl";

std::string FieldText(const nlohmann::ordered_json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string joined;
    for (const auto& item : value) joined += (joined.empty() ? "" : ",") + FieldText(item);
    return joined;
  }
  return value.dump();
}

}  // namespace

std::vector<BoxAgentEvent> ParseBoxEvents(std::string_view text) {
  std::vector<BoxAgentEvent> events;
  for (std::string_view line : Split(text, '\n')) {
    auto object = nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object() || !object.contains("ts") || !object["ts"].is_number() ||
        !object.contains("kind") || !object["kind"].is_string()) {
      continue;
    }
    BoxAgentEvent event;
    event.time_us = std::llround(object["ts"].get<double>() * 1e6);
    event.kind = object["kind"].get<std::string>();
    for (const auto& [key, value] : object.items()) {
      if (key == "t" || key == "ts" || key == "kind") continue;
      event.message += (event.message.empty() ? "" : " ") + key + "=" + FieldText(value);
    }
    events.push_back(std::move(event));
  }
  return events;
}

Result<std::vector<BoxAgentEvent>> ReadBoxEvents(Env& env, const SshTarget& target, int limit) {
  std::string tail =
      "tail -n " + std::to_string(limit) + " " + kEventsFile + " 2>/dev/null || true";
  auto run = GPUBOX_TRY(env.processes->Run(SshCommand(target, {tail}), {.timeout_ms = 20000}));
  if (run.exit_code != 0) {
    return Fail(ErrorCode::kNetwork, "cannot read the box's events over SSH",
                "is the box running? 'gpubox ls' shows it");
  }
  return ParseBoxEvents(run.out);
}

}  // namespace gpubox
