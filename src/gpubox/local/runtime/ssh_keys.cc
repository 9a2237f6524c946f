#include "gpubox/local/runtime/ssh_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "gpubox/util/encoding.h"

namespace gpubox::local {

void AppendSshU32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

void AppendSshString(std::string& out, std::string_view text) {
  AppendSshU32(out, static_cast<uint32_t>(text.size()));
  out += text;
}

Result<OpenSshKeyPair> GenerateEd25519KeyPair(std::string_view comment) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
  std::string secret(32, '\0'), pub(32, '\0');
  size_t secret_length = secret.size(), pub_length = pub.size();
  uint32_t check = 0;
  if (!key ||
      EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(secret.data()),
                                   &secret_length) != 1 ||
      EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pub.data()),
                                  &pub_length) != 1 ||
      secret_length != 32 || pub_length != 32 ||
      RAND_bytes(reinterpret_cast<unsigned char*>(&check), sizeof check) != 1) {
    return Fail(ErrorCode::kInternal, "ed25519 key generation failed");
  }
  OpenSshKeyPair pair;
  AppendSshString(pair.public_blob, "ssh-ed25519");
  AppendSshString(pair.public_blob, pub);
  pair.public_line = "ssh-ed25519 " + Base64Encode(pair.public_blob) + " " + std::string(comment);
  // openssh-key-v1 (OpenSSH's PROTOCOL.key): no cipher, no KDF, one key; the private
  // section carries a check number twice, then padding 1, 2, 3... to a multiple of 8.
  std::string section;
  AppendSshU32(section, check);
  AppendSshU32(section, check);
  AppendSshString(section, "ssh-ed25519");
  AppendSshString(section, pub);
  AppendSshString(section, secret + pub);
  OPENSSL_cleanse(secret.data(), secret.size());
  AppendSshString(section, comment);
  for (char pad = 1; section.size() % 8 != 0; ++pad) section += pad;
  std::string body("openssh-key-v1", 15);  // with its NUL
  AppendSshString(body, "none");
  AppendSshString(body, "none");
  AppendSshString(body, "");
  AppendSshU32(body, 1);
  AppendSshString(body, pair.public_blob);
  AppendSshString(body, section);
  std::string encoded = Base64Encode(body);
  pair.private_key = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  for (size_t at = 0; at < encoded.size(); at += 70)
    pair.private_key += encoded.substr(at, 70) + "\n";
  pair.private_key += "-----END OPENSSH PRIVATE KEY-----\n";
  return pair;
}

}  // namespace gpubox::local
