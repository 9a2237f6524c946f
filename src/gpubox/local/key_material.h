#pragma once
/// Key pairs as EC2 makes and imports them: CreateKeyPair generates the
/// private key (RSA 2048 as PEM, or ed25519 in OpenSSH's format) and keeps only
/// the public half; ImportKeyPair reads an OpenSSH public key line.

#include <string>
#include <string_view>

#include "gpubox/util/result.h"

namespace gpubox::local {

struct KeyMaterial {
  std::string key_type;     ///< "rsa" or "ed25519"
  std::string public_key;   ///< OpenSSH line: "ssh-ed25519 AAAA..."
  std::string fingerprint;  ///< as DescribeKeyPairs shows it
  std::string private_key;  ///< CreateKeyPair only
};

/// `key_type` "rsa" or "ed25519"; kUsage for anything else.
Result<KeyMaterial> GenerateKeyMaterial(std::string_view key_type, std::string_view comment);
/// Reads "ssh-rsa AAAA... [comment]" or "ssh-ed25519 AAAA... [comment]"; kUsage
/// when it is not one.
Result<KeyMaterial> ParsePublicKey(std::string_view line);

}  // namespace gpubox::local
