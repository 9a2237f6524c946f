#pragma once
/// Hashes and encodings the AWS protocols need (the digests: util/sha256.h).

#include <string>
#include <string_view>

#include "gpubox/util/encoding.h"
#include "gpubox/util/result.h"

namespace gpubox::aws {

using gpubox::Base64Decode;  // util/encoding.h
using gpubox::Base64Encode;
using gpubox::HexEncode;
/// Raw 32-byte SHA-256 digest.
std::string Sha256(std::string_view data);
/// Lower-case hex SHA-256 ("e3b0c442..." for the empty string).
std::string Sha256Hex(std::string_view data);
/// Raw 32-byte HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace gpubox::aws
