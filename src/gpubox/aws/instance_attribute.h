#pragma once
/// DescribeInstanceAttribute and ModifyInstanceAttribute for the EC2 client (the local cloud
/// answers them from its records: local/ec2_instance_attributes.cc).

#include <optional>
#include <string>

namespace gpubox::aws {

struct DescribeInstanceAttributeRequest {
  std::string attribute;  ///< "instanceInitiatedShutdownBehavior", "instanceType", "userData", ...
  std::string instance_id;
};

/// Sets one attribute (EC2 takes one per call); gpubox sets the shutdown behaviour.
struct ModifyInstanceAttributeRequest {
  std::string instance_id;
  std::optional<std::string> instance_initiated_shutdown_behavior;  ///< "stop", "terminate"
};

/// DescribeInstanceAttribute: the one attribute asked for, by its wire name.
struct DescribeInstanceAttributeResponse {
  std::string request_id;
  std::string instance_id;
  std::string attribute;  ///< its element ("instanceInitiatedShutdownBehavior")
  std::string value;      ///< its <value> ("stop"; "true"/"false"); empty when unset or a set
};

}  // namespace gpubox::aws
