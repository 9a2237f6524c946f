#pragma once
/// IMDSv2 as the instance sees it at 169.254.169.254: session tokens from
/// PUT /latest/api/token, metadata only with a valid token (401 otherwise).
/// Pure request -> reply logic, so it is tested without a namespace;
/// ImdsServer puts it on the wire inside the instance's network namespace.

#include <map>
#include <mutex>
#include <string>

#include "gpubox/sys/env.h"

namespace gpubox::local {

struct ImdsData {
  std::string instance_id;
  std::string instance_type;
  std::string image_id;
  std::string region;
  std::string availability_zone;
  std::string local_ipv4;
  std::string hostname;  ///< fully qualified, "ip-10-213-0-5.ec2.internal"
  std::string key_name;
  std::string openssh_key;
  std::string user_data;
};

struct ImdsRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  ///< names lower-cased
};

struct ImdsReply {
  int status = 200;
  std::string body;
  std::map<std::string, std::string> headers;
};

class ImdsService {
 public:
  /// `clock` decides token expiry; it must outlive the service.
  ImdsService(ImdsData data, Clock* clock);

  ImdsReply Handle(const ImdsRequest& request);

  /// Sets the spot interruption notice served at spot/instance-action
  /// ({"action":"stop","time":"2026-01-01T00:00:00Z"}); an empty action clears it.
  /// A notice also brings a rebalance recommendation, served at
  /// events/recommendations/rebalance ({"noticeTime":"..."}, the time the notice came):
  /// EC2 sends it at the latest with the notice.
  void SetInstanceAction(const std::string& action, const std::string& time);

 private:
  ImdsReply IssueToken(const ImdsRequest& request);
  bool TokenValid(const ImdsRequest& request);
  ImdsReply MetaData(const std::string& path);

  std::mutex mutex_;
  ImdsData data_;
  Clock* clock_;
  std::map<std::string, int64_t> token_expiry_micros_;
  std::string action_;
  std::string action_time_;
  std::string rebalance_time_;  ///< empty: no recommendation
};

}  // namespace gpubox::local
