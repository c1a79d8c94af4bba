// The layout pass's rules (LayoutRules.h): eligibility of each operator for the blocked layout.
#include "LayoutRules.h"
#include "LayoutFlatten.h"
#include "LayoutGroupConv.h"
#include "../quant/QuantRewrite.h"

#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/passes/Pass.h"
#include "npu/compiler/ref/Interpreter.h"

#include <algorithm>

namespace npu::passes::layout {

using namespace ir;

namespace {

/// A quantized activation (int8 or int16); eligible() requires the config's type.
bool isAct(const Graph &G, ValueId V) {
  return V != NoValue && (G.type(V).Elem == ElemType::Int8 || G.type(V).Elem == ElemType::Int16);
}

/// V is an activation of the config's type.
bool isAct(const Graph &G, ValueId V, ElemType Act) { return V != NoValue && G.type(V).Elem == Act; }

/// [N, C, 1, ..., 1] -> [N, C] (global pool -> Flatten -> Gemm): in the blocked layout the same bytes.
bool isSqueezeOfUnitSpatial(const Graph &G, const Node &N) {
  const Shape &In = G.type(N.Inputs[0]).Dims, &Out = G.type(N.Outputs[0]).Dims;
  if (In.size() < 3 || Out != Shape{In[0], In[1]})
    return false;
  return std::all_of(In.begin() + 2, In.end(), [](int64_t D) { return D == 1; });
}

/// A constant activation of real zeros on the grid of zero point Zp (a Concat's output grid, which an int8
/// Concat's constant inputs are on whether or not their type says so): every element Zp.
bool isZeroConstant(const Graph &G, ValueId V, int64_t Zp) {
  const Value &X = G.value(V);
  if (X.Kind != ValueKind::Constant || !isAct(G, V) || !X.Data)
    return false;
  const std::vector<int64_t> Q = X.Data->toInt64s();
  return std::all_of(Q.begin(), Q.end(), [&](int64_t E) { return E == Zp; });
}

/// True when the padding lanes (channels past C in the last block) of V's blocked form hold V's zero point,
/// whatever makes it: npu.ToBlocked pads with the zero point, and the blocked operators compute padding lanes
/// like real ones from zero weights, zero bias and 0 multipliers, so an operator whose inputs' padding lanes
/// are at their zero points gives requant(0) + y_zero_point there, kept when the clip range holds it.
bool padLanesAtZeroPoint(const Graph &G, ValueId V, int Depth = 0) {
  if (Depth > 64)
    return false;
  const Node *P = nullptr;
  for (const Node &N : G.nodes())
    if (N.hasOutput(0) && N.Outputs[0] == V)
      P = &N;
  if (!P || !isAct(G, V))
    return true; // a graph input or a host value: it enters through npu.ToBlocked
  const std::string &Op = P->OpType;
  auto InputsAtZp = [&](size_t From, size_t To) {
    for (size_t K = From; K < std::min(To, P->Inputs.size()); ++K)
      if (P->Inputs[K] != NoValue && !isConstant(G, P->Inputs[K]) &&
          !padLanesAtZeroPoint(G, P->Inputs[K], Depth + 1))
        return false;
    return true;
  };
  auto ClipHoldsZp = [&] {
    const int64_t Z = P->getInt("y_zero_point", 0);
    const ElemType T = G.type(V).Elem;
    return P->getInt("act_min", integerTypeMin(T)) <= Z && Z <= P->getInt("act_max", integerTypeMax(T));
  };
  if (Op == "npu.QConv" || Op == "npu.QMatMul") // padded weights and bias are zero
    return ClipHoldsZp();
  if (Op == "npu.QAdd" || Op == "npu.QMul")
    return InputsAtZp(0, 2) && ClipHoldsZp();
  if (Op == "npu.QLeakyRelu" || Op == "npu.Requantize" || Op == "npu.QAvgPool" || Op == "npu.QGlobalAvgPool")
    return InputsAtZp(0, 1) && ClipHoldsZp();
  if (Op == "npu.QLut") { // padding lanes map to the table's entry for the input zero point
    const std::vector<int64_t> T = P->getInts("table");
    const int64_t Zx = zeroPoint(G, P->Inputs[0]);
    return InputsAtZp(0, 1) && T.size() == 256 && T[size_t(Zx + 128)] == zeroPoint(G, V);
  }
  if (Op == "MaxPool" || Op == "Reshape" || Op == "Flatten" || Op == "Resize" || Op == "Pad")
    return InputsAtZp(0, 1);
  if (Op == "Relu")
    return zeroPoint(G, V) == 0 && InputsAtZp(0, 1);
  if (Op == "Concat")
    return InputsAtZp(0, P->Inputs.size());
  return true; // not an operator of the blocked layout: a host value entering through npu.ToBlocked
}

/// Concat along channels of blocked tensors is a concat of their channel blocks when every input but the last
/// fills whole blocks of C. A tail of constant zero inputs adds zero blocks: in the blocked layout the lanes
/// past the last real input's channels are its padding, so Concat(x[C], zeros[P]) is x's blocks followed by
/// ceil((C+P)/c) - ceil(C/c) zero blocks when x's padding lanes hold real zeros (the zero point, the same as
/// the output's).
bool isBlockConcat(const Graph &G, const Node &N, int64_t C, ElemType Act) {
  const int64_t Rank = G.type(N.Inputs[0]).rank();
  auto Axis = normalizeAxis(N.getInt("axis", 0), Rank);
  if (!Axis || *Axis != 1 || Rank < 2)
    return false;
  const size_t Lead = concatLead(G, N);
  for (size_t K = 0; K < N.Inputs.size(); ++K)
    if (!isAct(G, N.Inputs[K], Act) || (K + 1 < Lead && G.type(N.Inputs[K]).Dims[1] % C != 0))
      return false;
  const ValueId Last = N.Inputs[Lead - 1];
  return Lead == N.Inputs.size() || G.type(Last).Dims[1] % C == 0 ||
         (zeroPoint(G, Last) == zeroPoint(G, N.Outputs[0]) && padLanesAtZeroPoint(G, Last));
}

/// npu.QAdd of two activations of equal shape or of an activation and a per-channel one, or of an activation
/// and a constant that broadcasts to it (the constant is then broadcast to the full shape and blocked at
/// compile time).
bool addOperandsFit(const Graph &G, const Node &N) {
  const Shape &A = G.type(N.Inputs[0]).Dims, &B = G.type(N.Inputs[1]).Dims, &Y = G.type(N.Outputs[0]).Dims;
  const bool KA = isConstant(G, N.Inputs[0]), KB = isConstant(G, N.Inputs[1]);
  if (KA && KB)
    return false;
  if (!KA && !KB) {
    // Equal shapes, or one operand per channel ([N, C, 1, ...]) broadcast over the other's positions.
    if (A == B)
      return true;
    const Shape &P = A == Y ? B : A;
    if ((A != Y && B != Y) || P.size() != Y.size())
      return false;
    for (size_t I = 0; I < Y.size(); ++I)
      if (I < 2 ? P[I] != Y[I] : P[I] != 1)
        return false;
    return true;
  }
  const Shape &Act = KA ? B : A, &K = KA ? A : B;
  if (Act != Y || K.size() > Y.size())
    return false;
  for (size_t I = 0; I < K.size(); ++I)
    if (K[K.size() - 1 - I] != 1 && K[K.size() - 1 - I] != Y[Y.size() - 1 - I])
      return false;
  return true;
}

} // namespace

bool isConstant(const Graph &G, ValueId V) { return G.value(V).Kind == ValueKind::Constant; }

int64_t zeroPoint(const Graph &G, ValueId V) {
  const auto &Q = G.type(V).Quant;
  return Q && Q->ZeroPoints.size() == 1 ? Q->ZeroPoints[0] : 0;
}

size_t concatLead(const Graph &G, const Node &N) {
  size_t L = N.Inputs.size();
  const int64_t Zp = zeroPoint(G, N.Outputs[0]);
  while (L > 1 && N.Inputs[L - 1] != NoValue && isZeroConstant(G, N.Inputs[L - 1], Zp))
    --L;
  return L;
}

std::optional<std::array<int64_t, 2>> upsampleFactors(const Graph &G, const Node &N) {
  auto Const = [&](size_t K) { return N.hasInput(K) ? G.value(N.Inputs[K]).Data.get() : nullptr; };
  if ((N.hasInput(2) && !Const(2)) || (N.hasInput(3) && !Const(3)))
    return std::nullopt;
  auto F = ref::replicationFactors(N, G.type(N.Inputs[0]).Dims, Const(2), Const(3));
  if (!F || F->size() != 4 || (*F)[0] != 1 || (*F)[1] != 1)
    return std::nullopt;
  return std::array<int64_t, 2>{(*F)[2], (*F)[3]};
}

std::optional<std::array<int64_t, 4>> spatialZeroPads(const Graph &G, const Node &N, const HardwareConfig &C) {
  auto Const = [&](size_t K) { return N.hasInput(K) ? G.value(N.Inputs[K]).Data.get() : nullptr; };
  if (N.getString("mode", "constant") != "constant" || !Const(1) || (N.hasInput(3) && !Const(3)) ||
      zeroPoint(G, N.Inputs[0]) != 0 || (N.hasInput(2) && (!Const(2) || Const(2)->getDouble(0) != 0)))
    return std::nullopt;
  auto P = resolvePads(G.type(N.Inputs[0]).Dims, *Const(1), Const(3));
  if (!P || P->Begin[0] || P->Begin[1] || P->End[0] || P->End[1])
    return std::nullopt;
  const int64_t Max = ((int64_t(1) << C.PadBits) - 1) / std::max<int64_t>(1, int64_t(C.BlockOut / C.BlockIn));
  const std::array<int64_t, 4> Pads = {P->Begin[2], P->Begin[3], P->End[2], P->End[3]};
  for (int64_t V : Pads)
    if (V < 0 || V > Max)
      return std::nullopt;
  return Pads;
}

bool eligible(const Graph &G, const Node &N, const HardwareConfig &C) {
  const int64_t BlockOut = int64_t(C.BlockOut);
  const ElemType Act = activationType(&C); // what the NPU's input and output buffers hold
  const std::string &Op = N.OpType;
  // npu.QConv / QMatMul without a multiplier keep their int32 accumulators (a graph output left unrounded).
  const bool Int32Gemm = (Op == "npu.QConv" || Op == "npu.QMatMul") && N.hasOutput(0) &&
                         G.type(N.Outputs[0]).Elem == ElemType::Int32 && !N.findAttr("multiplier");
  if (!N.hasOutput(0) || N.Outputs.size() != 1 || !(isAct(G, N.Outputs[0], Act) || Int32Gemm) ||
      !isAct(G, N.Inputs[0], Act) || isBlockedNode(N))
    return false;
  const int64_t Rank = G.type(N.Inputs[0]).rank();
  if (Op == "npu.QConv")
    return Rank >= 3 && (N.getInt("group", 1) == 1 || groupedConvFits(G, N, C));
  if (Op == "npu.QMatMul")
    return Rank == 2;
  if (Op == "npu.QAvgPool" || Op == "npu.QGlobalAvgPool" || Op == "MaxPool")
    return Rank >= 3;
  if (Op == "npu.QAdd")
    return Rank >= 2 && isAct(G, N.Inputs[1], Act) && addOperandsFit(G, N);
  if (Op == "npu.QMul") // a constant first operand may be a scalar: the output's rank
    return G.type(N.Outputs[0]).rank() >= 2 && isAct(G, N.Inputs[1], Act) && addOperandsFit(G, N);
  if (Op == "Flatten" || Op == "Reshape") {
    if (isSqueezeOfUnitSpatial(G, N))
      return true;
    // A flatten into the matmul that reads it relabels the blocked rows; the matmul reads block_in rows.
    const auto F = flattenIntoMatMul(G, N);
    return F && C.BlockIn == C.BlockOut && eligible(G, *F->Reader, C);
  }
  if (Op == "Concat")
    return isBlockConcat(G, N, BlockOut, Act);
  if (Op == "Resize")
    return Rank == 4 && upsampleFactors(G, N).has_value();
  if (Op == "Pad")
    return Rank == 4 && spatialZeroPads(G, N, C).has_value();
  return (Op == "Relu" || Op == "npu.Requantize" || Op == "npu.QLeakyRelu" || Op == "npu.QLut") && Rank >= 2;
}

bool isAnchor(const Node &N) {
  return N.OpType == "npu.QConv" || N.OpType == "npu.QMatMul" || N.OpType == "npu.QAdd" ||
         N.OpType == "npu.QMul" || N.OpType == "npu.QLeakyRelu" || N.OpType == "npu.QLut" ||
         N.OpType == "npu.QAvgPool" || N.OpType == "npu.QGlobalAvgPool";
}

Tensor blockConvWeights(const Tensor &W, int64_t Bo, int64_t Bi) {
  const Shape &D = W.shape();
  BlockedShape WB;
  WB.NOuter = (D[0] + Bo - 1) / Bo, WB.COuter = (D[1] + Bi - 1) / Bi, WB.BlockN = Bo, WB.BlockC = Bi;
  WB.Spatial.assign(D.begin() + 2, D.end());
  Tensor R(ElemType::Int8, WB.dims());
  const int64_t K = WB.spatialSize();
  for (int64_t O = 0; O < D[0]; ++O)
    for (int64_t C = 0; C < D[1]; ++C)
      for (int64_t S = 0; S < K; ++S)
        R.data<int8_t>()[WB.offset(O, C, S)] = W.data<int8_t>()[(O * D[1] + C) * K + S];
  return R;
}

Tensor blockMatMulWeights(const Tensor &W, int64_t Bo, int64_t Bi) {
  const int64_t K = W.shape()[0], N = W.shape()[1];
  BlockedShape WB;
  WB.NOuter = (N + Bo - 1) / Bo, WB.COuter = (K + Bi - 1) / Bi, WB.BlockN = Bo, WB.BlockC = Bi;
  Tensor R(ElemType::Int8, WB.dims());
  for (int64_t Kk = 0; Kk < K; ++Kk)
    for (int64_t Nn = 0; Nn < N; ++Nn)
      R.data<int8_t>()[WB.offset(Nn, Kk, 0)] = W.data<int8_t>()[Kk * N + Nn];
  return R;
}

} // namespace npu::passes::layout
