#include "gpubox/local/sigv4_verifier.h"

#include <ctime>
#include <optional>
#include <vector>

#include "gpubox/aws/query_protocol.h"
#include "gpubox/aws/sigv4.h"
#include "gpubox/local/offer_book.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";
/// Signs for unknown keys, so they cost what a known key costs.
constexpr char kDecoySecret[] = "gpubox-local-decoy-secret-for-unknown-access-keys";

AuthFailure NotValidated() {
  return {401, "AuthFailure", "AWS was not able to validate the provided access credentials"};
}

AuthFailure Incomplete(std::string message) {
  return {400, "IncompleteSignature", std::move(message)};
}

std::string HeaderValue(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

/// "20150830T123600Z" -> Unix seconds.
std::optional<int64_t> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  for (size_t index : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}) {
    if (text[index] < '0' || text[index] > '9') return std::nullopt;
  }
  auto number = [&](size_t at, size_t length) {
    return static_cast<int>(*ParseInt(text.substr(at, length)));
  };
  std::tm parts{};
  parts.tm_year = number(0, 4) - 1900;
  parts.tm_mon = number(4, 2) - 1;
  parts.tm_mday = number(6, 2);
  parts.tm_hour = number(9, 2);
  parts.tm_min = number(11, 2);
  parts.tm_sec = number(13, 2);
  if (parts.tm_mon > 11 || parts.tm_mday < 1 || parts.tm_mday > 31 || parts.tm_hour > 23 ||
      parts.tm_min > 59 || parts.tm_sec > 60) {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&parts));
}

/// The raw query without its X-Amz-Signature pair (what the presigner signed).
std::string QueryWithoutSignature(std::string_view query) {
  std::string out;
  for (std::string_view pair : Split(query, '&')) {
    if (pair.substr(0, pair.find('=')) == "X-Amz-Signature") continue;
    if (!out.empty()) out += '&';
    out += pair;
  }
  return out;
}

/// The query as AWS canonicalises it on the server: each name and value
/// form-decoded ('+' is a space) and percent-encoded again (RFC 3986
/// unreserved kept). Signers that encode spaces as '+' on the wire but sign
/// "%20" (Apache Libcloud) match this one.
std::string ReencodedQuery(std::string_view query) {
  std::string out;
  for (std::string_view pair : Split(query, '&')) {
    auto decoded = aws::DecodeForm(pair);
    if (!decoded || decoded->size() != 1) return std::string(query);
    if (!out.empty()) out += '&';
    out += aws::UriEncode((*decoded)[0].first) + "=" + aws::UriEncode((*decoded)[0].second);
  }
  return out;
}

/// What the signature claims, from the header or the query.
struct Claim {
  aws::ParsedAuthorization auth;
  std::string amz_date;
  int64_t expires_seconds = -1;  ///< presigned only
};

std::expected<Claim, AuthFailure> ClaimFromQuery(const ArrivedRequest& request) {
  auto params = aws::DecodeFormMap(request.query);
  if (!params) return std::unexpected(Incomplete("The query string is malformed."));
  auto get = [&](const char* name) {
    auto found = params->find(name);
    return found == params->end() ? std::string() : found->second;
  };
  for (const char* name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                           "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Expires"}) {
    if (get(name).empty()) {
      return std::unexpected(Incomplete(std::string("AWS query-string parameters must include '") +
                                        name + "'. Re-examine the query-string parameters."));
    }
  }
  if (get("X-Amz-Algorithm") != kAlgorithm) {
    return std::unexpected(Incomplete("Unsupported AWS 'algorithm': '" + get("X-Amz-Algorithm") +
                                      "'. Use AWS4-HMAC-SHA256."));
  }
  auto parsed = aws::ParseAuthorization(
      std::string(kAlgorithm) + " Credential=" + get("X-Amz-Credential") +
      ", SignedHeaders=" + get("X-Amz-SignedHeaders") + ", Signature=" + get("X-Amz-Signature"));
  if (!parsed) return std::unexpected(Incomplete(parsed.error().message));
  auto expires = ParseInt(get("X-Amz-Expires"));
  if (!expires || *expires < 1 || *expires > kMaxPresignedExpirySeconds) {
    return std::unexpected(
        AuthFailure{400, "AuthorizationQueryParametersError",
                    "X-Amz-Expires must be a number of seconds between 1 and 604800."});
  }
  return Claim{std::move(*parsed), get("X-Amz-Date"), *expires};
}

