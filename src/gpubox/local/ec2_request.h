#pragma once
/// One decoded EC2 Query API request (Action=...&Version=...&Name.1=...) as
/// the service handlers see it, and the error they answer with.

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpubox::local {

struct Ec2Filter {
  std::string name;
  std::vector<std::string> values;
};

struct Ec2Request {
  std::string action;
  std::string region;      ///< from the SigV4 credential scope
  std::string request_id;  ///< echoed in the response
  std::map<std::string, std::string> params;
  /// The caller's account, from its access key; "" is the service's own account (the
  /// cloud's root key, and callers that do not say).
  std::string account_id;
  /// Who signed: the user the key was granted to ("" or "root": the cloud's own key).
  std::string principal;

  /// The parameter's value, or "" when absent.
  const std::string& Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  /// `prefix.1`, `prefix.2`, ... in order, until the first gap.
  std::vector<std::string> List(std::string_view prefix) const;
  /// The member indexes N present as `prefix.N.<anything>`, ascending.
  std::vector<int> Members(std::string_view prefix) const;
  /// Filter.N.Name with Filter.N.Value.M.
  std::vector<Ec2Filter> Filters() const;
};

/// An error as EC2 answers it: the HTTP status, the code and a message.
struct Ec2Error {
  int status = 400;
  std::string code;
  std::string message;
};

/// The response body, or the error for the whole call.
struct Ec2Reply {
  int status = 200;
  std::string body;
};

/// A value, or the EC2 error that refuses the request: the one way the
/// service's steps report failure.
template <typename T>
using Ec2Result = std::expected<T, Ec2Error>;

/// The whole call's answer for an error: EC2's error document, its status.
Ec2Reply ErrorReply(const Ec2Error& error, const Ec2Request& request);

/// `<Response><Errors><Error><Code>..` as EC2 writes errors.
std::string Ec2ErrorXml(const Ec2Error& error, std::string_view request_id);

/// Common errors.
Ec2Error InvalidParameter(std::string message);
Ec2Error MissingParameter(std::string_view name);

}  // namespace gpubox::local
