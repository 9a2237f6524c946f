#include "gpubox/box/setup_progress.h"

#include <algorithm>
#include <ostream>

#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

/// A command as the error line shows it: quoted in backticks, long ones cut.
std::string ShownCommand(std::string_view command) {
  constexpr size_t kMaxChars = 160;
  std::string shown(Trim(command));
  if (shown.size() > kMaxChars) shown = shown.substr(0, kMaxChars) + "...";
  return "`" + shown + "`";
}

/// The words after the first `count` space-separated ones (the rest of a marker line).
std::string_view After(std::string_view line, int count) {
  for (int word_idx = 0; word_idx < count; ++word_idx) {
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return {};
    line.remove_prefix(space + 1);
  }
  return line;
}

}  // namespace

SetupProgress::SetupProgress(std::ostream& out, std::vector<std::string> phases, Env& env,
                             std::string box, BoxStore& store)
    : out_(out), phases_(std::move(phases)), env_(env), box_(std::move(box)), store_(store) {}

std::string SetupProgress::Prefix(const std::string& phase) const {
  size_t index = std::find(phases_.begin(), phases_.end(), phase) - phases_.begin() + 1;
  return "gpubox: setup [" + std::to_string(index) + "/" + std::to_string(phases_.size()) + "] " +
         phase + ": ";
}

void SetupProgress::Line(std::string_view line) {
  std::vector<std::string_view> words = Split(line, ' ');
  if (words[0] == "gpubox-phase" && words.size() >= 3) {
    PhaseMarker(std::string(words[1]), words[2]);
  } else if (words[0] == "gpubox-command-failed" && words.size() >= 3) {
    if (failed_command_.empty()) {
      failed_command_ = ShownCommand(After(line, 2)) + " exited " + std::string(words[1]);
    }
  } else if (words[0] == "gpubox-retry" && words.size() >= 6) {
    // gpubox-retry TRY TRIES DELAY EXIT COMMAND
    out_ << Prefix(current_) << "network error (" << ShownCommand(After(line, 5)) << " exited "
         << words[4] << "); retrying in " << words[3] << " s (try " << words[1] << " of "
         << words[2] << ")\n";
    out_.flush();
  } else if (words[0] == "gpubox-offline" && words.size() >= 2) {
    // gpubox-offline HOST WHY
    offline_ =
        std::string(words[1]) + "), which this box cannot reach: " + std::string(After(line, 2));
    out_ << Prefix(current_) << "needs the internet (" << offline_ << "; not trying\n";
    out_.flush();
  } else if (words[0] != "gpubox-setup") {
    tail_.emplace_back(line);
    if (tail_.size() > kTailLines) tail_.pop_front();
  }
}

void SetupProgress::PhaseMarker(const std::string& phase, std::string_view what) {
  if (what == "start") {
    started_us_ = env_.clock->NowMicros();
    current_ = phase;
    failed_command_.clear();
    offline_.clear();
    tail_.clear();
    return;
  }
  out_ << Prefix(phase);
  if (what == "skip") {
    out_ << "already done (skipped)\n";
  } else {
    out_ << (what == "done" ? "done" : "FAILED") << " ("
         << FormatFixed((env_.clock->NowMicros() - started_us_) / 1e6, 1) << " s)";
    std::string detail =
        what == "done" ? (tail_.empty() ? "" : std::string(Trim(tail_.back()))) : Reason();
    if (!detail.empty()) out_ << ": " << detail;
    out_ << '\n';
  }
  if (what == "fail") {
    failed_ = phase;
    PrintTail();
  }
  out_.flush();
  current_.clear();
  if (what == "done" || what == "skip") done_.push_back(phase);
  (void)store_.AddEvent(
      {env_.clock->NowMicros() / 1'000'000, box_, "setup", phase + " " + std::string(what)});
}

void SetupProgress::PrintTail() {
  for (const std::string& line : tail_) out_ << "gpubox:   | " << line << '\n';
  out_.flush();
}

std::string SetupProgress::failed() const { return failed_.empty() ? current_ : failed_; }

std::string SetupProgress::Reason() const {
  if (!offline_.empty()) return "needs the internet (" + offline_;
  if (!failed_command_.empty()) return failed_command_;
  for (auto line = tail_.rbegin(); line != tail_.rend(); ++line) {
    if (!Trim(*line).empty()) return std::string(Trim(*line));
  }
  return "";
}

}  // namespace gpubox