std::expected<Claim, AuthFailure> ClaimFromHeader(const ArrivedRequest& request) {
  std::string header = HeaderValue(request.headers, "Authorization");
  if (header.empty()) return std::unexpected(NotValidated());
  auto parsed = aws::ParseAuthorization(header);
  if (!parsed) return std::unexpected(Incomplete(parsed.error().message));
  std::string amz_date = HeaderValue(request.headers, "X-Amz-Date");
  if (amz_date.empty()) {
    return std::unexpected(Incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."));
  }
  return Claim{std::move(*parsed), amz_date, -1};
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  size_t length = std::min(a.size(), b.size());
  for (size_t index = 0; index < length; ++index) {
    difference |= static_cast<unsigned char>(a[index] ^ b[index]);
  }
  return difference == 0;
}

bool IsPresigned(std::string_view query) {
  for (std::string_view pair : Split(query, '&')) {
    std::string_view key = pair.substr(0, pair.find('='));
    if (key == "X-Amz-Signature" || key == "X-Amz-Credential" || key == "X-Amz-Algorithm") {
      return true;
    }
  }
  return false;
}

std::expected<std::string, AuthFailure> VerifySigV4(const ArrivedRequest& request,
                                                    const LocalAccount& account,
                                                    std::string_view service,
                                                    int64_t now_unix_seconds) {
  KeyLookup one = [&account](std::string_view access_key_id) -> std::optional<LocalAccount> {
    if (ConstantTimeEquals(access_key_id, account.access_key_id)) return account;
    return std::nullopt;
  };
  return VerifySigV4(request, one, service, now_unix_seconds);
}

std::expected<std::string, AuthFailure> VerifySigV4(const ArrivedRequest& request,
                                                    const KeyLookup& keys, std::string_view service,
                                                    int64_t now_unix_seconds) {
  bool presigned = IsPresigned(request.query);
  auto claim = presigned ? ClaimFromQuery(request) : ClaimFromHeader(request);
  if (!claim) return std::unexpected(claim.error());
  const aws::ParsedAuthorization& auth = claim->auth;
  if (auth.service != service) {
    return std::unexpected(AuthFailure{
        403, "SignatureDoesNotMatch",
        "Credential should be scoped to correct service: '" + std::string(service) + "'. "});
  }
  auto signed_at = ParseAmzDate(claim->amz_date);
  if (!signed_at) {
    return std::unexpected(
        Incomplete("Invalid X-Amz-Date '" + claim->amz_date +
                   "': expected the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'"));
  }
  if (claim->amz_date.substr(0, 8) != auth.date) {
    return std::unexpected(AuthFailure{
        403, "SignatureDoesNotMatch",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '" +
            auth.date + "' != '" + claim->amz_date.substr(0, 8) + "', from '" + claim->amz_date +
            "'."});
  }
  int64_t skew = now_unix_seconds - *signed_at;
  if (skew < -kMaxClockSkewSeconds || (!presigned && skew > kMaxClockSkewSeconds)) {
    return std::unexpected(
        AuthFailure{400, "RequestExpired",
                    "Request has expired. Timestamp date is " + claim->amz_date +
                        "; the server's clock and the request's differ by more than 15 minutes."});
  }
  if (presigned && skew > claim->expires_seconds) {
    return std::unexpected(AuthFailure{400, "RequestExpired",
                                       "Request has expired. The presigned URL was signed at " +
                                           claim->amz_date + " and expired after " +
                                           std::to_string(claim->expires_seconds) + " seconds."});
  }
  std::optional<LocalAccount> account = keys(auth.access_key_id);
  bool known_key = account.has_value();
  std::string_view secret = known_key ? std::string_view(account->secret_access_key) : kDecoySecret;
  aws::SignableRequest signable;
  signable.path = request.path;
  signable.query = presigned ? QueryWithoutSignature(request.query) : request.query;
  signable.headers = request.headers;
  signable.body = request.body;
  // botocore's presigner signs the operation's method (POST for EC2) and
  // clients then fetch the URL with GET: a presigned GET may match either.
  std::vector<std::string> methods = {request.method};
  if (presigned && request.method == "GET") methods.push_back("POST");
  std::vector<std::string> queries = {signable.query};
  if (std::string reencoded = ReencodedQuery(signable.query); reencoded != signable.query) {
    queries.push_back(std::move(reencoded));
  }
  bool matched = false;
  for (const std::string& method : methods) {
    for (const std::string& query : queries) {
      signable.method = method;
      signable.query = query;
      aws::SignatureParts parts =
          aws::ComputeSignature(signable, auth.signed_headers, auth.access_key_id, secret,
                                claim->amz_date, auth.region, auth.service);
      matched |= ConstantTimeEquals(parts.signature, auth.signature);
    }
  }
  if (!matched || !known_key) return std::unexpected(NotValidated());
  if (!IsLocalRegion(auth.region)) {
    return std::unexpected(AuthFailure{401, "AuthFailure",
                                       "The region '" + auth.region +
                                           "' is not served by the local cloud (us-east-1, "
                                           "us-west-2, eu-west-1)"});
  }
  return auth.region;
}

}  // namespace gpubox::local
