// Post-training quantization of a float graph into npu.* operators on int8 (or int16) activations with the
// calibrated ranges.
// Conv/MatMul/Gemm/Add/Mul/pools take their bias adds and Relu/Clip along (operators with nothing to fold:
// QuantElementwise.cpp, QuantConcat.cpp); the rest stays float between DequantizeLinear and QuantizeLinear.
#include "QuantElementwise.h"
#include "QuantRewrite.h"
#include "QuantRounding.h"

#include "npu/compiler/ops/FixedPoint.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace npu::passes {

using namespace ir;

namespace {

/// What follows an operator and folds into it: a bias add of a per-channel constant, then Relu/Clip.
struct Tail {
  ValueId Out = NoValue;
  std::vector<int> Nodes;
  std::vector<double> Bias; ///< per channel, empty when no bias add was folded
  double Lo = -INFINITY, Hi = INFINITY;
};

class Ptq {
public:
  Ptq(const Graph &G, std::vector<double> Ranges, std::vector<std::pair<double, double>> Bounds, ElemType Act,
      int WeightBits, std::vector<std::string> *Notes, const std::map<size_t, InputMoments> *Moments,
      const std::set<size_t> *KeepFloat)
      : B(G), Done(G.nodes().size(), false), Notes(Notes), Moments(Moments), KeepFloat(KeepFloat) {
    B.Ranges = std::move(Ranges);
    B.Bounds = std::move(Bounds);
    B.Act = Act;
    B.WeightBits = WeightBits;
  }

  Expected<Graph> run() {
    return B.rewriteAll(Done, [&](size_t I) { return convert(I); });
  }

private:
  QuantBuilder B;

  /// Node I's weights: per-channel scales, values rounded to nearest or, with moments of its input, by GPTQ.
  QuantizedWeights weights(size_t I, const Tensor &W, int64_t Channels, bool ChannelIsLastDim) const {
    QuantizedWeights Q = quantizeWeights(W, Channels, ChannelIsLastDim, B.WeightBits);
    if (Moments)
      if (auto It = Moments->find(I); It != Moments->end())
        roundWithMoments(W, Channels, ChannelIsLastDim, B.WeightBits, It->second, Q);
    return Q;
  }
  std::vector<bool> Done;
  ZeroConstants ZeroInt8; ///< the int8 forms of all-zero float Concat inputs
  std::vector<std::string> *Notes;     ///< why a node stayed float, for --report (may be null)
  const std::map<size_t, InputMoments> *Moments; ///< GPTQ rounding's input moments by node (may be null)
  const std::set<size_t> *KeepFloat; ///< nodes mixed precision leaves float (may be null)

  void note(const Node &N, const std::string &Why) {
    if (Notes)
      Notes->push_back(N.OpType + " '" + N.Name + "' stays float: " + Why);
  }
  /// The grid of V's quantized form, or the one it will get from its calibration.
  QValue gridOf(ValueId V) const { return B.hasInt8(V) ? B.int8Form(V) : B.gridOf(V); }

