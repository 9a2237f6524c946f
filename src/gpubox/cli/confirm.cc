#include "gpubox/cli/confirm.h"

#include <unistd.h>

#include <iostream>

namespace gpubox {

bool Confirm(const std::string& question, bool assume_yes, std::ostream& err) {
  if (assume_yes) return true;
  if (!::isatty(STDIN_FILENO)) return false;
  err << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace gpubox
