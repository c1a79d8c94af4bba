// The operators the Graph IR knows: input/output counts, attribute schema and type inference for each.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/MemoryLimit.h"
#include "npu/support/Status.h"

#include <string_view>
#include <vector>

namespace npu::ir {

/// What type inference sees of a node: its input types and, where known, their values.
class InferContext {
public:
  InferContext(const Node &N, std::vector<const TensorType *> Types, std::vector<const Tensor *> Values)
      : N(N), Types(std::move(Types)), Values(std::move(Values)) {}

  const Node &node() const { return N; }
  size_t numInputs() const { return Types.size(); }
  bool hasInput(size_t I) const { return I < Types.size() && Types[I]; }
  const TensorType &type(size_t I) const { return *Types[I]; }
  const Shape &dims(size_t I) const { return Types[I]->Dims; }
  ElemType elem(size_t I) const { return Types[I]->Elem; }
  int64_t rank(size_t I) const { return Types[I]->rank(); }
  /// The input's value if it is known (a constant, or at run time), else nullptr.
  const Tensor *value(size_t I) const { return I < Values.size() ? Values[I] : nullptr; }
  /// Like value(), but records that the output types need it when it is unknown.
  const Tensor *requireValue(size_t I) const {
    const Tensor *V = value(I);
    if (!V && hasInput(I))
      MissingValue = true;
    return V;
  }
  /// True when inference failed only because a requireValue() input is not a constant.
  bool missingValue() const { return MissingValue; }

private:
  const Node &N;
  std::vector<const TensorType *> Types;
  std::vector<const Tensor *> Values;
  mutable bool MissingValue = false;
};

using InferFn = Expected<std::vector<TensorType>> (*)(const InferContext &);

struct AttrSpec {
  std::string_view Name;
  AttrKind Kind;
};

/// One operator of the IR. Semantics are those of the newest ONNX opset (see docs/graph-ir.md).
struct OpDef {
  std::string_view Name;
  int MinInputs;
  int MaxInputs; ///< -1: variadic
  int MinOutputs;
  int MaxOutputs;
  std::vector<AttrSpec> Attrs;
  InferFn Infer;
};

/// The operator named Name, or nullptr.
const OpDef *findOp(std::string_view Name);
/// Every operator, in registration order.
const std::vector<OpDef> &allOps();

/// Checks input/output counts and attribute names and kinds against the operator's schema.
Status checkNodeSignature(const Node &N, const OpDef &Def);

/// Infers the output types of N (one per output slot; omitted outputs get a type too).
/// Errors name the problem only; callers add the node's name. An output needing more than Limit is an error.
Expected<std::vector<TensorType>> inferNodeTypes(const OpDef &Def, const InferContext &Ctx,
                                                 const MemoryLimit &Limit = {});

/// "node 'conv1' (Conv)" for error context.
std::string describeNode(const Node &N);

} // namespace npu::ir