  /// The int32 bias of node N (input X, weights WQ) at s_x * s_w[o], or none, with a note, when the layer's
  /// accumulators could overflow (then it stays float). With FoldZp the input's zero point folds into it:
  /// without padded taps sum (q - zp) * w = sum q * w - zp * sum w, so the GEMM reads q as it is (the NPU pads
  /// with 0 and knows no zero point) and the bias holds -zp * sum_k W_q[o, k]. The largest |acc| is
  /// sum_k |W_q[o, k]| * max |x| + |bias|, max |x| being 2^(bits-1) for q, or max |q - zp| when zp stays.
  std::optional<Tensor> boundedBias(const Node &N, ValueId X, const QuantizedWeights &WQ,
                                    const std::vector<double> &Bias, bool ChannelIsLastDim, bool FoldZp) {
    const QValue XG = gridOf(X);
    Tensor BQ = quantizeBias(Bias, XG.Scale, WQ.Scales);
    const int64_t Channels = int64_t(Bias.size()), Total = WQ.Data.numElements();
    const int64_t PerChannel = Total / std::max<int64_t>(Channels, 1);
    std::vector<int64_t> Abs(size_t(Channels), 0), Sum(size_t(Channels), 0);
    const int8_t *W = WQ.Data.data<int8_t>();
    for (int64_t I = 0; I < Total; ++I) {
      const size_t O = size_t(ChannelIsLastDim ? I % Channels : I / PerChannel);
      Abs[O] += std::abs(int64_t(W[I]));
      Sum[O] += W[I];
    }
    const int64_t Zp = FoldZp ? XG.Zp : 0;
    const int64_t XMax = FoldZp ? -B.actMin() : std::max(B.actMax() - XG.Zp, XG.Zp - B.actMin());
    for (int64_t O = 0; O < Channels; ++O) {
      const int64_t Folded = int64_t(BQ.data<int32_t>()[O]) - Zp * Sum[size_t(O)];
      const int64_t Max = Abs[size_t(O)] * XMax + std::abs(Folded);
      if (Max > int64_t(INT32_MAX)) {
        note(N, "output channel " + std::to_string(O) + " can reach |acc| = " + std::to_string(Max) +
                    " (sum of |weights| " + std::to_string(Abs[size_t(O)]) + " x " + std::to_string(XMax) +
                    " + |bias|), beyond the int32 accumulator");
        return std::nullopt;
      }
      BQ.data<int32_t>()[O] = int32_t(Folded);
    }
    return BQ;
  }

  /// True when no tap of conv N's window falls in the padding, so an input zero point folds into the bias.
  static bool unpadded(const Node &N, const Shape &Spatial, const Shape &Kernel) {
    auto Geo = resolveWindow(N, Spatial, Kernel, false);
    auto Zero = [](const Shape &P) { return std::all_of(P.begin(), P.end(), [](int64_t V) { return V == 0; }); };
    return Geo && Zero(Geo->PadsBegin) && Zero(Geo->PadsEnd);
  }

  const Node &node(size_t I) const { return B.old().nodes()[I]; }
  bool isF32(ValueId V) const { return passes::isF32(B, V); }
  bool hasRange(ValueId V) const { return passes::hasRange(B, V); }
  bool quantizable(ValueId V) const { return passes::quantizable(B, V); }

  Expected<bool> convert(size_t I) {
    const Node &N = node(I);
    const std::string &Op = N.OpType;
    if (KeepFloat && KeepFloat->count(I))
      return false;
    if (Op == "Conv" || Op == "npu.FusedConv")
      return convertConv(I);
    if (Op == "BatchNormalization")
      return convertBatchNorm(I);
    if (Op == "MatMul" || Op == "Gemm" || Op == "npu.FusedGemm")
      return convertMatMul(I);
    if (Op == "Add" || (Op == "Sum" && N.Inputs.size() == 2))
      return convertAdd(I);
    if (Op == "Mul")
      return convertMul(I);
    if (Op == "AveragePool" || Op == "GlobalAveragePool")
      return convertAvgPool(I);
    if (Op == "Concat")
      return convertConcat(B, N, ZeroInt8);
    if (Op == "Relu" || Op == "Clip")
      return convertActivation(B, N);
    if (Op == "LeakyRelu" || Op == "Pad" || isLutActivation(N) || isPassThrough(N))
      return convertElementwise(B, N);
    return false;
  }

  /// Activation bounds of the fuse pass's npu.FusedConv/FusedGemm (relu, clip); false for the others.
  static bool fusedActivation(const Node &N, Tail &T) {
    std::string A = N.getString("activation", "");
    if (A == "relu")
      T.Lo = 0;
    else if (A == "clip")
      T.Lo = N.getFloat("act_min", -INFINITY), T.Hi = N.getFloat("act_max", INFINITY);
    return A.empty() || A == "relu" || A == "clip";
  }

