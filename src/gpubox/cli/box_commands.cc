/// The box lifecycle commands: ls, stop, start, down, image, images, events.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <ctime>
#include <ostream>

#include "gpubox/box/box_events.h"
#include "gpubox/box/box_lock.h"
#include "gpubox/box/lifecycle.h"
#include "gpubox/box/provisioner.h"
#include "gpubox/cli/box_json.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/confirm.h"
#include "gpubox/cli/inventory_commands.h"
#include "gpubox/cli/table.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

std::string Duration(int64_t seconds) {
  if (seconds <= 0) return "-";
  return std::to_string(seconds / 3600) + "h" + (seconds % 3600 / 60 < 10 ? "0" : "") +
         std::to_string(seconds % 3600 / 60) + "m";
}

/// The STATE column: "setup-failed (driver)" names the phase a rerun of up resumes at.
std::string StateText(const BoxRecord& box) {
  std::string state = BoxStateName(box.state);
  if (box.state == BoxState::kSetupFailed) state += " (" + box.failed_phase + ")";
  return state;
}

/// The STATE of an `ls` row: a spot box the cloud stopped on an interruption is
/// "interrupted (since 13:05 UTC, 12m)" whatever gpubox last recorded.
std::string RowStateText(const BoxListing& row, int64_t now) {
  if (row.interrupted_since == 0) return StateText(row.box);
  std::time_t since = row.interrupted_since;
  char stamp[16];
  std::strftime(stamp, sizeof stamp, "%H:%M", std::gmtime(&since));
  int64_t minutes = std::max<int64_t>(0, now - row.interrupted_since) / 60;
  return std::string("interrupted (since ") + stamp + " UTC, " + std::to_string(minutes) + "m)";
}

/// The BUDGET LEFT column: "$3.20, 1.5 h", "-" without a budget.
std::string BudgetText(const BudgetLeft& left) {
  std::string text;
  if (left.usd) text = "$" + FormatFixed(*left.usd, 2);
  if (left.hours) text += (text.empty() ? "" : ", ") + FormatFixed(*left.hours, 1) + " h";
  return text.empty() ? "-" : text;
}

/// A command about one box (or none) on one cloud.
class BoxCommand : public Command {
 public:
  BoxCommand(const char* name, const char* summary, bool takes_name)
      : name_(name), summary_(summary), takes_name_(takes_name) {}
  const char* name() const override { return name_; }
  const char* summary() const override { return summary_; }
  void Configure(CLI::App& app) override {
    if (takes_name_) app.add_option("name", box_, "the box")->required();
    cloud_flags_.Add(app);
    AddFlags(app);
  }
  Result<int> Run(CommandContext& context) override {
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    // A command that changes the box runs after any other such command on it (box_lock.h).
    std::optional<LockFile> box_lock;
    if (takes_name_ && ChangesBox()) {
      GPUBOX_TRY_VOID(ValidateBoxName(box_));
      box_lock.emplace(GPUBOX_TRY(
          LockBox(context.env, session->paths(), box_, session->deadline_us(), context.err)));
    }
    Lifecycle lifecycle(context.env, session->cloud(), session->store(), session->paths(),
                        context.err);
    return Act(context, *session, lifecycle);
  }

 protected:
  /// Whether the command changes its box (and so takes the box's lock).
  virtual bool ChangesBox() const { return true; }
  virtual void AddFlags(CLI::App& app) {}
  virtual Result<int> Act(CommandContext& context, CloudSession& session, Lifecycle& lifecycle) = 0;
  std::string box_;
  bool json_ = false;
  bool yes_ = false;
  bool all_regions_ = false;

 private:
  const char* name_;
  const char* summary_;
  bool takes_name_;
  CloudFlags cloud_flags_;
};

class LsCommand : public BoxCommand {
 public:
  LsCommand()
      : BoxCommand("ls", "list boxes: state, $/h, uptime, cost so far (and orphans)", false) {}
  void AddFlags(CLI::App& app) override {
    app.add_flag("--json", json_, "print JSON");
    app.add_flag("--all-regions", all_regions_,
                 "every resource gpubox tagged, in every region, with its monthly cost; those "
                 "no box of yours knows marked as orphans ('gpubox gc' deletes them)");
  }
  Result<int> Act(CommandContext& context, CloudSession& session, Lifecycle& lifecycle) override {
    if (all_regions_) return ListAllRegions(context, session, json_);
    auto rows = GPUBOX_TRY(lifecycle.List());
    if (json_) {
      nlohmann::json out = nlohmann::json::array();
      for (const BoxListing& row : rows) {
        nlohmann::json json = ListingJson(row);
        if (row.interrupted_since != 0) json["state"] = "interrupted";
        json["interrupted_since"] =
            row.interrupted_since != 0 ? nlohmann::json(row.interrupted_since) : nullptr;
        out.push_back(std::move(json));
      }
      context.out << out.dump(2) << '\n';
      return 0;
    }
    std::vector<std::string> header = {"NAME", "STATE",  "CLOUD", "REGION", "TYPE",
                                       "GPUS", "MARKET", "$/H",   "UPTIME", "COST"};
    // The budget's column only when a box has one (`up --max-cost` / `--max-hours`).
    bool budgets = std::any_of(rows.begin(), rows.end(), [](const BoxListing& row) {
      return row.budget_left.usd || row.budget_left.hours;
    });
    if (budgets) header.push_back("BUDGET LEFT");
    Table table(header);
    for (const BoxListing& row : rows) {
      const BoxRecord& box = row.box;
      std::vector<std::string> cells = {
          box.name + (row.orphan ? " (orphan: not in gpubox's records)" : ""),
          row.orphan ? row.cloud_state
                     : RowStateText(row, context.env.clock->NowMicros() / 1'000'000),
          box.cloud,
          box.zone,
          box.instance_type,
          box.gpu.empty() ? "-" : box.gpu,
          MarketName(box.market),
          row.orphan ? "-" : FormatDouble(box.price_usd_hr),
          Duration(row.uptime_seconds),
          row.orphan ? "-" : "$" + FormatFixed(row.cost_usd, 2)};
      if (budgets) cells.push_back(BudgetText(row.budget_left));
      table.AddRow(cells);
    }
    if (rows.empty()) {
      context.err << "gpubox: no boxes; 'gpubox up NAME' makes one\n";
      return 0;
    }
    table.Print(context.out);
    return 0;
  }
};

