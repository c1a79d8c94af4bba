// ONNX model import into the Graph IR (opsets 6 to 25; older attribute forms rewritten to the newest ones).
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/MemoryLimit.h"
#include "npu/support/Status.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace npu::frontend {

struct ImportOptions {
  /// Shapes for graph inputs, by name: they fix dynamic dims (and must agree with static ones).
  std::map<std::string, std::vector<int64_t>> InputShapes;
  /// The most one tensor (input, initializer, inferred value) may take; more is an error naming it.
  MemoryLimit Memory;
};

/// Reads an ONNX model file. Errors name the file and, for node problems, the node name, op type and opset.
/// Unsupported operators, attribute values and element types give errors whose text contains "unsupported".
Expected<ir::Graph> importOnnx(const std::string &Path, const ImportOptions &Opts = {});
/// Same, from the serialized model bytes; BaseDir locates external data, Label names the model in errors.
Expected<ir::Graph> importOnnxBytes(std::string_view Bytes, const ImportOptions &Opts,
                                    const std::string &BaseDir, const std::string &Label);

/// The names of a model's graph inputs that are not initializers, in order (what input_K.pb files feed).
Expected<std::vector<std::string>> onnxGraphInputs(const std::string &Path);

/// Parses "NAME=1x3x224x224" (as --input-shape takes it) into Opts.
Status addInputShapeOption(ImportOptions &Opts, const std::string &Spec);

} // namespace npu::frontend