  /// Follows V through an optional bias add (per channel along Axis, Channels long) and Relu/Clip nodes.
  Tail followTail(ValueId V, size_t Axis, int64_t Channels, bool AllowBias, Tail T) {
    T.Out = V;
    for (;;) {
      int C = B.soleConsumer(T.Out);
      if (C < 0)
        return T;
      const Node &N = node(size_t(C));
      if (N.OpType == "Add" && AllowBias && T.Bias.empty() && T.Lo == -INFINITY && T.Hi == INFINITY) {
        ValueId Other = N.Inputs[0] == T.Out ? N.Inputs[1] : N.Inputs[0];
        const Tensor *K = isF32(Other) ? B.constantOf(Other) : nullptr;
        const Shape &Dims = B.old().type(T.Out).Dims;
        auto Vec = K ? channelVector(*K, Dims, Axis) : std::nullopt;
        if (!Vec || B.old().type(N.Outputs[0]).Dims != Dims || int64_t(Vec->size()) != Channels)
          return T;
        T.Bias = *Vec;
      } else if (N.OpType == "Relu") {
        T.Lo = std::max(T.Lo, 0.0);
      } else if (N.OpType == "Clip") {
        const Tensor *Lo = N.hasInput(1) ? B.constantOf(N.Inputs[1]) : nullptr;
        const Tensor *Hi = N.hasInput(2) ? B.constantOf(N.Inputs[2]) : nullptr;
        if ((N.hasInput(1) && !Lo) || (N.hasInput(2) && !Hi) || !isF32(N.Inputs[0]))
          return T;
        if (Lo)
          T.Lo = std::max(T.Lo, Lo->getDouble(0));
        if (Hi)
          T.Hi = std::min(T.Hi, Hi->getDouble(0));
      } else {
        return T;
      }
      T.Nodes.push_back(C);
      T.Out = N.Outputs[0];
    }
  }

  /// The integer bounds of T's activation range on grid Y.
  std::pair<int64_t, int64_t> actRange(const Tail &T, const QValue &Y) const { return B.actBounds(T.Lo, T.Hi, Y); }

  /// The int8 output value of a converted chain ending in T.Out, registered as T.Out's int8 form.
  QValue makeOutput(const Tail &T) {
    QValue Y = outputOf(B, T.Out);
    for (int K : T.Nodes)
      Done[size_t(K)] = true;
    return Y;
  }

  /// A chain without an activation whose result only leaves the graph (directly, or through data movement)
  /// keeps its int32 accumulators, dequantized per channel on the host: never rounded to 8 bits, never
  /// clipped to the calibrated range (which a held-out input's top logit may pass).
  bool keepsAccumulators(const Tail &T) const {
    if (std::isfinite(T.Lo) || std::isfinite(T.Hi))
      return false;
    std::vector<ValueId> Work = {T.Out};
    bool Leaves = false;
    while (!Work.empty()) {
      ValueId V = Work.back();
      Work.pop_back();
      Leaves |= B.isGraphOutput(V);
      for (int C : B.consumers(V)) {
        const Node &M = node(size_t(C));
        if (M.OpType == "MaxPool" || M.OpType == "Resize" || !isPassThrough(M) || M.Inputs[0] != V)
          return false;
        Work.push_back(M.Outputs[0]);
      }
    }
    return Leaves;
  }

  /// The int32 accumulator value of a chain that keeps them (see keepsAccumulators).
  QValue accumulatorValue(const Tail &T) {
    QValue Y;
    Y.Id = B.addValue(B.old().value(T.Out).Name + "_acc", TensorType(ElemType::Int32, B.old().type(T.Out).Dims));
    for (int K : T.Nodes)
      Done[size_t(K)] = true;
    return Y;
  }

  /// T.Out in float: DequantizeLinear of the accumulators along Axis with scale s_x * s_w[o].
  bool dequantizeAccumulators(const Tail &T, ValueId Acc, double XScale, const std::vector<double> &WScales,
                              int64_t Axis) {
    Tensor S(ElemType::Float32, {int64_t(WScales.size())});
    for (size_t O = 0; O < WScales.size(); ++O)
      S.data<float>()[O] = float(XScale * WScales[O]);
    const std::string &Name = B.old().value(T.Out).Name;
    ValueId SId = B.addConstant(Name + "_acc_scale", std::move(S));
    ValueId ZId = B.addConstant(Name + "_acc_zp", Tensor(ElemType::Int32, {int64_t(WScales.size())}));
    ValueId Y = B.addOldValue(T.Out, B.old().type(T.Out));
    B.addNode("DequantizeLinear", {Acc, SId, ZId}, {Y}, "dequantize_" + Name).setAttr("axis", Axis);
    B.setOrig(T.Out, Y);
    return true;
  }

