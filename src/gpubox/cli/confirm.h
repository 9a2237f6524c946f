#pragma once
/// Asking the user before something costly or destructive.

#include <iosfwd>
#include <string>

namespace gpubox {

/// True when `assume_yes`; otherwise asks `question [y/N]` on `err` and reads a
/// line from stdin when it is a terminal. Without a terminal and without
/// `assume_yes` the answer is no.
bool Confirm(const std::string& question, bool assume_yes, std::ostream& err);

}  // namespace gpubox
