#include "gpubox/local/key_material.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <vector>

#include "gpubox/aws/crypto.h"
#include "gpubox/local/runtime/ssh_keys.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

/// SSH mpint: big-endian, a leading zero when the top bit is set.
void PutMpint(std::string& out, const BIGNUM* number) {
  std::string bytes(BN_num_bytes(number), '\0');
  BN_bn2bin(number, reinterpret_cast<unsigned char*>(bytes.data()));
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80)) bytes.insert(0, 1, '\0');
  AppendSshString(out, bytes);
}

std::string Digest(const char* algorithm, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, EVP_get_digestbyname(algorithm), nullptr);
  return std::string(reinterpret_cast<char*>(out), length);
}

std::string ColonHex(std::string_view bytes) {
  std::string hex = aws::HexEncode(bytes), out;
  for (size_t index = 0; index < hex.size(); index += 2) {
    if (!out.empty()) out += ':';
    out += hex.substr(index, 2);
  }
  return out;
}

std::string Fingerprint(std::string_view key_type, std::string_view blob) {
  if (key_type == "ed25519") return aws::Base64Encode(aws::Sha256(blob));
  return ColonHex(Digest("MD5", blob));
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Result<KeyMaterial> GenerateRsa(std::string_view comment) {
  PkeyPtr key(EVP_RSA_gen(2048), EVP_PKEY_free);
  if (!key) return Fail(ErrorCode::kInternal, "RSA key generation failed");
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &e);
  std::string blob;
  AppendSshString(blob, "ssh-rsa");
  PutMpint(blob, e);
  PutMpint(blob, n);
  BN_free(n);
  BN_free(e);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey_traditional(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  KeyMaterial material;
  material.key_type = "rsa";
  material.public_key = "ssh-rsa " + aws::Base64Encode(blob) + " " + std::string(comment);
  material.fingerprint = ColonHex(Digest("SHA1", blob));
  material.private_key = std::string(data, length);
  while (!material.private_key.empty() && material.private_key.back() == '\n') {
    material.private_key.pop_back();
  }
  return material;
}

Result<KeyMaterial> GenerateEd25519(std::string_view comment) {
  OpenSshKeyPair pair = GPUBOX_TRY(GenerateEd25519KeyPair(comment));
  KeyMaterial material;
  material.key_type = "ed25519";
  material.public_key = pair.public_line;
  material.fingerprint = Fingerprint("ed25519", pair.public_blob);
  material.private_key = pair.private_key;
  while (!material.private_key.empty() && material.private_key.back() == '\n') {
    material.private_key.pop_back();
  }
  return material;
}

}  // namespace

Result<KeyMaterial> GenerateKeyMaterial(std::string_view key_type, std::string_view comment) {
  if (key_type == "rsa") return GenerateRsa(comment);
  if (key_type == "ed25519") return GenerateEd25519(comment);
  return Fail(ErrorCode::kUsage, "Invalid key type: " + std::string(key_type));
}

Result<KeyMaterial> ParsePublicKey(std::string_view line) {
  auto parts = Split(Trim(line), ' ');
  if (parts.size() < 2)
    return Fail(ErrorCode::kUsage, "Key is not in valid OpenSSH public key format");
  std::string_view kind = parts[0];
  if (kind != "ssh-rsa" && kind != "ssh-ed25519") {
    return Fail(ErrorCode::kUsage, "Key is not in valid OpenSSH public key format");
  }
  auto blob = aws::Base64Decode(parts[1]);
  if (!blob || blob->size() < 4 + kind.size() || blob->substr(4, kind.size()) != kind) {
    return Fail(ErrorCode::kUsage, "Key is not in valid OpenSSH public key format");
  }
  KeyMaterial material;
  material.key_type = kind == "ssh-rsa" ? "rsa" : "ed25519";
  material.public_key = std::string(Trim(line));
  material.fingerprint = Fingerprint(material.key_type, *blob);
  return material;
}

}  // namespace gpubox::local