  Expected<bool> convertConv(size_t I) {
    const Node &N = node(I);
    const Tensor *W = B.constantOf(N.Inputs[1]);
    const Tensor *Bc = N.hasInput(2) ? B.constantOf(N.Inputs[2]) : nullptr;
    if (!W || !isF32(N.Inputs[1]) || (N.hasInput(2) && !Bc))
      return false;
    return convertConvWith(I, *W, Bc, N.getInt("group", 1), B.old().value(N.Inputs[1]).Name);
  }

  /// An inference BatchNormalization with constant parameters that no conv absorbed (DenseNet's after each
  /// Concat) is a per-channel scale and shift: a depthwise 1x1 conv with weights s = scale / sqrt(var + eps)
  /// and bias bias - mean * s, which the NPU runs like any grouped conv.
  Expected<bool> convertBatchNorm(size_t I) {
    const Node &N = node(I);
    if (N.Inputs.size() != 5 || N.Outputs.size() != 1 || N.getInt("training_mode", 0) != 0)
      return false;
    const Tensor *P[4];
    for (size_t K = 0; K < 4; ++K)
      if (!(P[K] = B.constantOf(N.Inputs[K + 1])))
        return false;
    const Shape &XD = B.old().type(N.Inputs[0]).Dims;
    if (XD.size() < 3)
      return false;
    const int64_t Ch = XD[1];
    Shape WD(XD.size(), 1);
    WD[0] = Ch;
    Tensor W(ElemType::Float32, WD), Bias(ElemType::Float32, {Ch});
    const double Eps = N.getFloat("epsilon", 1e-5f);
    for (int64_t C = 0; C < Ch; ++C) {
      const double S = P[0]->getDouble(C) / std::sqrt(P[3]->getDouble(C) + Eps);
      W.data<float>()[C] = float(S);
      Bias.data<float>()[C] = float(P[1]->getDouble(C) - P[2]->getDouble(C) * S);
    }
    return convertConvWith(I, W, &Bias, Ch, B.old().value(N.Outputs[0]).Name + "_bn");
  }

  Expected<bool> convertConvWith(size_t I, const Tensor &Wt, const Tensor *Bc, int64_t Group,
                                 const std::string &WName) {
    const Node &N = node(I);
    const Tensor *W = &Wt;
    ValueId X = N.Inputs[0];
    if (!isF32(X) || !quantizable(X))
      return false;
    const int64_t O = W->shape()[0];
    Tail T;
    if (!fusedActivation(N, T))
      return false;
    T = followTail(N.Outputs[0], 1, O, N.OpType == "Conv", T);
    if (!hasRange(T.Out))
      return false;
    QuantizedWeights WQ = weights(I, *W, O, false);
    std::vector<double> Bias(size_t(O), 0.0), Ratios;
    for (int64_t K = 0; K < O; ++K)
      Bias[size_t(K)] = (Bc ? Bc->getDouble(K) : 0.0) + (T.Bias.empty() ? 0.0 : T.Bias[size_t(K)]);
    const Shape &XD = B.old().type(X).Dims, &WD = W->shape();
    const Shape Sp(XD.begin() + 2, XD.end()), Kernel(WD.begin() + 2, WD.end());
    const bool Fold = unpadded(N, Sp, Kernel);
    std::optional<Tensor> BQ = boundedBias(N, X, WQ, Bias, false, Fold);
    if (!BQ)
      return false;
    NPU_ASSIGN(QValue XQ, B.int8(X));
    const int64_t XZp = Fold ? 0 : XQ.Zp;
    const bool KeepAcc = keepsAccumulators(T);
    QValue Y = KeepAcc ? accumulatorValue(T) : makeOutput(T);
    for (int64_t K = 0; K < O; ++K)
      Ratios.push_back(XQ.Scale * WQ.Scales[size_t(K)] / Y.Scale);
    ValueId WId = B.addConstant(WName + "_q", std::move(WQ.Data));
    ValueId BId = B.addConstant(WName + "_bias_q", std::move(*BQ));
    Node &M = B.addNode("npu.QConv", {XQ.Id, WId, BId}, {Y.Id}, N.Name);
    NPU_TRY(setWindowAttrs(M, N, Sp, Kernel, true));
    M.setAttr("group", Group);
    if (KeepAcc) {
      M.setAttr("x_zero_point", XZp);
      return dequantizeAccumulators(T, Y.Id, XQ.Scale, WQ.Scales, 1);
    }
    auto [Lo, Hi] = actRange(T, Y);
    NPU_TRY(setPerChannelRequant(M, Ratios, XZp, Y.Zp, Lo, Hi));
    return true;
  }

