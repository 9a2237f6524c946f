#pragma once
/// Verifies an incoming request's SigV4 signature as an AWS service does,
/// wherever the client put it: the Authorization header, or the query string
/// (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
/// X-Amz-SignedHeaders, X-Amz-Signature: presigned, as botocore's presigner
/// and other SDKs write them). Checks, in order:
///  - the signature's parts are all there and well formed (IncompleteSignature);
///  - the scope names the service addressed (`ec2` or `servicequotas`) and the
///    day of X-Amz-Date (SignatureDoesNotMatch, with AWS's messages);
///  - X-Amz-Date is within 15 minutes of now, and a presigned URL has not
///    outlived X-Amz-Expires (RequestExpired);
///  - the signature, compared in constant time, recomputed with the account's
///    secret; an unknown access key is answered exactly as a wrong signature
///    (AuthFailure, 401, as EC2 answers both) after the same work;
///  - the region is one the local cloud serves.
/// No HTTP library here: the server hands in what arrived.

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gpubox/sys/http_transport.h"

namespace gpubox::local {

struct LocalAccount {
  std::string account_id;
  std::string access_key_id;
  std::string secret_access_key;
};

/// A request as it arrived.
struct ArrivedRequest {
  std::string method;  ///< GET, POST
  std::string path;    ///< raw, without the query
  std::string query;   ///< raw, without '?'
  HttpHeaders headers;
  std::string body;
};

struct AuthFailure {
  int status;
  std::string code;
  std::string message;
};

/// How far X-Amz-Date may be from the server's clock.
inline constexpr int64_t kMaxClockSkewSeconds = 15 * 60;
/// The longest X-Amz-Expires a presigned URL may ask for (7 days).
inline constexpr int64_t kMaxPresignedExpirySeconds = 7 * 24 * 3600;

/// Whether the request carries its signature in the query (presigned).
bool IsPresigned(std::string_view query);

/// The account and secret of an access key id; nullopt when no such key is in force.
using KeyLookup = std::function<std::optional<LocalAccount>(std::string_view access_key_id)>;

/// Verifies the signature for `service` against the key `keys` finds for the claimed access
/// key id; returns the credential scope's region.
std::expected<std::string, AuthFailure> VerifySigV4(const ArrivedRequest& request,
                                                    const KeyLookup& keys, std::string_view service,
                                                    int64_t now_unix_seconds);

/// The same with one account's key alone.
std::expected<std::string, AuthFailure> VerifySigV4(const ArrivedRequest& request,
                                                    const LocalAccount& account,
                                                    std::string_view service,
                                                    int64_t now_unix_seconds);

/// Equal bytes, in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace gpubox::local
