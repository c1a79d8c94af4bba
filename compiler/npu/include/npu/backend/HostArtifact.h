// The artifact of `--target host`: a float graph packed as one host segment, JIT-compiled when it is loaded
// (npuc compile --target host, npuc run MODEL.onnx, the Python module's npu.compile(..., target="host")).
#pragma once

#include "npu/backend/Artifact.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/ir/Graph.h"

#include <string>

namespace npu::backend {

/// One host segment holding the optimized float graph G (the host pipeline's output). Config is only recorded.
Expected<ModelArtifact> hostArtifact(const ir::Graph &G, const HardwareConfig &Config);

/// Imports an ONNX model, runs the host pass pipeline and packages it like hostArtifact.
Expected<ModelArtifact> compileHostArtifact(const std::string &OnnxPath, const frontend::ImportOptions &Import);

} // namespace npu::backend