  /// MatMul(X, W const [K, N]) and Gemm(A, B const, C const) with transA = 0.
  Expected<bool> convertMatMul(size_t I) {
    const Node &N = node(I);
    bool IsGemm = N.OpType != "MatMul";
    ValueId X = N.Inputs[0];
    const Tensor *Wt = B.constantOf(N.Inputs[1]);
    if (!isF32(X) || !quantizable(X) || !Wt || !isF32(N.Inputs[1]) || Wt->rank() != 2 ||
        B.old().type(X).rank() < 2 || (IsGemm && N.getInt("transA", 0) != 0))
      return false;
    // W as [K, N] in doubles: Gemm's transB and alpha applied.
    bool TransB = IsGemm && N.getInt("transB", 0) != 0;
    const int64_t K = TransB ? Wt->shape()[1] : Wt->shape()[0],
                  Cols = TransB ? Wt->shape()[0] : Wt->shape()[1];
    const double Alpha = IsGemm ? N.getFloat("alpha", 1.0f) : 1.0;
    Tensor W(ElemType::Float32, {K, Cols});
    for (int64_t R = 0; R < K; ++R)
      for (int64_t C = 0; C < Cols; ++C)
        W.data<float>()[R * Cols + C] = float(Alpha * Wt->getDouble(TransB ? C * K + R : R * Cols + C));
    std::vector<double> Bias(size_t(Cols), 0.0);
    const Shape &YD = B.old().type(N.Outputs[0]).Dims;
    if (IsGemm && N.hasInput(2)) {
      const Tensor *Ct = B.constantOf(N.Inputs[2]);
      auto Vec = Ct ? channelVector(*Ct, YD, 1) : std::nullopt;
      if (!Vec)
        return false;
      for (int64_t C = 0; C < Cols; ++C)
        Bias[size_t(C)] = N.getFloat("beta", 1.0f) * (*Vec)[size_t(C)];
    }
    Tail T;
    if (!fusedActivation(N, T))
      return false;
    T = followTail(N.Outputs[0], YD.size() - 1, Cols, N.OpType != "npu.FusedGemm", T);
    if (!hasRange(T.Out))
      return false;
    QuantizedWeights WQ = weights(I, W, Cols, true);
    for (int64_t C = 0; C < Cols; ++C)
      Bias[size_t(C)] += T.Bias.empty() ? 0.0 : T.Bias[size_t(C)];
    std::optional<Tensor> BQ = boundedBias(N, X, WQ, Bias, true, true); // no padding: the zero point folds
    if (!BQ)
      return false;
    NPU_ASSIGN(QValue XQ, B.int8(X));
    const bool KeepAcc = keepsAccumulators(T);
    QValue Y = KeepAcc ? accumulatorValue(T) : makeOutput(T);
    std::vector<double> Ratios;
    for (int64_t C = 0; C < Cols; ++C)
      Ratios.push_back(XQ.Scale * WQ.Scales[size_t(C)] / Y.Scale);
    const std::string &WName = B.old().value(N.Inputs[1]).Name;
    ValueId WId = B.addConstant(WName + "_q", std::move(WQ.Data));
    ValueId BId = B.addConstant(WName + "_bias_q", std::move(*BQ));
    Node &M = B.addNode("npu.QMatMul", {XQ.Id, WId, BId}, {Y.Id}, N.Name);
    if (KeepAcc) {
      M.setAttr("x_zero_point", int64_t(0));
      return dequantizeAccumulators(T, Y.Id, XQ.Scale, WQ.Scales, int64_t(YD.size()) - 1);
    }
    auto [Lo, Hi] = actRange(T, Y);
    NPU_TRY(setPerChannelRequant(M, Ratios, 0, Y.Zp, Lo, Hi));
    return true;
  }

