#pragma once
/// Reads a setup session's output line by line (the marker lines of box/scripts/phases.sh):
/// each phase's progress is shown on the terminal and recorded as an event; the rest is the
/// phase's own output, whose last lines are kept so a failure can say why it happened.

#include <cstdint>
#include <deque>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/state/box_store.h"
#include "gpubox/sys/env.h"

namespace gpubox {

class SetupProgress {
 public:
  /// How many lines of a phase's own output are kept for its failure.
  static constexpr size_t kTailLines = 12;

  /// `phases`: the script's phases in order (for "[2/6]"); events go to `store` as `box`'s.
  SetupProgress(std::ostream& out, std::vector<std::string> phases, Env& env, std::string box,
                BoxStore& store);

  /// One line of the session's stdout, without its '\n'.
  void Line(std::string_view line);

  /// The phases done or skipped, in order.
  const std::vector<std::string>& done() const { return done_; }
  /// The phase that failed, else the one that had started when the output ended (the
  /// session died in it); empty when every started phase finished.
  std::string failed() const;
  /// Why the phase failed, for the error line: "needs the internet (HOST), which this box
  /// cannot reach: WHY", else "`COMMAND` exited N", else its last line of output; empty when
  /// the phase said nothing.
  std::string Reason() const;
  /// The last lines (at most kTailLines) the failed or unfinished phase printed.
  const std::deque<std::string>& tail() const { return tail_; }
  /// Shows tail() ("gpubox:   | LINE"); done by Line() when a phase fails, by the caller when
  /// the session ended inside a phase.
  void PrintTail();

 private:
  /// "gpubox: setup [2/6] NAME: " for the progress lines.
  std::string Prefix(const std::string& phase) const;
  void PhaseMarker(const std::string& phase, std::string_view what);

  std::ostream& out_;
  std::vector<std::string> phases_;
  Env& env_;
  std::string box_;
  BoxStore& store_;
  int64_t started_us_ = 0;
  std::string current_;  ///< the phase started and not yet done, skipped or failed
  std::string failed_;
  std::string failed_command_;  ///< "`wget ...` exited 4", the first one of the phase
  std::string offline_;         ///< "HOST, which this box cannot reach: WHY"
  std::deque<std::string> tail_;
  std::vector<std::string> done_;
};

}  // namespace gpubox
