/// Ec2Service::Tick and the admin operations: host work runs outside the
/// service's lock; its outcome is applied under it.

#include <algorithm>
#include <atomic>
#include <thread>
#include <tuple>

#include "gpubox/local/ec2_service.h"
#include "gpubox/local/iso_time.h"

namespace gpubox::local {
namespace {

enum class WorkKind {
  kLaunch,
  kStart,
  kAdopt,
  kReadyCheck,
  kStop,
  kTerminate,
  kFirewall,
  kSnapshot,
  kNotice
};

struct Work {
  Work(WorkKind work_kind, std::string work_id) : kind(work_kind), id(std::move(work_id)) {}
  WorkKind kind;
  std::string id;  ///< instance id (image id for kSnapshot)
  LaunchSpec spec;
  std::string source_instance;             ///< kSnapshot
  std::string action;                      ///< kNotice
  std::string time;                        ///< kNotice
  bool clear_notice = false;               ///< kStart: a spot instance's old notice withdrawn
  std::vector<aws::IpPermission> ingress;  ///< kFirewall
  // Outcome.
  bool ok = false;
  std::string address;
  std::string error;
};

std::string PrivateDns(const std::string& ip, const std::string& region) {
  std::string name = "ip-" + ip;
  std::replace(name.begin(), name.end(), '.', '-');
  return name + (region == "us-east-1" ? ".ec2.internal" : "." + region + ".compute.internal");
}

void RunWork(InstanceHost& host, Work& work) {
  auto address_result = [&](Result<std::string> result) {
    work.ok = result.has_value();
    if (result)
      work.address = *result;
    else
      work.error = result.error().message;
  };
  auto void_result = [&](Result<void> result) {
    work.ok = result.has_value();
    if (!result) work.error = result.error().message;
  };
  switch (work.kind) {
    case WorkKind::kLaunch:
      address_result(host.Launch(work.spec));
      break;
    case WorkKind::kStart:
      if (work.clear_notice) (void)host.NoticeSpotInterruption(work.id, "", "");
      address_result(host.Start(work.spec));
      break;
    case WorkKind::kAdopt:
      address_result(host.Adopt(work.spec));
      break;
    case WorkKind::kReadyCheck:
      work.ok = host.IsReady(work.id);
      break;
    case WorkKind::kStop:
      void_result(host.Stop(work.id));
      break;
    case WorkKind::kTerminate:
      void_result(host.Terminate(work.id));
      break;
    case WorkKind::kFirewall:
      void_result(host.UpdateFirewall(work.id, work.ingress));
      break;
    case WorkKind::kSnapshot:
      void_result(host.Snapshot(work.source_instance, work.id));
      break;
    case WorkKind::kNotice:
      void_result(host.NoticeSpotInterruption(work.id, work.action, work.time));
      break;
  }
}

/// Most host works run at once: launching 20 instances takes about as long as one.
constexpr size_t kMaxParallelWorks = 32;

/// Runs the works: side by side on a host that allows it (a thread each, up to
/// kMaxParallelWorks), else one after the other.
void RunAll(InstanceHost& host, std::vector<Work>& works) {
  if (works.size() <= 1 || !host.Concurrent()) {
    for (Work& work : works) RunWork(host, work);
    return;
  }
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t work_idx; (work_idx = next++) < works.size();) RunWork(host, works[work_idx]);
  };
  std::vector<std::thread> helpers;
  for (size_t helper = 1; helper < std::min(works.size(), kMaxParallelWorks); ++helper) {
    helpers.emplace_back(worker);
  }
  worker();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace

void Ec2Service::Tick() {
  std::vector<Work> works;
  {
    std::lock_guard lock(mutex_);
    int64_t now = Now();
    for (const std::string& id : TickSpot(now)) {
      const InstanceRecord& record = instances_.at(id);
      Work work{WorkKind::kNotice, id};
      work.action = record.interruption_behavior == "stop" ? "stop" : "terminate";
      work.time = IsoTime(record.interrupt_at_us).substr(0, 19) + "Z";
      in_flight_.insert(id);
      works.push_back(std::move(work));
    }
    for (auto it = instances_.begin(); it != instances_.end();) {
      InstanceRecord& record = it->second;
      const std::string& id = it->first;
      int code = record.instance.state.code;
      if (code == kTerminated && now - record.state_since_us > kTerminatedVisibleMicros) {
        (void)store_.Delete("instance", id);
        it = instances_.erase(it);
        continue;
      }
      ++it;
      if (in_flight_.count(id)) continue;
      Work work{WorkKind::kReadyCheck, id};
      bool adopt = needs_adopt_.count(id) != 0;
      if (code == kPending) {
        if (record.host_state == HostState::kRunning && !adopt) {
          work.kind = WorkKind::kReadyCheck;
        } else {
          work.kind = adopt                                      ? WorkKind::kAdopt
                      : record.host_state == HostState::kStopped ? WorkKind::kStart
                                                                 : WorkKind::kLaunch;
          work.spec = SpecFor(record);
          work.clear_notice =
              work.kind == WorkKind::kStart && !record.interruption_behavior.empty();
        }
      } else if (code == kRunning && adopt) {
        work.kind = WorkKind::kAdopt;
        work.spec = SpecFor(record);
      } else if (code == kRunning && record.host_state == HostState::kRunning &&
                 host_.PoweredOff(id)) {
        // The OS shut itself down: EC2 stops or terminates the instance as its
        // InstanceInitiatedShutdownBehavior says.
        bool stop = record.shutdown_behavior != "terminate";
        SetState(record, stop ? kStopping : kShuttingDown, "Client.InstanceInitiatedShutdown",
                 "Client.InstanceInitiatedShutdown: Instance initiated shutdown");
        Save(record);
        work.kind = stop ? WorkKind::kStop : WorkKind::kTerminate;
      } else if (code == kRunning && record.interrupt_at_us != 0 && now >= record.interrupt_at_us) {
        record.interrupt_at_us = 0;
        bool stop = record.interruption_behavior == "stop";
        if (stop) {
          SetState(record, kStopping, "Server.SpotInstanceShutdown",
                   "Server.SpotInstanceShutdown: Spot Instance interrupted");
        } else {
          SetState(record, kShuttingDown, "Server.SpotInstanceTermination",
                   "Server.SpotInstanceTermination: Spot Instance interrupted");
        }
        Save(record);
        if (SpotRequestOf(record) && SpotRequestOf(record)->request.state == "active") {
          std::string cause =
              record.interruption_cause.empty() ? "no-capacity" : record.interruption_cause;
          bool persistent = SpotRequestOf(record)->request.type == "persistent";
          SetSpotStatus(*SpotRequestOf(record),
                        stop ? "disabled" : (persistent ? "open" : "closed"),
                        (stop ? "instance-stopped-" : "instance-terminated-") + cause);
        }
        continue;
      } else if (code == kRunning && record.instance.instance_lifecycle == "spot" &&
                 record.interrupt_at_us == 0 &&
                 offers_.SpotPrice(record.instance.instance_type,
                                   record.instance.placement.availability_zone.value_or(""), now)
                         .value_or(0) > record.spot_max_price) {
        work.kind = WorkKind::kNotice;
        std::tie(work.action, work.time) = MarkForInterruption(record, "by-price");
      } else if (code == kRunning && record.firewall_dirty) {
        work.kind = WorkKind::kFirewall;
        work.ingress = IngressFor(record);
        record.firewall_dirty = false;
      } else if (code == kStopping || code == kShuttingDown) {
        bool on_host = record.host_state == HostState::kRunning ||
                       (code == kShuttingDown && record.host_state == HostState::kStopped);
        if (on_host) {
          work.kind = code == kStopping ? WorkKind::kStop : WorkKind::kTerminate;
        } else {
          SetState(record, code == kStopping ? kStopped : kTerminated,
                   record.instance.state_reason.code, record.instance.state_reason.message);
          record.host_state = code == kStopping ? record.host_state : HostState::kGone;
          Save(record);
          continue;
        }
      } else {
        continue;
      }
      in_flight_.insert(id);
      works.push_back(std::move(work));
    }
    for (auto& [id, image] : images_) {
      if (image.image.state != "pending" || in_flight_.count(id)) continue;
      Work work{WorkKind::kSnapshot, id};
      work.source_instance = image.source_instance_id;
      in_flight_.insert(id);
      works.push_back(std::move(work));
    }
  }
  RunAll(host_, works);
  std::lock_guard lock(mutex_);
  for (Work& work : works) {
    in_flight_.erase(work.id);
    if (work.kind == WorkKind::kSnapshot) {
      auto image = images_.find(work.id);
      if (image == images_.end()) continue;
      image->second.image.state = work.ok ? "available" : "failed";
      Save(image->second);
      for (auto& [snapshot_id, snapshot] : snapshots_) {
        if (snapshot.image_id != work.id) continue;
        snapshot.snapshot.state = work.ok ? "completed" : "error";
        snapshot.snapshot.progress = work.ok ? "100%" : "0%";
        Save(snapshot);
      }
      continue;
    }
    auto found = instances_.find(work.id);
    if (found == instances_.end()) continue;
    InstanceRecord& record = found->second;
    switch (work.kind) {
      case WorkKind::kLaunch:
      case WorkKind::kStart:
      case WorkKind::kAdopt:
        needs_adopt_.erase(work.id);
        if (work.ok) {
          record.host_state = HostState::kRunning;
          record.instance.private_ip_address = work.address;
          record.instance.private_dns_name = PrivateDns(work.address, record.region);
        } else {
          record.host_state = HostState::kGone;
          SetState(record, kTerminated, "Server.InternalError",
                   "Server.InternalError: Internal error on launch: " + work.error);
        }
        break;
      case WorkKind::kReadyCheck:
        if (work.ok && record.instance.state.code == kPending) SetState(record, kRunning);
        break;
      case WorkKind::kStop:
        if (work.ok) {
          record.host_state = HostState::kStopped;
          SetState(record, kStopped, record.instance.state_reason.code,
                   record.instance.state_reason.message);
        }
        break;
      case WorkKind::kTerminate:
        if (work.ok) {
          record.host_state = HostState::kGone;
          SetState(record, kTerminated, record.instance.state_reason.code,
                   record.instance.state_reason.message);
        }
        break;
      case WorkKind::kFirewall:
        if (!work.ok) record.firewall_dirty = true;
        break;
      default:
        break;
    }
    // A launch or start that got its address: the rules naming its groups now admit it.
    bool addressed = work.ok && (work.kind == WorkKind::kLaunch || work.kind == WorkKind::kStart ||
                                 work.kind == WorkKind::kAdopt);
    if (addressed) PeersChanged(record);
    Save(record);
  }
}

Result<void> Ec2Service::InterruptSpot(const std::string& instance_id) {
  std::string action, time;
  {
    std::lock_guard lock(mutex_);
    auto found = instances_.find(instance_id);
    if (found == instances_.end()) {
      return Fail(ErrorCode::kNotFound, "no instance " + instance_id);
    }
    InstanceRecord& record = found->second;
    if (record.instance.instance_lifecycle != "spot" || record.instance.state.code != kRunning) {
      return Fail(ErrorCode::kUsage, instance_id + " is not a running spot instance");
    }
    std::tie(action, time) = MarkForInterruption(record, "no-capacity");
  }
  return host_.NoticeSpotInterruption(instance_id, action, time);
}

int Ec2Service::StopAllForShutdown() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, record] : instances_) {
      if (record.host_state == HostState::kRunning) ids.push_back(id);
    }
  }
  for (const std::string& id : ids) (void)host_.Stop(id);
  return static_cast<int>(ids.size());
}

void Ec2Service::TerminateAllForPurge() {
  std::vector<std::string> instance_ids, image_ids;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : instances_) {
      if (record.host_state != HostState::kGone) instance_ids.push_back(id);
      record.host_state = HostState::kGone;
      SetState(record, kTerminated, "Client.UserInitiatedShutdown", "purged");
      Save(record);
    }
    for (const auto& [id, record] : images_) {
      if (!record.builtin && record.image.state == "available") image_ids.push_back(id);
    }
  }
  for (const std::string& id : instance_ids) (void)host_.Terminate(id);
  for (const std::string& id : image_ids) (void)host_.DeleteSnapshot(id);
}

}  // namespace gpubox::local
