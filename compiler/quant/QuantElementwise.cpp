// Post-training quantization of LeakyRelu, the lookup-table activations, Pad and scale-preserving data movement:
// one input, nothing folded into them.
#include "QuantElementwise.h"
#include "QuantRewrite.h"

#include "npu/compiler/ops/FixedPoint.h"
#include "npu/compiler/support/Try.h"

#include <cmath>
#include <set>

namespace npu::passes {

using namespace ir;

QValue outputOf(QuantBuilder &B, ValueId Out) {
  QValue Y = B.gridOf(Out);
  Y.Id = B.addInt8Value(B.old().value(Out).Name + "_q", B.old().type(Out).Dims, Y.Scale, Y.Zp);
  B.setInt8(Out, Y);
  return Y;
}

namespace {

/// N again on the int8 inputs Ins, its output on the input's grid Q.
void sameScaleNode(QuantBuilder &B, const Node &N, const std::vector<ValueId> &Ins, const QValue &Q) {
  ValueId Y = B.addInt8Value(B.old().value(N.Outputs[0]).Name + "_q", B.old().type(N.Outputs[0]).Dims, Q.Scale,
                             Q.Zp);
  B.addNode(N.OpType, Ins, {Y}, N.Name).Attrs = N.Attrs;
  B.setInt8(N.Outputs[0], {Y, Q.Scale, Q.Zp});
}

/// LeakyRelu on an int8 (or calibrated float) input: npu.QLeakyRelu with the multipliers of s_x / s_y and
/// alpha * s_x / s_y under one shift; the output scale is the calibrated range of its result.
Expected<bool> convertLeakyRelu(QuantBuilder &B, const Node &N) {
  ValueId X = N.Inputs[0];
  if (!isF32(B, X) || !quantizable(B, X) || !hasRange(B, N.Outputs[0]))
    return false;
  NPU_ASSIGN(QValue XQ, B.int8(X));
  QValue Y = outputOf(B, N.Outputs[0]);
  const double Alpha = N.getFloat("alpha", 0.01f), R = XQ.Scale / Y.Scale;
  NPU_ASSIGN(quant::FixedMultipliers F,
             quant::chooseMultipliers({R, std::fabs(Alpha) * R}, quant::maxAddMultiplier(B.actBits())));
  Node &M = B.addNode("npu.QLeakyRelu", {XQ.Id}, {Y.Id}, N.Name);
  M.setAttr("pos_multiplier", F.M[0]);
  M.setAttr("neg_multiplier", Alpha < 0 ? -F.M[1] : F.M[1]);
  M.setAttr("shift", int64_t(F.Shift));
  M.setAttr("x_zero_point", XQ.Zp);
  M.setAttr("y_zero_point", Y.Zp);
  M.setAttr("act_min", B.actMin());
  M.setAttr("act_max", B.actMax());
  return true;
}

/// A unary activation (Sigmoid, HardSwish, Gelu, ...) on int8: npu.QLut, the float function evaluated on
/// every int8 input and rounded onto the output's calibrated grid. int16 activations keep the float node.
Expected<bool> convertLut(QuantBuilder &B, const Node &N) {
  ValueId X = N.Inputs[0];
  if (B.actBits() != 8 || !isF32(B, X) || !quantizable(B, X) || !hasRange(B, N.Outputs[0]))
    return false;
  NPU_ASSIGN(QValue XQ, B.int8(X));
  QValue Y = outputOf(B, N.Outputs[0]);
  NPU_ASSIGN(std::vector<int64_t> Table, lutTable(N, XQ.Scale, XQ.Zp, Y.Scale, Y.Zp));
  Node &M = B.addNode("npu.QLut", {XQ.Id}, {Y.Id}, N.Name);
  M.setAttr("table", Table);
  M.setAttr("function", N.OpType);
  return true;
}

/// Pad (constant mode) of an int8 tensor: the same Pad with its value on the int8 grid (0: the zero point).
Expected<bool> convertPad(QuantBuilder &B, const Node &N) {
  if (N.getString("mode", "constant") != "constant" || !B.hasInt8(N.Inputs[0]) || !isF32(B, N.Outputs[0]))
    return false;
  const QValue Q = B.int8Form(N.Inputs[0]);
  double V = 0;
  if (N.hasInput(2)) {
    const Tensor *K = B.constantOf(N.Inputs[2]);
    if (!K || K->numElements() != 1)
      return false;
    V = K->getDouble(0);
  }
  const double Qv = std::nearbyint(V / Q.Scale) + double(Q.Zp);
  if (Qv < double(B.actMin()) || Qv > double(B.actMax()))
    return false;
  Tensor Value(B.Act, {});
  Value.setDouble(0, Qv);
  NPU_ASSIGN(ValueId Pads, B.orig(N.Inputs[1]));
  std::vector<ValueId> Ins = {Q.Id, Pads, B.addConstant(B.old().value(N.Outputs[0]).Name + "_pad_value", Value)};
  if (N.hasInput(3)) {
    NPU_ASSIGN(ValueId Axes, B.orig(N.Inputs[3]));
    Ins.push_back(Axes);
  }
  sameScaleNode(B, N, Ins, Q);
  return true;
}

/// Data movement and MaxPool keep the scale: they run on the int8 form when their input has one.
Expected<bool> convertPassThrough(QuantBuilder &B, const Node &N) {
  ValueId X = N.Inputs[0];
  if (!B.hasInt8(X) || !isF32(B, N.Outputs[0]))
    return false;
  for (size_t K = 1; K < N.Outputs.size(); ++K) // Dropout's mask or MaxPool's indices, if anyone reads them
    if (N.Outputs[K] != NoValue && (!B.consumers(N.Outputs[K]).empty() || B.isGraphOutput(N.Outputs[K])))
      return false;
  QValue Q = B.int8Form(X);
  std::vector<ValueId> Ins = {Q.Id};
  for (size_t K = 1; K < N.Inputs.size(); ++K) {
    if (N.Inputs[K] == NoValue) {
      Ins.push_back(NoValue);
      continue;
    }
    NPU_ASSIGN(ValueId O, B.orig(N.Inputs[K]));
    Ins.push_back(O);
  }
  sameScaleNode(B, N, Ins, Q);
  return true;
}

} // namespace

bool isPassThrough(const Node &N) {
  static const std::set<std::string> Ops = {"Reshape",   "Flatten",  "Squeeze", "Unsqueeze",
                                            "Transpose", "Identity", "MaxPool", "Dropout"};
  return Ops.count(N.OpType) || (N.OpType == "Resize" && N.getString("mode", "nearest") == "nearest");
}

Expected<bool> convertElementwise(QuantBuilder &B, const Node &N) {
  if (N.OpType == "LeakyRelu")
    return convertLeakyRelu(B, N);
  if (N.OpType == "Pad")
    return convertPad(B, N);
  if (isLutActivation(N))
    return convertLut(B, N);
  if (isPassThrough(N))
    return convertPassThrough(B, N);
  return false;
}

} // namespace npu::passes
