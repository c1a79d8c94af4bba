// The wall time of a fresh Verilator model build (hw/verilator/build-model.sh, as the CMake build and the
// harness's buildModel run it) for a config, into a temporary folder, with ccache off.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/support/Status.h"

namespace npubench {

/// What one model build took.
struct ModelBuild {
  double Seconds = 0; ///< verilator, the C++ compiles and the link
  unsigned Jobs = 0;  ///< parallel C++ compiles (the harness's choice: the machine's cores)
  uint64_t LibraryBytes = 0;
};

/// Builds the model of C from the RTL sources into a temporary folder (removed afterwards) and times it. The
/// script's messages go to stderr; a failed build is an error.
npu::Expected<ModelBuild> timeModelBuild(const npu::HardwareConfig &C);

} // namespace npubench
