/// Start/Stop/TerminateInstances, limits (quotas, capacity), and the
/// lifecycle: Tick() carries state changes out on the host.

#include <algorithm>

#include "gpubox/local/ec2_service.h"
#include "gpubox/local/ec2_xml.h"
#include "gpubox/local/iso_time.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

bool CountsAgainstQuota(int code) {
  return code == kPending || code == kRunning || code == kStopping;
}

}  // namespace

int Ec2Service::CapacityOf(const std::string& type) const {
  auto found = faults_.capacity.find(type);
  if (found != faults_.capacity.end()) return found->second;
  const InstanceType* known = offers_.FindType(type);
  int gpus = known ? std::max(known->gpu_count, 1) : 1;
  return std::max(2, 16 / gpus);
}

int Ec2Service::InstancesOfTypeIn(const std::string& type, const std::string& zone) {
  int count = 0;
  for (const auto& [id, record] : instances_) {
    if (record.instance.instance_type == type &&
        record.instance.placement.availability_zone.value_or("") == zone &&
        CountsAgainstQuota(record.instance.state.code)) {
      ++count;
    }
  }
  return count;
}

int Ec2Service::VcpusInUse(const std::string& code, const std::string& region) {
  int vcpus = 0;
  for (const auto& [id, record] : instances_) {
    if (record.region == region && record.quota_code == code &&
        CountsAgainstQuota(record.instance.state.code)) {
      vcpus += record.vcpus;
    }
  }
  return vcpus;
}

Ec2Result<void> Ec2Service::CheckQuota(const std::string& region, const std::string& code,
                                       int vcpus_wanted, bool spot) {
  double limit = quotas_.Value(code, region).value_or(0);
  if (VcpusInUse(code, region) + vcpus_wanted <= limit) return {};
  std::string limit_text = FormatDouble(limit);
  if (spot) {
    return std::unexpected(Ec2Error{400, "MaxSpotInstanceCountExceeded",
                                    "Max spot instance count exceeded: your vCPU limit of " +
                                        limit_text + " for this Spot Instance bucket (" + code +
                                        ") is reached."});
  }
  return std::unexpected(Ec2Error{
      400, "VcpuLimitExceeded",
      "You have requested more vCPU capacity than your current vCPU limit of " + limit_text +
          " allows for the instance bucket that the specified instance type belongs "
          "to. Please visit http://aws.amazon.com/contact-us/ec2-request to request "
          "an adjustment to this limit."});
}

Ec2Result<void> Ec2Service::CheckSpotStart(const InstanceRecord& record) {
  const SpotRequestRecord* spot = SpotRequestOf(record);
  if (spot == nullptr || spot->request.state == "cancelled") return {};
  const std::string& status = spot->request.status.code;
  if (status == "instance-stopped-no-capacity" || status == "instance-stopped-by-price") {
    return std::unexpected(Ec2Error{
        400, "IncorrectSpotRequestState",
        "The Spot Instance '" + record.instance.instance_id + "' was stopped by an interruption (" +
            status + "): only the Spot service can start it again, when capacity is available."});
  }
  const std::string& type = record.instance.instance_type;
  std::string zone = record.instance.placement.availability_zone.value_or("");
  if (faults_.SpotCapacityWithdrawn(type, zone)) {
    return std::unexpected(
        Ec2Error{500, "InsufficientInstanceCapacity",
                 "There is no Spot capacity available that matches your request (" + type + " in " +
                     zone + ")."});
  }
  return {};
}

Ec2Reply Ec2Service::StateChangeReply(const std::string& action, const Ec2Request& request,
                                      const std::vector<InstanceRecord*>& records,
                                      const std::function<void(InstanceRecord&)>& transition) {
  XmlWriter xml = StartResponse(action, request.request_id);
  xml.Open("instancesSet");
  for (InstanceRecord* record : records) {
    aws::InstanceState previous = record->instance.state;
    transition(*record);
    if (record->instance.state.code != previous.code) Save(*record);
    xml.Open("item");
    WriteStateChange(xml, {record->instance.instance_id, record->instance.state, previous});
    xml.Close();
  }
  return {200, xml.Finish()};
}

