#include "gpubox/util/sha256.h"

#include <array>
#include <cstdint>

namespace gpubox {
namespace {

constexpr std::array<uint32_t, 64> kRoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr uint32_t RotateRight(uint32_t value, int bits) {
  return (value >> bits) | (value << (32 - bits));
}

/// Folds one 64-byte block into the state.
void Compress(std::array<uint32_t, 8>& state, const unsigned char* block) {
  std::array<uint32_t, 64> schedule;
  for (int word_idx = 0; word_idx < 16; ++word_idx) {
    schedule[word_idx] = uint32_t{block[word_idx * 4]} << 24 |
                         uint32_t{block[word_idx * 4 + 1]} << 16 |
                         uint32_t{block[word_idx * 4 + 2]} << 8 | uint32_t{block[word_idx * 4 + 3]};
  }
  for (int word_idx = 16; word_idx < 64; ++word_idx) {
    uint32_t w15 = schedule[word_idx - 15], w2 = schedule[word_idx - 2];
    uint32_t s0 = RotateRight(w15, 7) ^ RotateRight(w15, 18) ^ (w15 >> 3);
    uint32_t s1 = RotateRight(w2, 17) ^ RotateRight(w2, 19) ^ (w2 >> 10);
    schedule[word_idx] = schedule[word_idx - 16] + s0 + schedule[word_idx - 7] + s1;
  }
  auto [a, b, c, d, e, f, g, h] = state;
  for (int round = 0; round < 64; ++round) {
    uint32_t sum1 = RotateRight(e, 6) ^ RotateRight(e, 11) ^ RotateRight(e, 25);
    uint32_t choice = (e & f) ^ (~e & g);
    uint32_t temp1 = h + sum1 + choice + kRoundConstants[round] + schedule[round];
    uint32_t sum0 = RotateRight(a, 2) ^ RotateRight(a, 13) ^ RotateRight(a, 22);
    uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    uint32_t temp2 = sum0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + temp1;
    d = c;
    c = b;
    b = a;
    a = temp1 + temp2;
  }
  const std::array<uint32_t, 8> add = {a, b, c, d, e, f, g, h};
  for (int word_idx = 0; word_idx < 8; ++word_idx) state[word_idx] += add[word_idx];
}

}  // namespace

std::string Sha256Digest(std::string_view data) {
  std::array<uint32_t, 8> state = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t whole = data.size() / 64 * 64;
  for (size_t offset = 0; offset < whole; offset += 64) Compress(state, bytes + offset);
  // The tail, a 0x80 byte, zeros, and the length in bits (big-endian) in one or two blocks.
  std::array<unsigned char, 128> tail{};
  size_t rest = data.size() - whole;
  for (size_t byte_idx = 0; byte_idx < rest; ++byte_idx) tail[byte_idx] = bytes[whole + byte_idx];
  tail[rest] = 0x80;
  size_t tail_size = rest + 1 + 8 <= 64 ? 64 : 128;
  uint64_t bits = uint64_t{data.size()} * 8;
  for (int byte_idx = 0; byte_idx < 8; ++byte_idx) {
    tail[tail_size - 1 - byte_idx] = static_cast<unsigned char>(bits >> (8 * byte_idx));
  }
  for (size_t offset = 0; offset < tail_size; offset += 64) Compress(state, tail.data() + offset);
  std::string digest(32, '\0');
  for (int word_idx = 0; word_idx < 8; ++word_idx) {
    for (int byte_idx = 0; byte_idx < 4; ++byte_idx) {
      digest[word_idx * 4 + byte_idx] = static_cast<char>(state[word_idx] >> (24 - 8 * byte_idx));
    }
  }
  return digest;
}

std::string HmacSha256Digest(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  std::string block_key = key.size() > kBlock ? Sha256Digest(key) : std::string(key);
  block_key.resize(kBlock, '\0');
  std::string inner(kBlock, '\0'), outer(kBlock, '\0');
  for (size_t byte_idx = 0; byte_idx < kBlock; ++byte_idx) {
    inner[byte_idx] = static_cast<char>(block_key[byte_idx] ^ 0x36);
    outer[byte_idx] = static_cast<char>(block_key[byte_idx] ^ 0x5c);
  }
  return Sha256Digest(outer + Sha256Digest(inner + std::string(data)));
}

}  // namespace gpubox
