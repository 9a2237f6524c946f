#include "gpubox/cli/confirm.h"

#include <iostream>

#include "gpubox/sys/this_process.h"

namespace gpubox {

bool Confirm(const std::string& question, bool assume_yes, std::ostream& err) {
  if (assume_yes) return true;
  if (!StdinIsTerminal()) return false;
  err << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace gpubox
