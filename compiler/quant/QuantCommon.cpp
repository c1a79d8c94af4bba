// Helpers shared by post-training quantization and QDQ import: weights, bias, requantization attributes, lookup
// tables.
#include "QuantRewrite.h"

#include "npu/compiler/ops/FixedPoint.h"
#include "npu/compiler/ops/OpHelpers.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <cmath>

namespace npu::passes {

using namespace ir;

bool isQuantizedModel(const Graph &G) {
  for (const Node &N : G.nodes())
    if (N.OpType == "QuantizeLinear" || N.OpType == "DequantizeLinear" || N.OpType == "QLinearConv" ||
        N.OpType == "QLinearMatMul" || N.OpType == "ConvInteger" || N.OpType == "MatMulInteger")
      return true;
  return false;
}

std::optional<std::vector<double>> channelVector(const Tensor &T, const Shape &Out, size_t Axis) {
  if (T.rank() > int64_t(Out.size()) || Axis >= Out.size())
    return std::nullopt;
  size_t Off = Out.size() - size_t(T.rank());
  bool HasAxis = false;
  for (size_t D = 0; D < size_t(T.rank()); ++D) {
    int64_t Dim = T.shape()[D];
    if (Dim == 1)
      continue;
    if (Off + D != Axis || Dim != Out[Axis])
      return std::nullopt;
    HasAxis = true;
  }
  std::vector<double> V(static_cast<size_t>(Out[Axis]));
  for (size_t O = 0; O < V.size(); ++O)
    V[O] = T.getDouble(HasAxis ? int64_t(O) : 0);
  return V;
}

QuantizedWeights quantizeWeights(const Tensor &W, int64_t Channels, bool ChannelIsLastDim, int Bits) {
  const int64_t N = W.numElements(), PerChannel = N / std::max<int64_t>(Channels, 1);
  auto ChannelOf = [&](int64_t I) { return ChannelIsLastDim ? I % Channels : I / PerChannel; };
  std::vector<double> AbsMax(size_t(Channels), 0.0);
  for (int64_t I = 0; I < N; ++I)
    AbsMax[size_t(ChannelOf(I))] = std::max(AbsMax[size_t(ChannelOf(I))], std::fabs(W.getDouble(I)));
  QuantizedWeights Q{Tensor(ElemType::Int8, W.shape()), {}};
  const int64_t Max = (int64_t(1) << (Bits - 1)) - 1;
  for (double A : AbsMax)
    Q.Scales.push_back(roundScale(quant::symmetricScale(A, Max)));
  // [-Max, Max]: symmetric, so negating a weight never overflows.
  for (int64_t I = 0; I < N; ++I)
    Q.Data.data<int8_t>()[I] =
        int8_t(quant::quantizeValue(W.getDouble(I), Q.Scales[size_t(ChannelOf(I))], -Max, Max));
  return Q;
}

Tensor quantizeBias(const std::vector<double> &Bias, double XScale, const std::vector<double> &WScales) {
  Tensor B(ElemType::Int32, {int64_t(Bias.size())});
  for (size_t O = 0; O < Bias.size(); ++O)
    B.data<int32_t>()[O] = int32_t(quant::quantizeValue(Bias[O], XScale * WScales[O], INT32_MIN, INT32_MAX));
  return B;
}

static void setCommon(Node &N, int Shift, int64_t XZp, int64_t YZp, int64_t ActMin, int64_t ActMax) {
  N.setAttr("shift", int64_t(Shift));
  N.setAttr("x_zero_point", XZp);
  N.setAttr("y_zero_point", YZp);
  N.setAttr("act_min", ActMin);
  N.setAttr("act_max", ActMax);
}

Status setPerChannelRequant(Node &N, const std::vector<double> &Ratios, int64_t XZp, int64_t YZp,
                            int64_t ActMin, int64_t ActMax) {
  NPU_ASSIGN(quant::FixedMultipliers F, quant::chooseMultipliers(Ratios));
  N.setAttr("multiplier", F.M);
  setCommon(N, F.Shift, XZp, YZp, ActMin, ActMax);
  return Status::ok();
}

Status setRequant(Node &N, double Ratio, int64_t XZp, int64_t YZp, int64_t ActMin, int64_t ActMax) {
  NPU_ASSIGN(quant::FixedMultipliers F, quant::chooseMultipliers({Ratio}));
  N.setAttr("multiplier", F.M[0]);
  setCommon(N, F.Shift, XZp, YZp, ActMin, ActMax);
  return Status::ok();
}

Status setWindowAttrs(Node &To, const Node &From, const Shape &InSpatial, const Shape &Kernel,
                      bool WithGroup) {
  NPU_ASSIGN(WindowGeometry Geo, resolveWindow(From, InSpatial, Kernel, From.getInt("ceil_mode", 0) != 0));
  Shape Pads = Geo.PadsBegin;
  Pads.insert(Pads.end(), Geo.PadsEnd.begin(), Geo.PadsEnd.end());
  To.setAttr("kernel_shape", Geo.Kernel);
  To.setAttr("strides", Geo.Strides);
  To.setAttr("pads", Pads);
  To.setAttr("dilations", Geo.Dilations);
  if (WithGroup)
    To.setAttr("group", From.getInt("group", 1));
  return Status::ok();
}

bool uniformWindowCount(const WindowGeometry &G, const Shape &Sp, bool IncludePad, int64_t &Count) {
  Count = 1;
  for (size_t D = 0; D < Sp.size(); ++D) {
    int64_t Per = -1;
    for (int64_t O = 0; O < G.OutSpatial[D]; ++O) {
      int64_t C = 0;
      for (int64_t K = 0; K < G.Kernel[D]; ++K) {
        int64_t P = O * G.Strides[D] - G.PadsBegin[D] + K * G.Dilations[D];
        C += IncludePad ? (P >= -G.PadsBegin[D] && P < Sp[D] + G.PadsEnd[D]) : (P >= 0 && P < Sp[D]);
      }
      if (Per >= 0 && C != Per)
        return false;
      Per = C;
    }
    Count *= Per;
  }
  return Count > 0;
}

bool isLutActivation(const Node &N) {
  static const char *const Ops[] = {"Sigmoid", "Tanh",     "HardSigmoid", "HardSwish", "npu.SiLU", "Gelu", "Elu",
                                    "Selu",    "Celu",     "Softplus",    "Softsign",  "Mish",     "Erf",  "Exp",
                                    "ThresholdedRelu"};
  if (N.Inputs.size() != 1 || N.Outputs.size() != 1)
    return false;
  return std::any_of(std::begin(Ops), std::end(Ops), [&](const char *Op) { return N.OpType == Op; });
}

Expected<std::vector<int64_t>> lutTable(const Node &N, double XScale, int64_t XZp, double YScale, int64_t YZp,
                                        int64_t Lo, int64_t Hi) {
  Tensor X(ElemType::Float32, {256});
  for (int64_t Q = -128; Q < 128; ++Q)
    X.setDouble(Q + 128, double(float((Q - XZp) * XScale)));
  auto Y = ref::runNode(N, {&X});
  if (!Y)
    return makeError("node '", N.Name, "' (", N.OpType, "): lookup table: ", Y.message());
  std::vector<int64_t> Table(256);
  for (size_t I = 0; I < 256; ++I) {
    const double V = std::nearbyint((*Y)[0].getDouble(int64_t(I)) / YScale) + double(YZp);
    Table[I] = int64_t(std::clamp(V, double(Lo), double(Hi)));
  }
  return Table;
}

} // namespace npu::passes
