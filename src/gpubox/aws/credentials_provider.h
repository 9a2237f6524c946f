#pragma once
/// Where signing credentials come from at the moment of each request.

#include "gpubox/aws/sigv4.h"
#include "gpubox/util/result.h"

namespace gpubox::aws {

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  /// Current credentials; kCredentials when there are none.
  virtual Result<Credentials> Get() = 0;
};

/// Fixed credentials (resolved once, or given by a test).
class StaticCredentialsProvider : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials)
      : credentials_(std::move(credentials)) {}
  Result<Credentials> Get() override { return credentials_; }

 private:
  Credentials credentials_;
};

}  // namespace gpubox::aws
