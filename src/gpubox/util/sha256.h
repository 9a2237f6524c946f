#pragma once
/// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), what SigV4 signs with. Written here
/// rather than taken from OpenSSL: loading libcrypto (its relocations, its configuration)
/// costs a command several milliseconds before it signs its first request, more than
/// everything else `gpubox ls` does. Checked against the FIPS and RFC 4231 vectors and the
/// AWS SigV4 test suite (tests/unit/util/sha256_test.cc, tests/unit/aws/sigv4_*).

#include <string>
#include <string_view>

namespace gpubox {

/// Raw 32-byte SHA-256 digest of `data`.
std::string Sha256Digest(std::string_view data);

/// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256Digest(std::string_view key, std::string_view data);

}  // namespace gpubox
