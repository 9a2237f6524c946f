// Must not compile: box/ may not see local/ (ARCHITECTURE.md). forbidden_include_test
// builds this file as part of the box layer and expects the compiler to refuse the include.
#include "gpubox/box/provisioner.h"  // box's own header: visible
#include "gpubox/local/store.h"      // the local cloud's: not visible to box
