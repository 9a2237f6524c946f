#pragma once

namespace gpubox {
inline constexpr const char kVersion[] = "0.1.0";
}
