// Conversion of already quantized models, the helpers (Q/DQ parameters, chains, uint8 forms, weights, bias).
// uint8 tensors are carried as int8 = uint8 - 128 with zero point - 128, which is exact.
#include "QuantImport.h"

#include "npu/compiler/ops/FixedPoint.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>

namespace npu::passes {

using namespace ir;

namespace qimport {

Expected<Graph> Import::run() {
  return B.rewriteAll(Done, [&](size_t I) { return convert(I); });
}

std::optional<TP> Import::scalarParams(ValueId S, ValueId Z, ElemType E) {
  const Tensor *ST = S == NoValue ? nullptr : B.constantOf(S);
  const Tensor *ZT = Z == NoValue ? nullptr : B.constantOf(Z);
  if (!ST || ST->numElements() != 1 || (Z != NoValue && (!ZT || ZT->numElements() != 1)))
    return std::nullopt;
  if (E != ElemType::Int8 && E != ElemType::UInt8)
    return std::nullopt;
  return TP{ST->getDouble(0), ZT ? ZT->getInt64(0) : 0, E};
}

std::optional<TP> Import::qdqParams(const Node &N) {
  if (N.getInt("block_size", 0) != 0)
    return std::nullopt;
  ElemType E =
      N.OpType == "QuantizeLinear" ? B.old().type(N.Outputs[0]).Elem : B.old().type(N.Inputs[0]).Elem;
  return scalarParams(N.Inputs[1], N.hasInput(2) ? N.Inputs[2] : NoValue, E);
}

std::optional<std::pair<ValueId, TP>> Import::dqSource(ValueId F) {
  const Node *N = producer(F);
  if (!N || N->OpType != "DequantizeLinear" || B.old().type(F).Elem != ElemType::Float32)
    return std::nullopt;
  auto P = qdqParams(*N);
  if (!P)
    return std::nullopt;
  return std::make_pair(N->Inputs[0], *P);
}

Expected<ValueId> Import::i8Of(ValueId Q) {
  const Node *N = producer(Q);
  // A uint8 QuantizeLinear is re-made with an int8 output and zero point - 128: the same numbers minus 128.
  if (N && N->OpType == "QuantizeLinear" && B.old().type(Q).Elem == ElemType::UInt8) {
    auto P = qdqParams(*N);
    if (P && !B.hasInt8Data(Q)) {
      NPU_ASSIGN(ValueId F, B.orig(N->Inputs[0]));
      const std::string &Name = B.old().value(Q).Name;
      TensorType T(ElemType::Int8, B.old().type(Q).Dims);
      T.Quant = QuantParams{{float(P->Scale)}, {P->zp8()}, std::nullopt};
      ValueId R = B.addValue(Name + "_i8", T);
      B.addNode("QuantizeLinear",
                {F, B.addConstant(Name + "_i8_scale", f32Scalar(P->Scale)),
                 B.addConstant(Name + "_i8_zp", int8Scalar(P->zp8()))},
                {R}, "quantize_" + Name + "_i8");
      B.setInt8Data(Q, R);
    }
  }
  return B.int8Data(Q);
}

std::optional<Sink> Import::findSink(ValueId V, bool AllowActivation) {
  Sink S;
  for (;;) {
    int C = B.soleConsumer(V);
    if (C < 0)
      return std::nullopt;
    const Node &N = node(size_t(C));
    if (N.OpType == "QuantizeLinear") {
      auto P = qdqParams(N);
      if (!P)
        return std::nullopt;
      S.P = *P;
      S.Out = N.Outputs[0];
      S.Nodes.push_back(C);
      return S;
    }
    if (!AllowActivation || (N.OpType != "Relu" && N.OpType != "Clip"))
      return std::nullopt;
    if (N.OpType == "Relu")
      S.Lo = std::max(S.Lo, 0.0);
    for (size_t K = 1; N.OpType == "Clip" && K < 3; ++K) {
      if (!N.hasInput(K))
        continue;
      const Tensor *T = B.constantOf(N.Inputs[K]);
      if (!T)
        return std::nullopt;
      if (K == 1)
        S.Lo = std::max(S.Lo, T->getDouble(0));
      else
        S.Hi = std::min(S.Hi, T->getDouble(0));
    }
    S.Nodes.push_back(C);
    V = N.Outputs[0];
  }
}

ValueId Import::makeOutput(const Sink &S, std::pair<int64_t, int64_t> *Act) {
  TensorType T(ElemType::Int8, B.old().type(S.Out).Dims);
  T.Quant = QuantParams{{float(S.P.Scale)}, {S.P.zp8()}, std::nullopt};
  ValueId Y =
      S.P.Elem == ElemType::Int8 ? B.addOldValue(S.Out, T) : B.addValue(B.old().value(S.Out).Name + "_i8", T);
  B.setInt8Data(S.Out, Y);
  for (int K : S.Nodes)
    Done[size_t(K)] = true;
  if (Act) {
    // Q is monotone, so Q(clip(x, lo, hi)) = clamp(Q(x), Q(lo), Q(hi)); bounds in the int8 form's numbers.
    const int64_t Lo = integerTypeMin(S.P.Elem), Hi = integerTypeMax(S.P.Elem), Shift = S.P.Zp - S.P.zp8();
    auto Q = [&](double V) { return quant::quantizeValue(V, S.P.Scale, Lo - S.P.Zp, Hi - S.P.Zp) + S.P.Zp; };
    Act->first = (std::isfinite(S.Lo) ? Q(S.Lo) : Lo) - Shift;
    Act->second = std::max(Act->first, (std::isfinite(S.Hi) ? Q(S.Hi) : Hi) - Shift);
  }
  return Y;
}

std::optional<QuantizedWeights> Import::weights(const Tensor &W, const Tensor *Zp, const Tensor &Scale,
                                                int64_t Channels, bool ChannelIsLastDim) {
  const int64_t N = W.numElements(), Per = N / std::max<int64_t>(Channels, 1);
  auto Pick = [&](const Tensor &T, int64_t C) { return T.numElements() == 1 ? 0 : C; };
  if ((Scale.numElements() != 1 && Scale.numElements() != Channels) ||
      (Zp && Zp->numElements() != 1 && Zp->numElements() != Channels))
    return std::nullopt;
  QuantizedWeights Q{Tensor(ElemType::Int8, W.shape()), {}};
  for (int64_t C = 0; C < Channels; ++C)
    Q.Scales.push_back(Scale.getDouble(Pick(Scale, C)));
  for (int64_t I = 0; I < N; ++I) {
    int64_t C = ChannelIsLastDim ? I % Channels : I / Per;
    int64_t V = W.getInt64(I) - (Zp ? Zp->getInt64(Pick(*Zp, C)) : 0);
    if (V < -128 || V > 127)
      return std::nullopt; // uint8 weights far from their zero point: not an int8 operand
    Q.Data.data<int8_t>()[I] = int8_t(V);
  }
  return Q;
}

std::optional<QuantizedWeights> Import::dqWeights(ValueId F, int64_t Channels, bool ChannelIsLastDim) {
  const Node *N = producer(F);
  if (!N || N->OpType != "DequantizeLinear" || N->getInt("block_size", 0) != 0)
    return std::nullopt;
  const Tensor *W = B.constantOf(N->Inputs[0]), *S = B.constantOf(N->Inputs[1]);
  const Tensor *Z = N->hasInput(2) ? B.constantOf(N->Inputs[2]) : nullptr;
  if (!W || !S || (N->hasInput(2) && !Z) ||
      (W->elemType() != ElemType::Int8 && W->elemType() != ElemType::UInt8))
    return std::nullopt;
  if (S->numElements() > 1) {
    auto Axis = normalizeAxis(N->getInt("axis", 1), W->rank());
    if (!Axis || *Axis != (ChannelIsLastDim ? W->rank() - 1 : 0))
      return std::nullopt;
  }
  return weights(*W, Z, *S, Channels, ChannelIsLastDim);
}

std::optional<Tensor> Import::dqBias(ValueId V, double XScale, const std::vector<double> &WScales) {
  std::vector<double> Real(WScales.size(), 0.0);
  if (V != NoValue) {
    const Node *N = producer(V);
    const Tensor *K = B.constantOf(V);
    const Tensor *Bi = N && N->OpType == "DequantizeLinear" ? B.constantOf(N->Inputs[0]) : nullptr;
    const Tensor *Bs = Bi ? B.constantOf(N->Inputs[1]) : nullptr;
    if (Bi && Bs && Bi->elemType() == ElemType::Int32 && !N->hasInput(2) &&
        Bi->numElements() == int64_t(Real.size()) &&
        (Bs->numElements() == 1 || Bs->numElements() == Bi->numElements())) {
      // An int32 bias at exactly s_x * s_w[o] (as float32, as quantizers write it) is taken as it is.
      bool Exact = true;
      for (size_t O = 0; O < Real.size(); ++O) {
        double S = Bs->getDouble(Bs->numElements() == 1 ? 0 : int64_t(O));
        Exact &= S == double(float(XScale * WScales[O]));
        Real[O] = double(Bi->getInt64(int64_t(O))) * S;
      }
      if (Exact) {
        Tensor T(ElemType::Int32, {int64_t(Real.size())});
        for (size_t O = 0; O < Real.size(); ++O)
          T.data<int32_t>()[O] = int32_t(Bi->getInt64(int64_t(O)));
        return T;
      }
    } else if (K && isFloatType(K->elemType()) && K->numElements() == int64_t(Real.size())) {
      for (size_t O = 0; O < Real.size(); ++O)
        Real[O] = K->getDouble(int64_t(O));
    } else {
      return std::nullopt;
    }
  }
  return quantizeBias(Real, XScale, WScales);
}

} // namespace qimport

Expected<Graph> convertQuantizedGraph(const Graph &G) { return qimport::Import(G).run(); }

} // namespace npu::passes
