#pragma once
/// ISO 8601 timestamps as EC2 writes them ("2026-11-01T12:00:00.000Z").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gpubox::local {

std::string IsoTime(int64_t micros);
/// Reads "YYYY-MM-DDTHH:MM:SS[.fff][Z|+00:00]" (UTC) or epoch seconds.
std::optional<int64_t> ParseIsoTime(std::string_view text);

}  // namespace gpubox::local
