#pragma once
/// gpubox's own records, in one SQLite database under the XDG state directory:
/// the boxes it made, every launch attempt, and an event log per box. The
/// cloud stays the truth (every resource is tagged); this store is what ties
/// a name to an instance, a key and a security group, and what survives a crash
/// in the middle of `up`. Writes are transactions; a crash loses no record.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/catalog/catalog.h"
#include "gpubox/sys/sqlite.h"
#include "gpubox/util/result.h"

namespace gpubox {

/// gpubox's view of a box. The database keeps the name (BoxStateName), so it stays
/// readable with the sqlite3 shell.
enum class BoxState : uint8_t {
  kLaunching,  ///< an up in progress (or interrupted: rerunning up continues it)
  kSettingUp,  ///< the instance answers SSH; setup phases run
  kRunning,    ///< ready
  kStopped,    ///< stopped; the disk is kept
  /// a setup phase failed (BoxRecord::failed_phase); the box was kept, stopped, and
  /// rerunning up starts it and resumes at that phase
  kSetupFailed,
  kOrphan,  ///< `ls` only: tagged by gpubox in the cloud, unknown to the store
};
/// "launching", "setting-up", "running", "stopped", "setup-failed", "orphan".
const char* BoxStateName(BoxState state);
/// The state of a stored name; an unknown name reads as kLaunching (an unfinished up).
BoxState ParseBoxState(std::string_view name);

/// One box: a named instance and what gpubox made for it.
struct BoxRecord {
  std::string name;
  std::string cloud;     ///< "local" or "aws"
  std::string endpoint;  ///< EC2 endpoint used (empty: the cloud's default)
  std::string region;
  std::string zone;
  std::string instance_id;  ///< empty until RunInstances answered
  std::string instance_type;
  Market market = Market::kOnDemand;  ///< stored as MarketName()
  double price_usd_hr = 0;
  std::string gpu;  ///< "1x T4"
  BoxState state = BoxState::kLaunching;
  std::string key_name;  ///< the cloud key pair made for this box
  std::string key_path;  ///< private key file (0600)
  std::string security_group_id;
  std::string image_id;
  std::string client_token;  ///< of the launch in progress or done
  std::string framework;
  std::string public_ip;       ///< the address ssh uses
  std::string setup_phases;    ///< comma-separated phases done
  int64_t created_at = 0;      ///< Unix seconds
  int64_t running_since = 0;   ///< Unix seconds; 0 when not running
  int64_t billed_seconds = 0;  ///< running time before running_since
  int disk_gib = 0;
  std::string failed_phase;  ///< kSetupFailed: the setup phase that failed
  /// A `recover` under way (a rerun continues it): the interrupted instance it replaces,
  /// and the image of that instance's disk the replacement launches from.
  std::string recovering_from;
  std::string recovery_image;
  /// The box's budget (`up --max-cost`, `--max-hours`): spent when its running time × price
  /// (or its running hours) reach it; unset, none.
  std::optional<double> max_cost_usd;
  std::optional<double> max_hours;
  /// A node of a cluster (`up --nodes N`): the cluster's name (node 0's box name, the other
  /// nodes' boxes are NAME-1 .. NAME-(N-1)), this node's index and N. A lone box: "", 0, 1.
  std::string cluster;
  int node = 0;
  int nodes = 1;
  /// The cluster's workload manager (`up --scheduler`): "" (none) or "slurm"; a rerun of an
  /// unfinished up sets it up even without the flag.
  std::string scheduler;
  bool IsNodeOfCluster() const { return !cluster.empty() && node > 0; }
  /// Node 0 of a cluster: the box whose name commands take for the whole cluster.
  bool HeadsCluster() const { return nodes > 1 && !IsNodeOfCluster(); }
};

/// What a run interval bills: the instance while it runs, or its disk while it exists.
enum class IntervalKind : uint8_t { kInstance, kDisk };

/// One billed stretch of a box: its instance running (launch or start to stop or
/// termination), or its disk existing (launch to termination), at a price per hour.
/// Times come from the cloud where it tells them (launch and transition times), else from
/// when gpubox saw the change.
struct RunInterval {
  std::string box;
  std::string instance_id;
  IntervalKind kind = IntervalKind::kInstance;  ///< stored as "instance" / "disk"
  int64_t start = 0;                            ///< Unix seconds
  int64_t end = 0;                              ///< Unix seconds; 0 while it lasts
  double price_usd_hr = 0;                      ///< the instance's $/h, or the disk's
  /// What it cost up to `now` (its end when it has one).
  double CostUsd(int64_t now) const {
    int64_t until = end != 0 ? end : now;
    return until > start ? (until - start) / 3600.0 * price_usd_hr : 0;
  }
};

/// An image gpubox baked (`gpubox image`): the user's to keep, so never an orphan to
/// `gc` while this store knows it.
struct BakedImage {
  std::string image_id;
  std::string cloud;
  std::string region;
  std::string box;
  std::string name;
  int64_t created_at = 0;  ///< Unix seconds
};

struct AttemptRecord {
  std::string box;
  int64_t time = 0;
  std::string instance_type, region, zone, market;
  double price_usd_hr = 0;
  std::string outcome;  ///< "launched", or the error code ("InsufficientInstanceCapacity")
  std::string message;
};

struct EventRecord {
  int64_t time = 0;  ///< Unix seconds
  std::string box;
  std::string kind;  ///< "up", "quota", "attempt", "setup", "stop", ...
  std::string message;
  /// Unix microseconds, for the timeline of a command's steps; when 0 on saving, `time`
  /// is used (and `time` is derived from it when set).
  int64_t time_us = 0;
};

class BoxStore {
 public:
  /// Opens or creates the database (and its directory) at `path`; a database made by an
  /// older gpubox gets the columns it lacks.
  static Result<std::unique_ptr<BoxStore>> Open(const std::string& path);
  ~BoxStore();
  BoxStore(const BoxStore&) = delete;
  BoxStore& operator=(const BoxStore&) = delete;

