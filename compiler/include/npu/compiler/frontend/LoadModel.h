// Loading a model for the driver: an ONNX file or the Graph IR text form, verified.
#pragma once

#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/ir/Graph.h"

namespace npu::frontend {

/// Reads Path: `.onnx` through the ONNX importer (with Opts), anything else as Graph IR text. The graph is
/// verified; errors name the file.
Expected<ir::Graph> loadModel(const std::string &Path, const ImportOptions &Opts = {});

} // namespace npu::frontend
