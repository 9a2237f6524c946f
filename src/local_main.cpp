// gpubox-local: the local cloud's daemon (local/local_serve.h), a binary of its own.
#include <exception>
#include <iostream>

#include "gpubox/local/local_serve.h"
#include "gpubox/sys/real_env.h"

int main(int argc, char** argv, char** envp) {
  try {
    gpubox::RealEnv real_env(envp);
    return gpubox::local::DaemonMain(argc, argv, real_env.env(), std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "gpubox: error: internal: " << e.what() << "; hint: please report this\n";
    return 1;
  }
}