  /// An operand of npu.QAdd: its quantized form, or a constant quantized per tensor (activation type,
  /// symmetric range [-max, max]).
  Expected<QValue> addOperand(ValueId V) {
    if (const Tensor *K = B.constantOf(V); K && !B.hasInt8(V)) {
      double Max = 0;
      for (int64_t E = 0; E < K->numElements(); ++E)
        Max = std::max(Max, std::fabs(K->getDouble(E)));
      QValue Q;
      Q.Scale = B.actScale(Max);
      Tensor D(B.Act, K->shape());
      for (int64_t E = 0; E < K->numElements(); ++E)
        D.setDouble(E, double(quant::quantizeValue(K->getDouble(E), Q.Scale, -B.actMax(), B.actMax())));
      Q.Id = B.addConstant(B.old().value(V).Name + "_q", std::move(D));
      return Q;
    }
    return B.int8(V);
  }

  Expected<bool> convertAdd(size_t I) {
    const Node &N = node(I);
    ValueId A = N.Inputs[0], C = N.Inputs[1];
    auto Ok = [&](ValueId V) { return isF32(V) && (quantizable(V) || B.constantOf(V)); };
    if (!Ok(A) || !Ok(C) || (B.constantOf(A) && B.constantOf(C)))
      return false;
    Tail T = followTail(N.Outputs[0], 0, 0, false, Tail());
    if (!hasRange(T.Out))
      return false;
    NPU_ASSIGN(QValue QA, addOperand(A));
    NPU_ASSIGN(QValue QC, addOperand(C));
    QValue Y = makeOutput(T);
    NPU_ASSIGN(quant::FixedMultipliers F, quant::chooseMultipliers({QA.Scale / Y.Scale, QC.Scale / Y.Scale},
                                                                   quant::maxAddMultiplier(B.actBits())));
    Node &M = B.addNode("npu.QAdd", {QA.Id, QC.Id}, {Y.Id}, N.Name);
    M.setAttr("a_multiplier", F.M[0]);
    M.setAttr("b_multiplier", F.M[1]);
    setBinaryAttrs(M, QA, QC, Y, F.Shift, actRange(T, Y));
    return true;
  }

  /// The attributes npu.QAdd and npu.QMul share: shift, operand and result zero points, activation range.
  static void setBinaryAttrs(Node &M, const QValue &QA, const QValue &QC, const QValue &Y, int64_t Shift,
                             std::pair<int64_t, int64_t> Range) {
    M.setAttr("shift", Shift);
    M.setAttr("a_zero_point", QA.Zp);
    M.setAttr("b_zero_point", QC.Zp);
    M.setAttr("y_zero_point", Y.Zp);
    M.setAttr("act_min", Range.first);
    M.setAttr("act_max", Range.second);
  }

