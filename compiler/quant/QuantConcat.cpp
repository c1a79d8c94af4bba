// Post-training quantization of Concat (its inputs brought to one grid, constant zero channel padding at the
// zero point) and of Relu/Clip on an int8 value (with or without a zero point).
#include "QuantElementwise.h"
#include "QuantRewrite.h"

#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <cmath>

namespace npu::passes {

using namespace ir;

namespace {

/// A constant (or constant-computable) float tensor whose every element is 0.
bool isZeroConstant(QuantBuilder &B, ValueId V) {
  const Tensor *K = isF32(B, V) ? B.constantOf(V) : nullptr;
  if (!K)
    return false;
  for (int64_t E = 0; E < K->numElements(); ++E)
    if (K->getDouble(E) != 0)
      return false;
  return true;
}

/// The grid every input of a Concat is brought to: the inputs' own when they share one, the largest input
/// scale when every zero point is 0, else the grid of the union of the inputs' real ranges.
QValue commonGrid(const QuantBuilder &B, const std::vector<QValue> &Grids) {
  bool Same = true, Symmetric = true;
  double Scale = 0, Lo = 0, Hi = 0;
  for (const QValue &Q : Grids) {
    Same &= Q.Scale == Grids[0].Scale && Q.Zp == Grids[0].Zp;
    Symmetric &= Q.Zp == 0;
    Scale = std::max(Scale, Q.Scale);
    Lo = std::min(Lo, double(B.actMin() - Q.Zp) * Q.Scale);
    Hi = std::max(Hi, double(B.actMax() - Q.Zp) * Q.Scale);
  }
  if (Same)
    return Grids[0];
  if (Symmetric)
    return {NoValue, Scale, 0};
  return asymmetricGrid(Lo, Hi);
}

/// The int8 constant of the all-zero float Concat input In on a grid of zero point Zp: every element Zp.
ValueId zeroConstant(QuantBuilder &B, ValueId In, int64_t Zp, ZeroConstants &Zeros) {
  auto [It, New] = Zeros.try_emplace({In, Zp}, NoValue);
  if (New) {
    Tensor Z(B.Act, B.old().type(In).Dims);
    for (int64_t E = 0; E < Z.numElements(); ++E)
      Z.setDouble(E, double(Zp));
    It->second = B.addConstant(B.old().value(In).Name + "_q", std::move(Z));
  }
  return It->second;
}

} // namespace

/// Concat of int8 inputs: each is requantized to a common grid first (commonGrid). Constant all-zero inputs
/// (BlazeFace pads channels with Concat(x, zeros)) are exact on any grid: they become int8 constants at the
/// zero point and take no part in choosing the grid, so Concat(x, zeros) keeps x's.
Expected<bool> convertConcat(QuantBuilder &B, const Node &N, ZeroConstants &Zeros) {
  std::vector<bool> Zero(N.Inputs.size(), false);
  std::vector<QValue> Grids;
  for (size_t K = 0; K < N.Inputs.size(); ++K) {
    const ValueId In = N.Inputs[K];
    if (In == NoValue)
      return false;
    if ((Zero[K] = isZeroConstant(B, In)))
      continue;
    if (!B.hasInt8(In))
      return false;
    Grids.push_back(B.int8Form(In));
  }
  if (Grids.empty()) // only zeros: constant folding's business
    return false;
  const QValue G = commonGrid(B, Grids);
  std::vector<ValueId> Ins;
  for (size_t K = 0; K < N.Inputs.size(); ++K) {
    const ValueId In = N.Inputs[K];
    if (Zero[K]) {
      Ins.push_back(zeroConstant(B, In, G.Zp, Zeros));
      continue;
    }
    QValue Q = B.int8Form(In);
    if (Q.Scale != G.Scale || Q.Zp != G.Zp) {
      ValueId R = B.addInt8Value(B.old().value(In).Name + "_rq", B.old().type(In).Dims, G.Scale, G.Zp);
      Node &M = B.addNode("npu.Requantize", {Q.Id}, {R}, "requantize_" + B.old().value(In).Name);
      NPU_TRY(setRequant(M, Q.Scale / G.Scale, Q.Zp, G.Zp, B.actMin(), B.actMax()));
      B.setRequantType(M);
      Q.Id = R;
    }
    Ins.push_back(Q.Id);
  }
  const ValueId Out = N.Outputs[0];
  ValueId Y = B.addInt8Value(B.old().value(Out).Name + "_q", B.old().type(Out).Dims, G.Scale, G.Zp);
  B.addNode("Concat", Ins, {Y}, N.Name).Attrs = N.Attrs;
  B.setInt8(Out, {Y, G.Scale, G.Zp});
  return true;
}

/// Relu/Clip on an int8 value: Relu as is on zero point 0 (max(q, 0) is the real max(x, 0)); otherwise, and
/// Clip always, an identity npu.Requantize whose bounds are the quantized 0 (the zero point) or clip bounds.
Expected<bool> convertActivation(QuantBuilder &B, const Node &N) {
  ValueId X = N.Inputs[0];
  if (!B.hasInt8(X))
    return false;
  const QValue Q = B.int8Form(X);
  ValueId Y = B.addInt8Value(B.old().value(N.Outputs[0]).Name + "_q", B.old().type(N.Outputs[0]).Dims, Q.Scale, Q.Zp);
  if (N.OpType == "Relu" && Q.Zp == 0) {
    B.addNode("Relu", {Q.Id}, {Y}, N.Name);
  } else {
    double Lo = N.OpType == "Relu" ? 0.0 : -INFINITY, Hi = INFINITY;
    for (size_t K = 1; N.OpType == "Clip" && K <= 2; ++K) {
      const Tensor *V = N.hasInput(K) ? B.constantOf(N.Inputs[K]) : nullptr;
      if (N.hasInput(K) && !V)
        return false;
      if (V)
        (K == 1 ? Lo : Hi) = V->getDouble(0);
    }
    Node &M = B.addNode("npu.Requantize", {Q.Id}, {Y}, N.Name);
    auto [L, H] = B.actBounds(Lo, Hi, Q);
    NPU_TRY(setRequant(M, 1.0, Q.Zp, Q.Zp, L, H));
    B.setRequantType(M);
  }
  B.setInt8(N.Outputs[0], {Y, Q.Scale, Q.Zp});
  return true;
}

} // namespace npu::passes