class StopCommand : public BoxCommand {
 public:
  StopCommand() : BoxCommand("stop", "stop a box: the disk is kept (and still billed)", true) {}
  Result<int> Act(CommandContext& context, CloudSession& session, Lifecycle& lifecycle) override {
    BoxRecord box = GPUBOX_TRY(lifecycle.Stop(box_));
    context.out << box.name << " is stopped. Its " << box.disk_gib
                << " GiB disk is kept and still billed; 'gpubox start " << box.name
                << "' brings it back, 'gpubox down " << box.name << "' deletes everything.\n";
    return 0;
  }
};

class StartCommand : public BoxCommand {
 public:
  StartCommand() : BoxCommand("start", "start a stopped box", true) {}
  Result<int> Act(CommandContext& context, CloudSession& session, Lifecycle& lifecycle) override {
    BoxRecord box = GPUBOX_TRY(lifecycle.Start(box_));
    context.out << box.name << " is running at " << box.public_ip << " ($"
                << FormatDouble(box.price_usd_hr) << "/h)\n";
    return 0;
  }
};

class DownCommand : public BoxCommand {
 public:
  DownCommand()
      : BoxCommand("down", "delete a box: the instance and everything made for it", true) {}
  void AddFlags(CLI::App& app) override { app.add_flag("--yes,-y", yes_, "do not ask"); }
  Result<int> Act(CommandContext& context, CloudSession& session, Lifecycle& lifecycle) override {
    DownPlan plan = GPUBOX_TRY(lifecycle.PlanDown(box_));
    context.err << "gpubox down " << box_ << " deletes:\n";
    for (const std::string& line : plan.lines) context.err << "  - " << line << '\n';
    if (!Confirm("delete all of this?", yes_, context.err)) {
      return Fail(ErrorCode::kUsage, "not confirmed; nothing deleted",
                  "add --yes to skip the question");
    }
    GPUBOX_TRY_VOID(lifecycle.Down(plan, box_));
    context.out << box_ << " is deleted.\n";
    return 0;
  }
};

class ImageCommand : public BoxCommand {
 public:
  ImageCommand() : BoxCommand("image", "bake an image of a box; 'up --image' skips setup", true) {}
  void AddFlags(CLI::App& app) override {
    app.add_option("--name", image_name_, "the image's name (default NAME-YYYYMMDD-HHMMSS)");
  }
  Result<int> Act(CommandContext& context, CloudSession& session, Lifecycle& lifecycle) override {
    std::string image_name = image_name_;
    if (image_name.empty()) {
      std::time_t now = context.env.clock->NowMicros() / 1'000'000;
      char stamp[32];
      std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::gmtime(&now));
      image_name = box_ + "-" + stamp;
    }
    std::string image_id = GPUBOX_TRY(lifecycle.MakeImage(box_, image_name));
    context.out << image_id << " " << image_name << "\n";
    return 0;
  }

 private:
  std::string image_name_;
};

class ImagesCommand : public BoxCommand {
 public:
  ImagesCommand() : BoxCommand("images", "list the images you baked", false) {}
  void AddFlags(CLI::App& app) override { app.add_flag("--json", json_, "print JSON"); }
  Result<int> Act(CommandContext& context, CloudSession& session, Lifecycle& lifecycle) override {
    auto images = GPUBOX_TRY(lifecycle.Images());
    if (json_) {
      nlohmann::json out = nlohmann::json::array();
      for (const aws::Image& image : images) {
        out.push_back({{"image_id", image.image_id},
                       {"name", image.name},
                       {"region", image.description},
                       {"state", image.state},
                       {"created", image.creation_date}});
      }
      context.out << out.dump(2) << '\n';
      return 0;
    }
    Table table({"IMAGE", "NAME", "REGION", "STATE", "CREATED"});
    for (const aws::Image& image : images) {
      table.AddRow(
          {image.image_id, image.name, image.description, image.state, image.creation_date});
    }
    table.Print(context.out);
    return 0;
  }
};

