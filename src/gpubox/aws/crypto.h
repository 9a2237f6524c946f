#pragma once
/// Hashes and encodings the AWS protocols need (the digests: util/sha256.h).

#include <string>
#include <string_view>

#include "gpubox/util/result.h"

namespace gpubox::aws {

/// Lower-case hex of the bytes.
std::string HexEncode(std::string_view bytes);
/// Raw 32-byte SHA-256 digest.
std::string Sha256(std::string_view data);
/// Lower-case hex SHA-256 ("e3b0c442..." for the empty string).
std::string Sha256Hex(std::string_view data);
/// Raw 32-byte HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
/// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);
/// Standard base64 (padding optional, whitespace ignored); kUsage on bad input.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace gpubox::aws
