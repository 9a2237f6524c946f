#pragma once
// Runs one of the project's botocore oracle scripts (tests/oracles/*.py)
// with Debian's python3 (which has botocore): JSON in on stdin, JSON out.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace gpubox::testing {

inline constexpr char kOraclePython[] = "/usr/bin/python3";

/// Returns the script's JSON output, or a json string starting "ORACLE
/// FAILED" with the exit status and stderr (so an assertion shows why).
inline nlohmann::json RunOracle(const std::string& script, const nlohmann::json& input) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("gpubox-oracle-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path in = dir / "in.json", out = dir / "out.json", err = dir / "err.txt";
  std::ofstream(in) << input.dump();
  std::string command = std::string(kOraclePython) + " " + GPUBOX_SOURCE_DIR "/tests/oracles/" +
                        script + " < " + in.string() + " > " + out.string() + " 2> " + err.string();
  int status = std::system(command.c_str());
  auto slurp = [](const fs::path& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  };
  std::string output = slurp(out), errors = slurp(err);
  fs::remove_all(dir);
  if (status != 0) {
    return "ORACLE FAILED (status " + std::to_string(status) + "): " + errors;
  }
  return nlohmann::json::parse(output);
}

}  // namespace gpubox::testing
