#include "gpubox/aws/crypto.h"

#include <cstdint>

#include "gpubox/util/sha256.h"

namespace gpubox::aws {

std::string Sha256(std::string_view data) { return Sha256Digest(data); }

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  return HmacSha256Digest(key, data);
}

}  // namespace gpubox::aws
