// State of one ONNX import: the graph being built, ONNX names, known constant values (internal).
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/MemoryLimit.h"
#include "npu/support/Status.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <optional>
#include <memory>
#include <string>
#include <unordered_map>

namespace npu::frontend {

class ImportState {
public:
  ir::Graph G;
  int64_t Opset = 0;
  /// The version of the com.microsoft domain the model imports (0: not imported).
  int64_t ContribOpset = 0;
  std::string BaseDir;
  /// What one tensor may take (ImportOptions::Memory): initializers, inputs and inferred outputs.
  MemoryLimit Limit;
  /// Declared types (value_info, graph outputs) with static shapes, used where inference cannot decide a
  /// shape.
  std::unordered_map<std::string, ir::TensorType> Declared;
  /// Known values of constants and of small computed integer tensors (shape arithmetic), by value id.
  std::unordered_map<ir::ValueId, std::shared_ptr<const ir::Tensor>> Known;

  /// The value an ONNX node input names; "" gives NoValue.
  Expected<ir::ValueId> lookup(const std::string &Name) const;
  /// Adds a constant with a fresh name derived from Base.
  ir::ValueId addConstant(const std::string &Base, ir::Tensor Data);
  /// Appends an IR node whose outputs are named OutNames ("" for omitted) and typed by inference.
  Status emit(const std::string &OpType, std::vector<ir::ValueId> Inputs, std::vector<ir::Attribute> Attrs,
              const std::vector<std::string> &OutNames, const std::string &NodeName);
  const ir::TensorType &type(ir::ValueId Id) const { return G.type(Id); }
  /// The node name to use: Name when free, else a fresh one.
  std::string nodeName(const std::string &Name);

private:
  void recordKnown(const ir::Node &N);
  std::unordered_map<std::string, int> NodeNames;
};

/// Converts one ONNX node (any opset) into canonical IR nodes appended to S.G.
Status convertNode(ImportState &S, const onnx::NodeProto &P, const std::string &NodeName);

/// Converts one com.microsoft node (onnxruntime's quantized operators) into its QDQ definition
/// (OnnxContribOps.cpp).
Status convertContribNode(ImportState &S, const onnx::NodeProto &P, const std::string &NodeName);

/// Removes the attribute named N from Attrs and returns it (nullopt when absent).
std::optional<ir::Attribute> takeAttr(std::vector<ir::Attribute> &Attrs, std::string_view N);

/// Converts an ONNX attribute into an IR attribute.
Expected<ir::Attribute> convertAttribute(const onnx::AttributeProto &A, const std::string &BaseDir,
                                         const MemoryLimit &Limit);

} // namespace npu::frontend