Ec2Reply Ec2Service::StartInstances(const Ec2Request& request) {
  auto ids = request.List("InstanceId");
  if (ids.empty()) return ErrorReply(MissingParameter("InstanceId"), request);
  auto found = FindInstances(request, ids);
  if (!found) return ErrorReply(found.error(), request);
  std::vector<InstanceRecord*>& records = *found;
  for (InstanceRecord* record : records) {
    int code = record->instance.state.code;
    if (code == kTerminated || code == kShuttingDown || code == kStopping) {
      return ErrorReply({400, "IncorrectInstanceState",
                         "The instance '" + record->instance.instance_id +
                             "' is not in a state from which it can be started."},
                        request);
    }
    if (code == kStopped) {
      if (auto ok = CheckQuota(record->region, record->quota_code, record->vcpus,
                               !record->instance.instance_lifecycle.empty());
          !ok) {
        return ErrorReply(ok.error(), request);
      }
      if (auto ok = CheckSpotStart(*record); !ok) return ErrorReply(ok.error(), request);
    }
  }
  return StateChangeReply("StartInstances", request, records, [this](InstanceRecord& record) {
    if (record.instance.state.code != kStopped) return;
    SetState(record, kPending);
    if (SpotRequestOf(record) && SpotRequestOf(record)->request.state != "cancelled") {
      SetSpotStatus(*SpotRequestOf(record), "active", "fulfilled");
    }
  });
}

Ec2Reply Ec2Service::StopInstances(const Ec2Request& request) {
  auto ids = request.List("InstanceId");
  if (ids.empty()) return ErrorReply(MissingParameter("InstanceId"), request);
  auto found = FindInstances(request, ids);
  if (!found) return ErrorReply(found.error(), request);
  std::vector<InstanceRecord*>& records = *found;
  for (InstanceRecord* record : records) {
    int code = record->instance.state.code;
    const std::string& id = record->instance.instance_id;
    if (code == kTerminated || code == kShuttingDown) {
      return ErrorReply({400, "IncorrectInstanceState",
                         "This instance '" + id +
                             "' is not in a state from which it can be "
                             "stopped."},
                        request);
    }
    if (record->instance.instance_lifecycle == "spot" && record->interruption_behavior != "stop") {
      return ErrorReply({400, "UnsupportedOperation",
                         "You can't stop the Spot Instance '" + id +
                             "' because it is associated with a one-time Spot Instance request. "
                             "You can only stop Spot Instances associated with a persistent "
                             "Spot Instance request."},
                        request);
    }
  }
  return StateChangeReply("StopInstances", request, records, [this](InstanceRecord& record) {
    int code = record.instance.state.code;
    if (code == kPending || code == kRunning) {
      SetState(record, kStopping, "Client.UserInitiatedShutdown",
               "Client.UserInitiatedShutdown: User initiated shutdown");
      record.interrupt_at_us = 0;  // a pending notice is moot: the user stopped it first
      if (SpotRequestOf(record) && SpotRequestOf(record)->request.state != "cancelled") {
        SetSpotStatus(*SpotRequestOf(record), "disabled", "instance-stopped-by-user");
      }
    }
  });
}

Ec2Reply Ec2Service::TerminateInstances(const Ec2Request& request) {
  auto ids = request.List("InstanceId");
  if (ids.empty()) return ErrorReply(MissingParameter("InstanceId"), request);
  auto found = FindInstances(request, ids);
  if (!found) return ErrorReply(found.error(), request);
  std::vector<InstanceRecord*>& records = *found;
  return StateChangeReply("TerminateInstances", request, records, [this](InstanceRecord& record) {
    int code = record.instance.state.code;
    if (code != kTerminated && code != kShuttingDown) {
      SetState(record, kShuttingDown, "Client.UserInitiatedShutdown",
               "Client.UserInitiatedShutdown: User initiated shutdown");
      // A one-time request closes with its instance; a persistent one that was not
      // cancelled opens again, and the spot service launches a replacement (Tick).
      SpotRequestRecord* spot = SpotRequestOf(record);
      if (spot && spot->request.state != "cancelled" && spot->request.state != "closed") {
        bool persistent = spot->request.type == "persistent";
        SetSpotStatus(*spot, persistent ? "open" : "closed", "instance-terminated-by-user");
      }
    }
  });
}

}  // namespace gpubox::local
