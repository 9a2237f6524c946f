#include "gpubox/box/instance_facts.h"

#include <cstdio>
#include <ctime>

namespace gpubox {

namespace {

/// "2026-12-02 13:05:00" or "2026-12-02T13:05:00..." (UTC) as Unix seconds; 0 otherwise.
int64_t ParseUtc(const char* text) {
  std::tm parts{};
  int fields = std::sscanf(text, "%4d-%2d-%2d%*c%2d:%2d:%2d", &parts.tm_year, &parts.tm_mon,
                           &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec);
  if (fields != 6) return 0;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&parts));
}

}  // namespace

int64_t TransitionTime(const aws::Instance& instance) {
  const std::string& reason = instance.state_transition_reason;
  size_t open = reason.find('(');
  if (open == std::string::npos) return 0;
  // EC2 writes "2026-12-02 13:05:00 GMT"; the local cloud "2026-12-02T13:05:00 GMT".
  return ParseUtc(reason.c_str() + open + 1);
}

int64_t LaunchTime(const aws::Instance& instance) { return ParseUtc(instance.launch_time.c_str()); }

}  // namespace gpubox
