#pragma once
/// AWS Signature Version 4 (header authorisation), byte-identical to
/// botocore's SigV4Auth, plus what a server needs to verify a signature.
///
/// Canonical request as botocore builds it:
///  - method upper-cased;
///  - path: dot segments and empty segments removed, then percent-encoded
///    (everything but A-Z a-z 0-9 - _ . ~ and '/');
///  - query: pairs split on '&' and '=', each key and value percent-decoded
///    and re-encoded (unreserved kept), sorted by key then value;
///  - headers: names lower-cased, all headers but user-agent, expect and
///    x-amzn-trace-id; repeated names joined with ',' in order; values with
///    runs of whitespace collapsed and trimmed; host from the URL (with a
///    non-default port) when there is no Host header;
///  - payload: X-Amz-Content-SHA256 if present, else hex SHA-256 of the body.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/sys/http_transport.h"
#include "gpubox/util/result.h"

namespace gpubox::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< empty for long-term keys
  std::string source;         ///< where they came from ("environment", "profile default", ...)
};

/// A request as the signer sees it (client side: from an HttpRequest; server
/// side: from what arrived on the socket).
struct SignableRequest {
  std::string method;
  std::string path;     ///< raw path from the request line, without the query
  std::string query;    ///< raw query string, without '?'
  HttpHeaders headers;  ///< as sent, in order; names in any case; repeats allowed
  std::string body;
};

/// Everything the signature was computed over; for logs, tests and servers.
struct SignatureParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       ///< lower-case hex
  std::string signed_headers;  ///< "content-type;host;x-amz-date"
  std::string authorization;   ///< the full Authorization header value
};

/// The parsed value of an Authorization header.
struct ParsedAuthorization {
  std::string access_key_id;
  std::string date;  ///< YYYYMMDD from the credential scope
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  ///< lower-case, as listed
  std::string signature;
};

/// "20150830T123600Z" for the given Unix time.
std::string FormatAmzDate(int64_t unix_seconds);

/// Splits an absolute URL into a SignableRequest (path, query, body, the
/// request's headers), adding "host" from the URL when no Host header is set.
SignableRequest SignableFromHttp(const HttpRequest& request);

/// Computes the signature over exactly the headers named in `signed_headers`
/// (lower-case; order does not matter). `amz_date` is the request's
/// X-Amz-Date (YYYYMMDDTHHMMSSZ). A server verifies by recomputing with the
/// header list and scope from ParseAuthorization and comparing signatures.
SignatureParts ComputeSignature(const SignableRequest& request,
                                const std::vector<std::string>& signed_headers,
                                std::string_view access_key_id, std::string_view secret_access_key,
                                std::string_view amz_date, std::string_view region,
                                std::string_view service);

/// The header names botocore signs for this request: every header's name
/// lower-cased, minus user-agent, expect and x-amzn-trace-id, sorted, unique.
std::vector<std::string> HeadersToSign(const SignableRequest& request);

/// Signs in place as botocore does: drops any Authorization, sets X-Amz-Date
/// (replacing any), sets X-Amz-Security-Token when the credentials have a
/// session token (replacing any), then adds Authorization. Returns what was
/// signed.
SignatureParts SignRequest(HttpRequest& request, const Credentials& credentials,
                           std::string_view region, std::string_view service, int64_t unix_seconds);

/// Parses "AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=hex". kCredentials on anything malformed.
Result<ParsedAuthorization> ParseAuthorization(std::string_view header_value);

/// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (and '/' when
/// keep_slash), upper-case hex, as SigV4 and Python's quote do.
std::string UriEncode(std::string_view text, bool keep_slash = false);

}  // namespace gpubox::aws
