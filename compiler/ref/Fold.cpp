// Compile-time evaluation of one node (see Fold.h): Shape/Size from the static type, the rest by the kernels.
#include "npu/compiler/ref/Fold.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Interpreter.h"

#include <algorithm>

namespace npu::ref {

using namespace ir;

namespace {

/// Shape and Size from their input's static type.
Tensor fromType(const Node &N, const TensorType &In) {
  const int64_t R = In.rank();
  if (N.OpType == "Size")
    return Tensor::fromValues(ElemType::Int64, {}, std::vector<int64_t>{shapeNumElements(In.Dims)});
  int64_t Start = N.getInt("start", 0), End = N.getInt("end", R);
  Start = std::clamp<int64_t>(Start < 0 ? Start + R : Start, 0, R);
  End = std::clamp<int64_t>(End < 0 ? End + R : End, 0, R);
  std::vector<int64_t> Dims(In.Dims.begin() + Start, In.Dims.begin() + std::max(Start, End));
  return Tensor::fromValues(ElemType::Int64, {int64_t(Dims.size())}, Dims);
}

} // namespace

Expected<FoldResult> foldNode(const Graph &G, const Node &N, const std::vector<const Tensor *> &Known,
                              int64_t MaxBytes) {
  FoldResult R;
  std::vector<Tensor> Results;
  if ((N.OpType == "Shape" || N.OpType == "Size") && N.hasInput(0) && G.type(N.Inputs[0]).isStatic()) {
    Results.push_back(fromType(N, G.type(N.Inputs[0])));
  } else {
    if (N.Inputs.empty() || !hasKernel(N.OpType))
      return R;
    for (size_t I = 0; I < N.Inputs.size(); ++I)
      if (N.Inputs[I] != NoValue && (I >= Known.size() || !Known[I]))
        return R;
    for (ValueId Out : N.Outputs) {
      if (Out == NoValue)
        continue;
      const TensorType &T = G.type(Out);
      const int64_t Bytes = shapeNumElements(T.Dims) * int64_t(elemTypeSize(T.Elem));
      if (Bytes < 0 || Bytes > MaxBytes) {
        R.Why = "its result " + formatType(T) + " (" + std::to_string(Bytes >> 20) + " MiB) is above the " +
                std::to_string(MaxBytes >> 20) + " MiB folding limit";
        return R;
      }
    }
    auto Run = runNode(N, Known);
    if (!Run) {
      R.Why = Run.message(), R.KernelError = true;
      return R;
    }
    Results = Run.takeValue();
  }
  if (Results.size() != N.Outputs.size())
    return makeError(describeNode(N), ": evaluates to ", Results.size(), " outputs but has ", N.Outputs.size());
  for (size_t O = 0; O < N.Outputs.size(); ++O) {
    if (N.Outputs[O] == NoValue)
      continue;
    const TensorType &Decl = G.type(N.Outputs[O]);
    if (Results[O].elemType() != Decl.Elem || Results[O].shape() != Decl.Dims)
      return makeError(describeNode(N), ": output ", O, " evaluates to ", formatType(Results[O].type()),
                       " but is declared ", formatType(Decl));
  }
  R.Values = std::move(Results);
  return R;
}

} // namespace npu::ref