  /// Inserts or replaces the box of that name.
  Result<void> Save(const BoxRecord& box);
  /// kNotFound when there is no box of that name.
  Result<BoxRecord> Load(const std::string& name);
  Result<std::vector<BoxRecord>> List();
  Result<void> Delete(const std::string& name);

  Result<void> AddAttempt(const AttemptRecord& attempt);
  Result<std::vector<AttemptRecord>> Attempts(const std::string& box);
  Result<void> AddEvent(const EventRecord& event);
  /// Events of one box (all boxes when `box` is empty), oldest first.
  Result<std::vector<EventRecord>> Events(const std::string& box);

  // Run intervals (box_store_ledger.cc): they outlive their box, so `cost` keeps what a
  // deleted box spent.
  /// Opens an interval of that instance and kind, unless one is open already.
  Result<void> OpenInterval(const RunInterval& interval);
  /// Ends the open interval of that instance and kind (if any) at `end` (not before its
  /// start).
  Result<void> CloseInterval(const std::string& instance_id, IntervalKind kind, int64_t end);
  /// The intervals of one box (all boxes when `box` is empty), oldest first.
  Result<std::vector<RunInterval>> Intervals(const std::string& box);

  Result<void> AddImage(const BakedImage& image);
  Result<std::vector<BakedImage>> BakedImages();
  Result<void> DeleteImage(const std::string& image_id);

 private:
  /// Makes (or completes) the run interval and image tables (box_store_ledger.cc).
  static Result<void> EnsureLedgerTables(SqliteDatabase& db);
  explicit BoxStore(std::unique_ptr<SqliteDatabase> db) : db_(std::move(db)) {}

  std::unique_ptr<SqliteDatabase> db_;
};

}  // namespace gpubox
