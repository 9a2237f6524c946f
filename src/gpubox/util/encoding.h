#pragma once
/// Hex and base64: the one home of each (SigV4's digests, EC2's base64 fields, host-key
/// fingerprints, secrets written as text).

#include <string>
#include <string_view>

#include "gpubox/util/result.h"

namespace gpubox {

/// Lower-case hex of the bytes.
std::string HexEncode(std::string_view bytes);
/// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);
/// Standard base64 (padding optional, whitespace ignored); kUsage on bad input.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace gpubox
