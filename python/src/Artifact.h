// npu.Artifact's C++ side: a model artifact with what its compilation reported (shared by compile and run).
#pragma once

#include "npu/backend/Artifact.h"
#include "npu/backend/Compile.h"

#include <string>
#include <vector>

namespace npupy {

struct PyArtifact {
  npu::backend::ModelArtifact A;
  std::string Report; ///< compile(report=True): the passes' report and the placement report
  std::string TileIr; ///< the NPU segments' tile IR (target npu)
  std::vector<npu::backend::NodePlacement> Placements;
};

/// Reads a .npub model artifact (its hashes checked); errors raise npu.Error.
PyArtifact loadArtifact(const std::string &Path);

} // namespace npupy
