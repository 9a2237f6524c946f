#include "gpubox/box/paths.h"

namespace gpubox {
namespace {

std::string XdgDir(const Env& env, const std::string& home, const char* var, const char* fallback) {
  auto value = env.Var(var);
  std::string base = value && !value->empty() && (*value)[0] == '/' ? *value : home + fallback;
  return base + "/gpubox";
}

}  // namespace

GpuboxPaths ResolvePaths(const Env& env) {
  GpuboxPaths paths;
  paths.home = env.Var("HOME").value_or("/root");
  paths.state_dir = XdgDir(env, paths.home, "XDG_STATE_HOME", "/.local/state");
  paths.data_dir = XdgDir(env, paths.home, "XDG_DATA_HOME", "/.local/share");
  paths.config_dir = XdgDir(env, paths.home, "XDG_CONFIG_HOME", "/.config");
  return paths;
}

}  // namespace gpubox
