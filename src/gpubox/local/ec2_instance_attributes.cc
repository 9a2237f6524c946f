/// DescribeInstanceAttribute and ModifyInstanceAttribute: the attributes the local cloud
/// keeps, in EC2's wire form (<instanceInitiatedShutdownBehavior><value>stop</value>...).
/// Modify changes InstanceInitiatedShutdownBehavior; other attributes are refused as
/// UnsupportedOperation.

#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_xml.h"

namespace gpubox::local {
namespace {

/// <name><value>value</value></name>; an empty value as an empty element, as EC2 writes
/// an attribute that is not set (<kernel/>).
void WriteValue(XmlWriter& xml, std::string_view name, std::string_view value) {
  xml.Open(name);
  xml.TextIfSet("value", value);
  xml.Close();
}

void WriteBoolValue(XmlWriter& xml, std::string_view name, bool value) {
  xml.Open(name);
  xml.Bool("value", value);
  xml.Close();
}

Ec2Error Unsupported(std::string_view attribute) {
  return {400, "UnsupportedOperation",
          "The attribute " + std::string(attribute) + " is not supported by the local cloud."};
}

/// The one attribute ModifyInstanceAttribute sets, as (attribute, value): from
/// InstanceInitiatedShutdownBehavior.Value, or Attribute and Value.
Ec2Result<std::pair<std::string, std::string>> ModifiedAttribute(const Ec2Request& request) {
  if (request.Has("InstanceInitiatedShutdownBehavior.Value")) {
    return std::pair<std::string, std::string>{
        "instanceInitiatedShutdownBehavior",
        request.Get("InstanceInitiatedShutdownBehavior.Value")};
  }
  for (const char* name : {"InstanceType.Value", "UserData.Value", "DisableApiTermination.Value",
                           "DisableApiStop.Value", "SourceDestCheck.Value", "EbsOptimized.Value",
                           "EnaSupport.Value", "Kernel.Value", "Ramdisk.Value", "GroupId.1"}) {
    if (request.Has(name)) return std::unexpected(Unsupported(name));
  }
  if (!request.Has("Attribute")) return std::unexpected(MissingParameter("Attribute"));
  const std::string& attribute = request.Get("Attribute");
  if (attribute != "instanceInitiatedShutdownBehavior") {
    return std::unexpected(Unsupported(attribute));
  }
  const std::string& value = request.Get("Value");
  if (value != "stop" && value != "terminate") {
    return std::unexpected(InvalidParameter("Value (" + value +
                                            ") for parameter value is invalid. Expected: "
                                            "'stop', 'terminate'."));
  }
  return std::pair<std::string, std::string>{attribute, value};
}

}  // namespace

Ec2Reply Ec2Service::DescribeInstanceAttribute(const Ec2Request& request) {
  if (!request.Has("InstanceId")) return ErrorReply(MissingParameter("InstanceId"), request);
  if (!request.Has("Attribute")) return ErrorReply(MissingParameter("Attribute"), request);
  auto found = FindInstances(request, {request.Get("InstanceId")});
  if (!found) return ErrorReply(found.error(), request);
  const InstanceRecord& record = *found->front();
  const aws::Instance& instance = record.instance;
  const std::string& attribute = request.Get("Attribute");
  XmlWriter xml = StartResponse(request.action, request.request_id);
  xml.Text("instanceId", instance.instance_id);
  if (attribute == "instanceInitiatedShutdownBehavior") {
    WriteValue(xml, attribute, record.shutdown_behavior);
  } else if (attribute == "instanceType") {
    WriteValue(xml, attribute, instance.instance_type);
  } else if (attribute == "userData") {
    WriteValue(xml, attribute, record.user_data);
  } else if (attribute == "rootDeviceName") {
    WriteValue(xml, attribute, instance.root_device_name);
  } else if (attribute == "kernel" || attribute == "ramdisk") {
    WriteValue(xml, attribute, "");  // HVM images have neither
  } else if (attribute == "disableApiTermination" || attribute == "disableApiStop" ||
             attribute == "ebsOptimized") {
    WriteBoolValue(xml, attribute, false);
  } else if (attribute == "sourceDestCheck" || attribute == "enaSupport") {
    WriteBoolValue(xml, attribute, true);
  } else if (attribute == "productCodes") {
    xml.Open(attribute);
    xml.Close();
  } else if (attribute == "groupSet") {
    xml.Open(attribute);
    for (const aws::GroupIdentifier& group : instance.security_groups) {
      xml.Open("item");
      xml.Text("groupId", group.group_id);
      xml.Text("groupName", group.group_name);
      xml.Close();
    }
    xml.Close();
  } else {
    return ErrorReply(Unsupported(attribute), request);
  }
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::ModifyInstanceAttribute(const Ec2Request& request) {
  if (!request.Has("InstanceId")) return ErrorReply(MissingParameter("InstanceId"), request);
  auto found = FindInstances(request, {request.Get("InstanceId")});
  if (!found) return ErrorReply(found.error(), request);
  InstanceRecord& record = *found->front();
  auto modified = ModifiedAttribute(request);
  if (!modified) return ErrorReply(modified.error(), request);
  int code = record.instance.state.code;
  if (code == kTerminated || code == kShuttingDown) {
    return ErrorReply({400, "IncorrectInstanceState",
                       "The instance '" + record.instance.instance_id +
                           "' is not in a state from which it can be modified."},
                      request);
  }
  record.shutdown_behavior = modified->second;
  Save(record);
  return ReturnTrue(request.action, request);
}

}  // namespace gpubox::local
