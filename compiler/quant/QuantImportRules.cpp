// Conversion of already quantized models, the rules: which pattern becomes which npu.* operator.
// The model's scales become fixed-point multipliers.
#include "QuantImport.h"

#include "npu/compiler/ops/FixedPoint.h"
#include "npu/compiler/support/Try.h"

#include <cmath>
#include <set>

namespace npu::passes::qimport {

namespace {

/// Rounds like a computation carried out in the scales' own element type (f16 scales round to half).
double roundTo(double V, ElemType E) {
  if (E == ElemType::Float16)
    return float(Half(float(V)));
  if (E == ElemType::BFloat16)
    return float(BFloat16(float(V)));
  return E == ElemType::Float64 ? V : double(float(V));
}

/// [N, K] int8 weights as [K, N].
Tensor transpose2d(const Tensor &W) {
  const int64_t R = W.shape()[0], C = W.shape()[1];
  Tensor T(W.elemType(), {C, R});
  for (int64_t I = 0; I < R; ++I)
    for (int64_t J = 0; J < C; ++J)
      T.data<int8_t>()[J * R + I] = W.data<int8_t>()[I * C + J];
  return T;
}

bool isPassThrough(const std::string &Op) {
  static const std::set<std::string> Ops = {"MaxPool",   "Reshape",   "Flatten", "Squeeze",
                                            "Unsqueeze", "Transpose", "Identity"};
  return Ops.count(Op) != 0;
}

} // namespace

Expected<bool> Import::convert(size_t I) {
  const std::string &Op = node(I).OpType;
  if (Op == "QLinearConv" || Op == "QLinearMatMul")
    return convertQLinear(I);
  if (Op == "ConvInteger" || Op == "MatMulInteger")
    return convertInteger(I);
  if (Op == "Conv" || Op == "MatMul" || Op == "Gemm")
    return convertQdqConvOrMatMul(I);
  if (Op == "Add" || Op == "Mul")
    return convertQdqBinary(I);
  if (Op == "LeakyRelu")
    return convertQdqLeakyRelu(I);
  if (isLutActivation(node(I)))
    return convertQdqLut(I);
  if (Op == "AveragePool" || Op == "GlobalAveragePool")
    return convertQdqPool(I);
  if (Op == "DequantizeLinear")
    return convertDequantize(I);
  if (isPassThrough(Op))
    return convertQdqPassThrough(I);
  return false;
}

/// DequantizeLinear(x) -> Conv/MatMul/Gemm(., DequantizeLinear(w const), bias) [-> Relu/Clip] ->
/// QuantizeLinear.
Expected<bool> Import::convertQdqConvOrMatMul(size_t I) {
  const Node &N = node(I);
  const bool Conv = N.OpType == "Conv", Gemm = N.OpType == "Gemm";
  auto X = dqSource(N.Inputs[0]);
  if (!X || B.old().type(N.Inputs[0]).rank() < (Conv ? 3 : 2))
    return false;
  if (Gemm &&
      (N.getInt("transA", 0) || N.getFloat("alpha", 1.0f) != 1.0f || N.getFloat("beta", 1.0f) != 1.0f))
    return false;
  const Shape &WD = B.old().type(N.Inputs[1]).Dims;
  const bool TransB = Gemm && N.getInt("transB", 0);
  if (!Conv && WD.size() != 2)
    return false;
  const int64_t Channels = Conv || TransB ? WD[0] : WD[1];
  auto WQ = dqWeights(N.Inputs[1], Channels, !Conv && !TransB);
  auto S = findSink(N.Outputs[0], true);
  if (!WQ || !S)
    return false;
  auto Bias = dqBias(N.hasInput(2) ? N.Inputs[2] : NoValue, X->second.Scale, WQ->Scales);
  if (!Bias)
    return false;
  NPU_ASSIGN(ValueId XQ, i8Of(X->first));
  std::vector<double> Ratios;
  for (double Sw : WQ->Scales)
    Ratios.push_back(X->second.Scale * Sw / S->P.Scale);
  const std::string &WName = B.old().value(N.Inputs[1]).Name;
  ValueId W = B.addConstant(WName + "_q", TransB ? transpose2d(WQ->Data) : std::move(WQ->Data));
  ValueId Bi = B.addConstant(WName + "_bias_q", std::move(*Bias));
  std::pair<int64_t, int64_t> Act;
  ValueId Y = makeOutput(*S, &Act);
  Node &M = B.addNode(Conv ? "npu.QConv" : "npu.QMatMul", {XQ, W, Bi}, {Y}, N.Name);
  if (Conv) {
    const Shape &XD = B.old().type(N.Inputs[0]).Dims;
    NPU_TRY(setWindowAttrs(M, N, Shape(XD.begin() + 2, XD.end()), Shape(WD.begin() + 2, WD.end()), true));
  }
  NPU_TRY(setPerChannelRequant(M, Ratios, X->second.zp8(), S->P.zp8(), Act.first, Act.second));
  return true;
}

/// QLinearConv / QLinearMatMul: the multiplier is formed as the ONNX reference forms it (in the scales'
/// precision), so the only difference left is the rounding of exact ties (docs/quantization.md).
Expected<bool> Import::convertQLinear(size_t I) {
  const Node &N = node(I);
  const bool Conv = N.OpType == "QLinearConv";
  auto XP = scalarParams(N.Inputs[1], N.Inputs[2], B.old().type(N.Inputs[0]).Elem);
  auto YP = scalarParams(N.Inputs[6], N.Inputs[7], B.old().type(N.Outputs[0]).Elem);
  const Tensor *W = B.constantOf(N.Inputs[3]), *WS = B.constantOf(N.Inputs[4]);
  const Tensor *WZ = N.hasInput(5) ? B.constantOf(N.Inputs[5]) : nullptr;
  if (!XP || !YP || !W || !WS || (N.hasInput(5) && !WZ) ||
      (!Conv && (W->rank() != 2 || WS->numElements() != 1)))
    return false;
  const int64_t Channels = Conv ? W->shape()[0] : W->shape()[1];
  auto WQ = weights(*W, WZ, *WS, Channels, !Conv);
  const Tensor *Bias = Conv && N.hasInput(8) ? B.constantOf(N.Inputs[8]) : nullptr;
  if (!WQ || (Conv && N.hasInput(8) && !Bias))
    return false;
  const ElemType SE = B.old().type(N.Inputs[1]).Elem;
  std::vector<double> Ratios;
  for (double Sw : WQ->Scales)
    Ratios.push_back(roundTo(roundTo(XP->Scale * Sw, SE) / YP->Scale, SE));
  NPU_ASSIGN(ValueId XQ, i8Of(N.Inputs[0]));
  const std::string &WName = B.old().value(N.Inputs[3]).Name;
  std::vector<ValueId> Ins = {XQ, B.addConstant(WName + "_q", std::move(WQ->Data))};
  if (Bias)
    Ins.push_back(B.addConstant(WName + "_bias_q", *Bias));
  Sink S;
  S.Out = N.Outputs[0];
  S.P = *YP;
  std::pair<int64_t, int64_t> Act;
  ValueId Y = makeOutput(S, &Act);
  Node &M = B.addNode(Conv ? "npu.QConv" : "npu.QMatMul", Ins, {Y}, N.Name);
  if (Conv) {
    const Shape &XD = B.old().type(N.Inputs[0]).Dims, &WD = W->shape();
    NPU_TRY(setWindowAttrs(M, N, Shape(XD.begin() + 2, XD.end()), Shape(WD.begin() + 2, WD.end()), true));
  }
  NPU_TRY(setPerChannelRequant(M, Ratios, XP->zp8(), YP->zp8(), Act.first, Act.second));
  return true;
}

/// ConvInteger / MatMulInteger: npu.QConv / npu.QMatMul without requantization (the int32 accumulators).
Expected<bool> Import::convertInteger(size_t I) {
  const Node &N = node(I);
  const bool Conv = N.OpType == "ConvInteger";
  const ElemType XE = B.old().type(N.Inputs[0]).Elem;
  const Tensor *XZ = N.hasInput(2) ? B.constantOf(N.Inputs[2]) : nullptr;
  const Tensor *W = B.constantOf(N.Inputs[1]);
  const Tensor *WZ = N.hasInput(3) ? B.constantOf(N.Inputs[3]) : nullptr;
  if (!W || (N.hasInput(2) && (!XZ || XZ->numElements() != 1)) || (N.hasInput(3) && !WZ) ||
      (!Conv && W->rank() != 2))
    return false;
  const int64_t Channels = Conv ? W->shape()[0] : W->shape()[1];
  auto WQ = weights(*W, WZ, f32Scalar(1.0), Channels, !Conv);
  if (!WQ)
    return false;
  NPU_ASSIGN(ValueId XQ, i8Of(N.Inputs[0]));
  const int64_t XZp = (XZ ? XZ->getInt64(0) : 0) - (XE == ElemType::UInt8 ? 128 : 0);
  ValueId WId = B.addConstant(B.old().value(N.Inputs[1]).Name + "_q", std::move(WQ->Data));
  ValueId Y = B.addOldValue(N.Outputs[0], B.old().type(N.Outputs[0]));
  Node &M = B.addNode(Conv ? "npu.QConv" : "npu.QMatMul", {XQ, WId}, {Y}, N.Name);
  if (Conv) {
    const Shape &XD = B.old().type(N.Inputs[0]).Dims, &WD = W->shape();
    NPU_TRY(setWindowAttrs(M, N, Shape(XD.begin() + 2, XD.end()), Shape(WD.begin() + 2, WD.end()), true));
  }
  M.setAttr("x_zero_point", XZp);
  return true;
}

/// Add / Mul(DequantizeLinear(a), DequantizeLinear(b)) [-> Relu/Clip] -> QuantizeLinear: npu.QAdd with the
/// multipliers of s_a / s_y and s_b / s_y, or npu.QMul (operands of one shape) with r = s_a * s_b / s_y.
Expected<bool> Import::convertQdqBinary(size_t I) {
  const Node &N = node(I);
  const bool Add = N.OpType == "Add";
  auto A = dqSource(N.Inputs[0]), C = dqSource(N.Inputs[1]);
  auto S = findSink(N.Outputs[0], true);
  if (!A || !C || !S || (!Add && B.old().type(N.Inputs[0]).Dims != B.old().type(N.Inputs[1]).Dims))
    return false;
  const double Sa = A->second.Scale, Sc = C->second.Scale, Sy = S->P.Scale;
  auto F = Add ? quant::chooseMultipliers({Sa / Sy, Sc / Sy}, quant::MaxAddMultiplier)
               : quant::chooseMultipliers({Sa * Sc / Sy});
  if (!F)
    return false;
  NPU_ASSIGN(ValueId QA, i8Of(A->first));
  NPU_ASSIGN(ValueId QC, i8Of(C->first));
  std::pair<int64_t, int64_t> Act;
  ValueId Y = makeOutput(*S, &Act);
  Node &M = B.addNode(Add ? "npu.QAdd" : "npu.QMul", {QA, QC}, {Y}, N.Name);
  if (Add) {
    M.setAttr("a_multiplier", F->M[0]);
    M.setAttr("b_multiplier", F->M[1]);
  } else {
    M.setAttr("multiplier", F->M[0]);
  }
  M.setAttr("shift", int64_t(F->Shift));
  M.setAttr("a_zero_point", A->second.zp8());
  M.setAttr("b_zero_point", C->second.zp8());
  M.setAttr("y_zero_point", S->P.zp8());
  M.setAttr("act_min", Act.first);
  M.setAttr("act_max", Act.second);
  return true;
}

/// DequantizeLinear -> LeakyRelu -> QuantizeLinear: npu.QLeakyRelu, multipliers s_x / s_y and alpha * s_x / s_y.
Expected<bool> Import::convertQdqLeakyRelu(size_t I) {
  const Node &N = node(I);
  auto X = dqSource(N.Inputs[0]);
  auto S = findSink(N.Outputs[0], false);
  if (!X || !S)
    return false;
  const double Alpha = N.getFloat("alpha", 0.01f), R = X->second.Scale / S->P.Scale;
  auto F = quant::chooseMultipliers({R, std::fabs(Alpha) * R}, quant::MaxAddMultiplier);
  if (!F)
    return false;
  NPU_ASSIGN(ValueId XQ, i8Of(X->first));
  std::pair<int64_t, int64_t> Act;
  ValueId Y = makeOutput(*S, &Act);
  Node &M = B.addNode("npu.QLeakyRelu", {XQ}, {Y}, N.Name);
  M.setAttr("pos_multiplier", F->M[0]);
  M.setAttr("neg_multiplier", Alpha < 0 ? -F->M[1] : F->M[1]);
  M.setAttr("shift", int64_t(F->Shift));
  M.setAttr("x_zero_point", X->second.zp8());
  M.setAttr("y_zero_point", S->P.zp8());
  M.setAttr("act_min", Act.first);
  M.setAttr("act_max", Act.second);
  return true;
}

/// DequantizeLinear -> Sigmoid/HardSwish/... -> QuantizeLinear: npu.QLut with the model's own scales.
Expected<bool> Import::convertQdqLut(size_t I) {
  const Node &N = node(I);
  auto X = dqSource(N.Inputs[0]);
  auto S = findSink(N.Outputs[0], false);
  if (!X || !S)
    return false;
  NPU_ASSIGN(ValueId XQ, i8Of(X->first));
  std::pair<int64_t, int64_t> Act;
  ValueId Y = makeOutput(*S, &Act);
  NPU_ASSIGN(std::vector<int64_t> Table,
             lutTable(N, X->second.Scale, X->second.zp8(), S->P.Scale, S->P.zp8(), Act.first, Act.second));
  Node &M = B.addNode("npu.QLut", {XQ}, {Y}, N.Name);
  M.setAttr("table", Table);
  M.setAttr("function", N.OpType);
  return true;
}

/// DequantizeLinear -> AveragePool (every window the same count) / GlobalAveragePool -> QuantizeLinear.
Expected<bool> Import::convertQdqPool(size_t I) {
  const Node &N = node(I);
  const bool Global = N.OpType == "GlobalAveragePool";
  auto X = dqSource(N.Inputs[0]);
  auto S = findSink(N.Outputs[0], false);
  if (!X || !S)
    return false;
  const Shape &XD = B.old().type(N.Inputs[0]).Dims;
  Shape Sp(XD.begin() + 2, XD.end());
  int64_t Count = shapeNumElements(Sp);
  if (!Global) {
    auto Geo = resolveWindow(N, Sp, N.getInts("kernel_shape"), N.getInt("ceil_mode", 0) != 0);
    if (!Geo || !uniformWindowCount(*Geo, Sp, N.getInt("count_include_pad", 0) != 0, Count))
      return false;
  }
  NPU_ASSIGN(ValueId XQ, i8Of(X->first));
  std::pair<int64_t, int64_t> Act;
  ValueId Y = makeOutput(*S, &Act);
  Node &M = B.addNode(Global ? "npu.QGlobalAvgPool" : "npu.QAvgPool", {XQ}, {Y}, N.Name);
  if (!Global) {
    NPU_TRY(setWindowAttrs(M, N, Sp, N.getInts("kernel_shape"), false));
    M.setAttr("ceil_mode", N.getInt("ceil_mode", 0));
  }
  NPU_TRY(setRequant(M, X->second.Scale / (double(Count) * S->P.Scale), X->second.zp8(), S->P.zp8(),
                     Act.first, Act.second));
  return true;
}

/// DequantizeLinear -> MaxPool/Reshape/... -> QuantizeLinear with the same parameters: the op on int8.
Expected<bool> Import::convertQdqPassThrough(size_t I) {
  const Node &N = node(I);
  auto X = dqSource(N.Inputs[0]);
  auto S = N.Outputs.size() == 1 ? findSink(N.Outputs[0], false) : std::nullopt;
  if (!X || !S || X->second.Scale != S->P.Scale || X->second.zp8() != S->P.zp8())
    return false;
  NPU_ASSIGN(ValueId XQ, i8Of(X->first));
  std::vector<ValueId> Ins = {XQ};
  for (size_t K = 1; K < N.Inputs.size(); ++K) {
    if (N.Inputs[K] == NoValue) {
      Ins.push_back(NoValue);
      continue;
    }
    NPU_ASSIGN(ValueId O, B.orig(N.Inputs[K]));
    Ins.push_back(O);
  }
  ValueId Y = makeOutput(*S);
  B.addNode(N.OpType, Ins, {Y}, N.Name).Attrs = N.Attrs;
  return true;
}

/// A DequantizeLinear of a uint8 tensor that now has an int8 form reads that form (zero point - 128), which
/// gives the same reals without converting back to uint8.
Expected<bool> Import::convertDequantize(size_t I) {
  const Node &N = node(I);
  auto P = qdqParams(N);
  ValueId Q = N.Inputs[0];
  if (!P || P->Elem != ElemType::UInt8 || !B.hasInt8Data(Q) ||
      B.old().type(N.Outputs[0]).Elem != ElemType::Float32)
    return false;
  NPU_ASSIGN(ValueId QI, B.int8Data(Q));
  const std::string &Name = B.old().value(N.Outputs[0]).Name;
  ValueId Y = B.addOldValue(N.Outputs[0], B.old().type(N.Outputs[0]));
  B.addNode("DequantizeLinear",
            {QI, B.addConstant(Name + "_scale", f32Scalar(P->Scale)),
             B.addConstant(Name + "_zp", int8Scalar(P->zp8()))},
            {Y}, N.Name);
  return true;
}

} // namespace npu::passes::qimport