/// `gpubox events NAME [--json]`: what the laptop recorded for the box (its steps and launch
/// attempts) and, while the box runs, what its agent recorded on it (notices, jobs signalled
/// and restarted, boots), merged in time order.
class EventsCommand : public BoxCommand {
 public:
  EventsCommand()
      : BoxCommand("events",
                   "what gpubox did for a box (launch attempts included) and what its agent did "
                   "on it",
                   true) {}
  bool ChangesBox() const override { return false; }
  void AddFlags(CLI::App& app) override { app.add_flag("--json", json_, "print JSON"); }
  Result<int> Act(CommandContext& context, CloudSession& session, Lifecycle& lifecycle) override {
    auto events = GPUBOX_TRY(session.store().Events(box_));
    auto attempts = GPUBOX_TRY(session.store().Attempts(box_));
    std::vector<BoxAgentEvent> on_box;
    std::string on_box_note;  // why the box's own events are missing, when they are
    if (auto box = session.store().Load(box_); !box) {
      on_box_note = "no such box";
    } else if (box->state != BoxState::kRunning) {
      on_box_note = "the box is " + std::string(BoxStateName(box->state)) +
                    ": its agent's events show while it runs";
    } else if (auto read = ReadBoxEvents(context.env, lifecycle.TargetOf(*box)); !read) {
      on_box_note = read.error().message;
    } else {
      on_box = std::move(*read);
    }
    if (json_) {
      nlohmann::json out = {{"events", nlohmann::json::array()},
                            {"attempts", nlohmann::json::array()},
                            {"box_events", nlohmann::json::array()}};
      for (const EventRecord& event : events) {
        out["events"].push_back({{"time", event.time},
                                 {"time_us", event.time_us},
                                 {"kind", event.kind},
                                 {"message", event.message}});
      }
      for (const AttemptRecord& attempt : attempts) {
        out["attempts"].push_back({{"time", attempt.time},
                                   {"instance_type", attempt.instance_type},
                                   {"region", attempt.region},
                                   {"zone", attempt.zone},
                                   {"market", attempt.market},
                                   {"outcome", attempt.outcome},
                                   {"message", attempt.message}});
      }
      for (const BoxAgentEvent& event : on_box) {
        out["box_events"].push_back(
            {{"time_us", event.time_us}, {"kind", event.kind}, {"message", event.message}});
      }
      if (!on_box_note.empty()) out["box_events_missing"] = on_box_note;
      context.out << out.dump(2) << '\n';
      return 0;
    }
    if (events.empty() && attempts.empty()) {
      return Fail(ErrorCode::kNotFound, "no events for '" + box_ + "'", "'gpubox ls' lists boxes");
    }
    // Kind "step" is one step of an up and its duration: the up's timeline. The laptop's and
    // the box's events in one time order (a stable merge: the laptop's first on a tie).
    struct Row {
      int64_t time_us;
      const char* where;
      std::string kind, message;
    };
    std::vector<Row> rows;
    for (const EventRecord& event : events) {
      rows.push_back({event.time_us, "laptop", event.kind, event.message});
    }
    for (const BoxAgentEvent& event : on_box) {
      rows.push_back({event.time_us, "box", event.kind, event.message});
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.time_us < b.time_us; });
    Table table({"TIME", "WHERE", "KIND", "WHAT"});
    for (const Row& row : rows) {
      table.AddRow({UtcMillis(row.time_us), row.where, row.kind, row.message});
    }
    table.Print(context.out);
    if (!on_box_note.empty()) context.out << "(the box's own events: " << on_box_note << ")\n";
    context.out << "\nLaunch attempts:\n";
    Table attempt_table({"TYPE", "ZONE", "MARKET", "OUTCOME", "MESSAGE"});
    for (const AttemptRecord& attempt : attempts) {
      attempt_table.AddRow({attempt.instance_type,
                            attempt.zone.empty() ? attempt.region : attempt.zone, attempt.market,
                            attempt.outcome, attempt.message});
    }
    attempt_table.Print(context.out);
    return 0;
  }

 private:
  /// "YYYY-MM-DD HH:MM:SS.mmm" in UTC.
  static std::string UtcMillis(int64_t time_us) {
    std::time_t when = time_us / 1'000'000;
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", std::gmtime(&when));
    std::string millis = std::to_string(time_us / 1000 % 1000);
    return std::string(stamp) + "." + std::string(3 - millis.size(), '0') + millis;
  }
};

}  // namespace

std::vector<std::unique_ptr<Command>> MakeBoxCommands() {
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(std::make_unique<LsCommand>());
  commands.push_back(std::make_unique<StopCommand>());
  commands.push_back(std::make_unique<StartCommand>());
  commands.push_back(std::make_unique<DownCommand>());
  commands.push_back(std::make_unique<ImageCommand>());
  commands.push_back(std::make_unique<ImagesCommand>());
  commands.push_back(std::make_unique<EventsCommand>());
  return commands;
}

}  // namespace gpubox
