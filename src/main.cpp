#include <exception>
#include <iostream>

#include "gpubox/cli/command.h"
#include "gpubox/sys/real_env.h"

int main(int argc, char** argv, char** envp) {
  try {
    gpubox::RealEnv real_env(envp);
    return gpubox::RunCli(argc, argv, real_env.env(), std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "gpubox: error: internal: " << e.what() << "; hint: please report this\n";
    return 1;
  }
}
