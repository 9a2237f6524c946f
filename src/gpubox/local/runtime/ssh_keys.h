#pragma once
/// SSH keys in OpenSSH's own formats, made in-process (no ssh-keygen to start per instance):
/// the local instances' host keys, and the ed25519 key pairs the local cloud's CreateKeyPair
/// hands out.

#include <cstdint>
#include <string>
#include <string_view>

#include "gpubox/util/result.h"

namespace gpubox::local {

/// The SSH wire encodings (RFC 4251): a big-endian uint32, and a string as its length then
/// its bytes.
void AppendSshU32(std::string& out, uint32_t value);
void AppendSshString(std::string& out, std::string_view text);

struct OpenSshKeyPair {
  std::string public_blob;  ///< the wire-format public key ("ssh-ed25519", 32 bytes)
  std::string public_line;  ///< "ssh-ed25519 AAAA... COMMENT", as in a .pub file
  /// "-----BEGIN OPENSSH PRIVATE KEY-----\n...-----END OPENSSH PRIVATE KEY-----\n":
  /// openssh-key-v1, unencrypted, as `ssh-keygen -t ed25519 -N ''` writes it.
  std::string private_key;
};

/// A new ed25519 key pair from the kernel's random source; kInternal if OpenSSL fails.
Result<OpenSshKeyPair> GenerateEd25519KeyPair(std::string_view comment);

}  // namespace gpubox::local
