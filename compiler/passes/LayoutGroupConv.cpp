// Grouped convolutions in the blocked layout: dense zero-filled weights, the fit check and channel shuffles.
#include "LayoutGroupConv.h"

#include <algorithm>
#include <numeric>
#include <set>

namespace npu::passes {

using namespace ir;

/// Grouped weights [O, C/G, k...] as dense [O, C, k...], zero outside each output channel's group: a blocked
/// npu.QConv always has dense weights (its `group` stays as a hint), and the backend skips the all-zero
/// tiles.
Tensor expandGroups(const Tensor &W, int64_t G) {
  if (G == 1)
    return W;
  const Shape &D = W.shape();
  const int64_t O = D[0], Cg = D[1], Og = O / G, K = shapeNumElements(Shape(D.begin() + 2, D.end()));
  Shape E = D;
  E[1] = Cg * G;
  Tensor R(ElemType::Int8, E);
  for (int64_t Oc = 0; Oc < O; ++Oc)
    for (int64_t C = 0; C < Cg; ++C)
      for (int64_t S = 0; S < K; ++S)
        R.data<int8_t>()[(Oc * E[1] + (Oc / Og) * Cg + C) * K + S] = W.data<int8_t>()[(Oc * Cg + C) * K + S];
  return R;
}

/// A grouped npu.QConv is blocked when the NPU can take it: the tiles of the input blocks (block_in wide) one
/// output block (block_out wide) reads, all taps, fit the weight buffer.
bool groupedConvFits(const Graph &G, const Node &N, const HardwareConfig &C,
                     const std::vector<int64_t> *Perm) {
  const Value &W = G.value(N.Inputs[1]);
  if (W.Kind != ValueKind::Constant)
    return false;
  const Shape &D = W.Data->shape();
  const int64_t Grp = N.getInt("group", 1), O = D[0], Cg = D[1], B = int64_t(C.BlockOut),
                Bi = int64_t(C.BlockIn);
  if (Grp <= 0 || O % Grp != 0)
    return false;
  const int64_t Og = O / Grp, Taps = shapeNumElements(Shape(D.begin() + 2, D.end()));
  for (int64_t Ob = 0; Ob * B < O; ++Ob) {
    // The input blocks the block's output channels read (through the channel shuffle it absorbs, if any).
    std::set<int64_t> Blocks;
    for (int64_t Oc = Ob * B; Oc < std::min(O, Ob * B + B); ++Oc)
      for (int64_t Ci = (Oc / Og) * Cg; Ci < (Oc / Og + 1) * Cg; ++Ci)
        Blocks.insert((Perm ? (*Perm)[size_t(Ci)] : Ci) / Bi);
    if (int64_t(Blocks.size()) * Taps > int64_t(C.D.WeightDepth))
      return false;
  }
  return true;
}

std::optional<ChannelShuffle> channelShuffle(const Graph &G, ValueId V, const std::vector<size_t> &Producer) {
  auto Prod = [&](ValueId X) -> const Node * {
    return X == NoValue || Producer[size_t(X)] == SIZE_MAX ? nullptr : &G.nodes()[Producer[size_t(X)]];
  };
  const Node *R2 = Prod(V);
  const Node *T = R2 && R2->OpType == "Reshape" ? Prod(R2->Inputs[0]) : nullptr;
  const Node *R1 = T && T->OpType == "Transpose" ? Prod(T->Inputs[0]) : nullptr;
  const ElemType E = G.type(V).Elem; // an int8 or int16 activation, unchanged through the shuffle
  if (!R1 || R1->OpType != "Reshape" || (E != ElemType::Int8 && E != ElemType::Int16) ||
      G.type(R1->Inputs[0]).Elem != E)
    return std::nullopt;
  const Shape &Y = G.type(V).Dims, &U = G.type(R1->Outputs[0]).Dims;
  const ValueId X = R1->Inputs[0];
  if (G.type(X).Dims != Y || Y.size() < 3 || U.size() != Y.size() + 1 || U[0] != Y[0] ||
      U[1] * U[2] != Y[1] || !std::equal(U.begin() + 3, U.end(), Y.begin() + 2) ||
      G.type(X).Quant != G.type(V).Quant)
    return std::nullopt;
  std::vector<int64_t> Want(U.size());
  std::iota(Want.begin(), Want.end(), 0);
  std::swap(Want[1], Want[2]);
  if (T->getInts("perm") != Want)
    return std::nullopt;
  ChannelShuffle S;
  S.Source = X;
  const int64_t Groups = U[1], PerGroup = U[2];
  for (int64_t C = 0; C < Y[1]; ++C)
    S.Perm.push_back((C % Groups) * PerGroup + C / Groups);
  S.Nodes = {Producer[size_t(R1->Outputs[0])], Producer[size_t(T->Outputs[0])], Producer[size_t(V)]};
  return S;
}

/// Dense conv weights [O, C, k...] that read the shuffle's source instead of its result: W'[o, Perm[c]] =
/// W[o, c].
Tensor permuteInputs(const Tensor &W, const ChannelShuffle *S) {
  if (!S)
    return W;
  const Shape &D = W.shape();
  const int64_t K = shapeNumElements(Shape(D.begin() + 2, D.end()));
  Tensor R(ElemType::Int8, D);
  for (int64_t O = 0; O < D[0]; ++O)
    for (int64_t C = 0; C < D[1]; ++C)
      std::copy_n(W.data<int8_t>() + (O * D[1] + C) * K, K,
                  R.data<int8_t>() + (O * D[1] + S->Perm[size_t(C)]) * K);
  return R;
}

} // namespace npu::passes