  /// Mul of two activations of one shape, or of an activation and a constant that broadcasts to it (scalar,
  /// per channel): npu.QMul, whose product (a - za) * (b - zb) is exact in int32 and needs one multiplier.
  Expected<bool> convertMul(size_t I) {
    const Node &N = node(I);
    ValueId A = N.Inputs[0], C = N.Inputs[1];
    const bool KA = B.constantOf(A) != nullptr, KC = B.constantOf(C) != nullptr;
    auto Ok = [&](ValueId V, bool K) { return isF32(V) && (K || quantizable(V)); };
    if (N.Inputs.size() != 2 || !Ok(A, KA) || !Ok(C, KC) || (KA && KC))
      return false;
    const Shape &Y = B.old().type(N.Outputs[0]).Dims;
    if (!KA && !KC && B.old().type(A).Dims != B.old().type(C).Dims)
      return false;
    if ((KA || KC) && B.old().type(KA ? C : A).Dims != Y)
      return false;
    Tail T = followTail(N.Outputs[0], 0, 0, false, Tail());
    if (!hasRange(T.Out))
      return false;
    NPU_ASSIGN(QValue QA, addOperand(A));
    NPU_ASSIGN(QValue QC, addOperand(C));
    QValue Out = makeOutput(T);
    NPU_ASSIGN(quant::FixedMultipliers F, quant::chooseMultipliers({QA.Scale * QC.Scale / Out.Scale}));
    Node &M = B.addNode("npu.QMul", {QA.Id, QC.Id}, {Out.Id}, N.Name);
    M.setAttr("multiplier", F.M[0]);
    setBinaryAttrs(M, QA, QC, Out, F.Shift, actRange(T, Out));
    return true;
  }

  /// AveragePool when every window counts the same number of taps (one multiplier), GlobalAveragePool always.
  Expected<bool> convertAvgPool(size_t I) {
    const Node &N = node(I);
    ValueId X = N.Inputs[0];
    bool Global = N.OpType == "GlobalAveragePool";
    const Shape &XD = B.old().type(X).Dims;
    Shape Sp(XD.begin() + 2, XD.end());
    if (!isF32(X) || !quantizable(X) || !hasRange(N.Outputs[0]))
      return false;
    int64_t Count = shapeNumElements(Sp);
    if (!Global) {
      auto Geo = resolveWindow(N, Sp, N.getInts("kernel_shape"), N.getInt("ceil_mode", 0) != 0);
      if (!Geo || !uniformWindowCount(*Geo, Sp, N.getInt("count_include_pad", 0) != 0, Count))
        return false;
    }
    if (Count * -B.actMin() > int64_t(INT32_MAX)) {
      note(N, "a window of " + std::to_string(Count) + " taps can sum beyond the int32 accumulator");
      return false;
    }
    Tail T;
    T.Out = N.Outputs[0];
    NPU_ASSIGN(QValue XQ, B.int8(X));
    QValue Y = makeOutput(T);
    Node &M = B.addNode(Global ? "npu.QGlobalAvgPool" : "npu.QAvgPool", {XQ.Id}, {Y.Id}, N.Name);
    if (!Global) {
      NPU_TRY(setWindowAttrs(M, N, Sp, N.getInts("kernel_shape"), false));
      M.setAttr("ceil_mode", N.getInt("ceil_mode", 0));
    }
    NPU_TRY(setRequant(M, XQ.Scale / (double(Count) * Y.Scale), XQ.Zp, Y.Zp, B.actMin(), B.actMax()));
    return true;
  }
};

} // namespace

Expected<Graph> quantizeFloatGraph(const Graph &G, const std::vector<double> &Ranges, ElemType Act,
                                   std::vector<std::string> *Notes, int WeightBits,
                                   const std::vector<std::pair<double, double>> *Bounds,
                                   const std::map<size_t, InputMoments> *Moments,
                                   const std::set<size_t> *KeepFloat) {
  if (Act != ElemType::Int8 && Act != ElemType::Int16)
    return makeError("activations are quantized to i8 or i16, not ", elemTypeName(Act));
  if (WeightBits != 8 && WeightBits != 4)
    return makeError("weights are quantized to 8 or 4 bits, not ", WeightBits);
  if (Bounds && Act != ElemType::Int8)
    return makeError("asymmetric activations (zero points) are int8 only, not ", elemTypeName(Act));
  if (Bounds && Bounds->size() != Ranges.size())
    return makeError("internal error: ", Bounds->size(), " calibrated intervals for ", Ranges.size(), " values");
  std::vector<std::pair<double, double>> B = Bounds ? *Bounds : std::vector<std::pair<double, double>>{};
  std::vector<double> R = unifyConcatRanges(G, Ranges, Bounds ? &B : nullptr);
  return Ptq(G, std::move(R), std::move(B), Act, WeightBits, Notes, Moments, KeepFloat).run();
}

} // namespace npu::passes
