#pragma once
/// Where gpubox keeps its files, after the XDG base directory spec.

#include <string>

#include "gpubox/sys/env.h"

namespace gpubox {

struct GpuboxPaths {
  std::string home;        ///< $HOME
  std::string state_dir;   ///< $XDG_STATE_HOME/gpubox: the database, tunnels
  std::string data_dir;    ///< $XDG_DATA_HOME/gpubox: private keys
  std::string config_dir;  ///< $XDG_CONFIG_HOME/gpubox: the ssh config include

  std::string database() const { return state_dir + "/gpubox.db"; }
  std::string key_path(const std::string& box) const { return data_dir + "/keys/" + box; }
  std::string known_hosts(const std::string& box) const {
    return data_dir + "/keys/" + box + ".known_hosts";
  }
  std::string tunnel_socket(const std::string& box) const {
    return state_dir + "/tunnels/" + box + ".sock";
  }
  /// The shared ssh master connection's socket (kept short: sockets are limited to 108 bytes).
  std::string ssh_master(const std::string& box) const { return state_dir + "/ssh/" + box; }
  /// Copies of boxes' setup logs, taken when a setup fails (NAME-YYYYMMDDTHHMMSSZ.log).
  std::string setup_logs_dir() const { return state_dir + "/setup-logs"; }
  std::string ssh_include() const { return config_dir + "/ssh_config"; }
  std::string user_ssh_config() const { return home + "/.ssh/config"; }
};

/// Resolves the paths from HOME and the XDG variables in `env`.
GpuboxPaths ResolvePaths(const Env& env);

}  // namespace gpubox
