#pragma once
/// Small string helpers; know nothing of gpubox.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpubox {

/// Splits on every `sep`; "a,,b" gives {"a", "", "b"}; "" gives {""}.
std::vector<std::string_view> Split(std::string_view text, char sep);
std::string_view Trim(std::string_view text);
/// The length (1..4) of the well-formed UTF-8 character at `at` (no overlongs, no
/// surrogates, nothing past U+10FFFF), or 0 when there is none there.
size_t Utf8CharLength(std::string_view text, size_t at);
/// Whether `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool IsValidUtf8(std::string_view text);
std::string ToLower(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

/// Whole-string parses: nullopt on empty input, trailing junk, or overflow.
std::optional<long long> ParseInt(std::string_view text);
std::optional<double> ParseDouble(std::string_view text);

/// Shortest decimal text that reads back as the same double ("0.526", "16").
std::string FormatDouble(double value);
/// Fixed decimals ("0.53" for (0.526, 2)).
std::string FormatFixed(double value, int decimals);

/// A stable, non-cryptographic digest of `text` as 32 hex digits (two FNV-1a 64-bit hashes):
/// the same text gives the same digest on every machine and in every version. For
/// idempotency tokens and names, never for secrets.
std::string StableDigestHex(std::string_view text);

}  // namespace gpubox
