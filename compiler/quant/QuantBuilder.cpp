// QuantBuilder: the old graph's uses and constants, and the on-demand forms of its values in the new graph.
#include "QuantBuilder.h"
#include "../passes/DeadCodeElimination.h"

#include "npu/compiler/ops/FixedPoint.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <cmath>

namespace npu::passes {

using namespace ir;

Tensor int8Scalar(int64_t V) { return Tensor::fromValues(ElemType::Int8, {}, std::vector<int64_t>{V}); }
Tensor f32Scalar(double V) { return Tensor::fromValues(ElemType::Float32, {}, std::vector<double>{V}); }
double roundScale(double S) { return double(float(S)); }

double QuantBuilder::actScale(double R) const { return roundScale(quant::symmetricScale(R, actMax())); }

QValue asymmetricGrid(double Lo, double Hi) {
  Lo = std::min(Lo, 0.0), Hi = std::max(Hi, 0.0);
  QValue Q;
  if (!(Hi - Lo > 0) || !std::isfinite(Hi - Lo))
    return Q;
  Q.Scale = roundScale((Hi - Lo) / 255.0);
  Q.Zp = int64_t(std::clamp(std::nearbyint(-128.0 - Lo / Q.Scale), -128.0, 127.0));
  return Q;
}

std::pair<int64_t, int64_t> QuantBuilder::actBounds(double Lo, double Hi, const QValue &Y) const {
  const int64_t Min = actMin(), Max = actMax();
  auto Q = [&](double V) { return quant::quantizeValue(V, Y.Scale, Min - Y.Zp, Max - Y.Zp) + Y.Zp; };
  const int64_t L = std::isfinite(Lo) ? Q(Lo) : Min, H = std::isfinite(Hi) ? Q(Hi) : Max;
  return {L, std::max(L, H)};
}

void QuantBuilder::setRequantType(Node &M) const {
  if (Act == ElemType::Int16)
    M.setAttr("to", std::string("i16"));
}

QValue QuantBuilder::gridOf(ValueId V) const {
  if (!Bounds.empty() && Act == ElemType::Int8 && Ranges[size_t(V)] >= 0 &&
      (Bounds[size_t(V)].first >= 0 || Bounds[size_t(V)].second <= 0))
    return asymmetricGrid(Bounds[size_t(V)].first, Bounds[size_t(V)].second);
  QValue Q;
  Q.Scale = actScale(Ranges[size_t(V)]);
  return Q;
}

Tensor QuantBuilder::zeroPointScalar(ElemType E, int64_t V) {
  return Tensor::fromValues(E, {}, std::vector<int64_t>{V});
}

QuantBuilder::QuantBuilder(const Graph &Old)
    : Old(Old), Consumers(Old.numValues()), Producer(Old.numValues(), -1), Orig(Old.numValues(), NoValue),
      Int8(Old.numValues()), I8Data(Old.numValues(), NoValue) {
  Ranges.assign(Old.numValues(), -1.0);
  New.Name = Old.Name;
  for (size_t I = 0; I < Old.numValues(); ++I)
    OldNames.insert(Old.value(ValueId(I)).Name);
  for (size_t K = 0; K < Old.nodes().size(); ++K) {
    const Node &N = Old.nodes()[K];
    if (!N.Name.empty())
      OldNodeNames.insert(N.Name);
    for (ValueId In : N.Inputs)
      if (In != NoValue)
        Consumers[size_t(In)].push_back(int(K));
    for (ValueId Out : N.Outputs)
      if (Out != NoValue)
        Producer[size_t(Out)] = int(K);
  }
  OutputSet.insert(Old.Outputs.begin(), Old.Outputs.end());
  // Graph inputs keep their names, order and types: the model's signature does not change.
  for (ValueId In : Old.Inputs)
    Orig[size_t(In)] = New.addInput(Old.value(In).Name, Old.type(In));
}

int QuantBuilder::soleConsumer(ValueId V) const {
  const std::vector<int> &C = Consumers[size_t(V)];
  if (C.size() != 1 || isGraphOutput(V))
    return -1;
  // A node reading V twice (Add(x, x)) is not a chain link either.
  int Reads = 0;
  for (ValueId In : Old.nodes()[size_t(C[0])].Inputs)
    Reads += In == V;
  return Reads == 1 ? C[0] : -1;
}

const Tensor *QuantBuilder::constantOf(ValueId V) {
  const Value &OV = Old.value(V);
  if (OV.Kind == ValueKind::Constant)
    return OV.Data.get();
  if (OV.Kind == ValueKind::Input || NotConstant.count(V))
    return nullptr;
  if (auto It = Folded.find(V); It != Folded.end())
    return It->second.get();
  const Node &N = Old.nodes()[size_t(Producer[size_t(V)])];
  std::vector<const Tensor *> Ins;
  for (ValueId In : N.Inputs) {
    const Tensor *T = In == NoValue ? nullptr : constantOf(In);
    if (In != NoValue && !T) {
      NotConstant.insert(V);
      return nullptr;
    }
    Ins.push_back(T);
  }
  auto Outs = ref::runNode(N, Ins);
  if (!Outs) {
    NotConstant.insert(V);
    return nullptr;
  }
  for (size_t O = 0; O < N.Outputs.size(); ++O)
    if (N.Outputs[O] != NoValue)
      Folded[N.Outputs[O]] = std::make_shared<Tensor>(std::move((*Outs)[O]));
  return Folded[V].get();
}

Expected<ValueId> QuantBuilder::orig(ValueId V) {
  if (Orig[size_t(V)] != NoValue)
    return Orig[size_t(V)];
  const Value &OV = Old.value(V);
  const TensorType &T = *OV.Type;
  ValueId R = NoValue;
  if (OV.Kind == ValueKind::Constant) {
    R = New.addConstant(OV.Name, OV.Data, OV.Type);
  } else if (Int8[size_t(V)].Id != NoValue && T.Elem == ElemType::Float32) {
    const QValue &Q = Int8[size_t(V)];
    R = New.addValue(OV.Name, T);
    addNode("DequantizeLinear",
            {Q.Id, addConstant(OV.Name + "_scale", f32Scalar(Q.Scale)),
             addConstant(OV.Name + "_zp", zeroPointScalar(New.type(Q.Id).Elem, Q.Zp))},
            {R}, "dequantize_" + OV.Name);
  } else if (I8Data[size_t(V)] != NoValue && T.Elem == ElemType::Int8) {
    R = I8Data[size_t(V)];
  } else if (I8Data[size_t(V)] != NoValue && T.Elem == ElemType::UInt8) {
    // u8 = i8 + 128: an identity requantization ((2x + 1) >> 1 = x) with output zero point 128.
    R = New.addValue(OV.Name, T);
    Node &N = addNode("npu.Requantize", {I8Data[size_t(V)]}, {R}, "to_u8_" + OV.Name);
    N.setAttr("multiplier", int64_t(2));
    N.setAttr("shift", int64_t(1));
    N.setAttr("y_zero_point", int64_t(128));
    N.setAttr("to", std::string("u8"));
  } else {
    return makeError("internal error: value '", OV.Name, "' has no form in the quantized graph");
  }
  Orig[size_t(V)] = R;
  return R;
}

Expected<QValue> QuantBuilder::int8(ValueId V) {
  if (Int8[size_t(V)].Id != NoValue)
    return Int8[size_t(V)];
  const Value &OV = Old.value(V);
  if (OV.Type->Elem != ElemType::Float32)
    return makeError("value '", OV.Name, "' (", formatType(*OV.Type), ") has no int8 form");
  if (Ranges[size_t(V)] < 0)
    return makeError("no calibration range for value '", OV.Name, "'");
  NPU_ASSIGN(ValueId F, orig(V));
  QValue Q = gridOf(V);
  Q.Id = addInt8Value(OV.Name + "_q", OV.Type->Dims, Q.Scale, Q.Zp);
  addNode("QuantizeLinear",
          {F, addConstant(OV.Name + "_q_scale", f32Scalar(Q.Scale)),
           addConstant(OV.Name + "_q_zp", zeroPointScalar(Act, Q.Zp))},
          {Q.Id}, "quantize_" + OV.Name);
  Int8[size_t(V)] = Q;
  return Q;
}

Expected<ValueId> QuantBuilder::int8Data(ValueId V) {
  if (I8Data[size_t(V)] != NoValue)
    return I8Data[size_t(V)];
  const Value &OV = Old.value(V);
  ElemType E = OV.Type->Elem;
  if (E != ElemType::Int8 && E != ElemType::UInt8)
    return makeError("value '", OV.Name, "' is not an 8-bit integer tensor");
  NPU_ASSIGN(ValueId O, orig(V));
  if (E == ElemType::Int8) {
    I8Data[size_t(V)] = O;
    return O;
  }
  ValueId R = addValue(OV.Name + "_i8", TensorType(ElemType::Int8, OV.Type->Dims));
  Node &N = addNode("npu.Requantize", {O}, {R}, "to_i8_" + OV.Name);
  N.setAttr("multiplier", int64_t(2));
  N.setAttr("shift", int64_t(1));
  N.setAttr("x_zero_point", int64_t(128));
  I8Data[size_t(V)] = R;
  return R;
}

ValueId QuantBuilder::addValue(const std::string &Base, TensorType T) {
  std::string Name = Base;
  for (int K = 1; OldNames.count(Name) || New.findValue(Name) != NoValue; ++K)
    Name = Base + "_" + std::to_string(K);
  return New.addValue(Name, std::move(T));
}

ValueId QuantBuilder::addOldValue(ValueId V, TensorType T) {
  ValueId R = New.addValue(Old.value(V).Name, std::move(T));
  Orig[size_t(V)] = R;
  return R;
}

ValueId QuantBuilder::addConstant(const std::string &Base, Tensor T) {
  std::string Name = Base;
  for (int K = 1; OldNames.count(Name) || New.findValue(Name) != NoValue; ++K)
    Name = Base + "_" + std::to_string(K);
  return New.addConstant(Name, std::move(T));
}

ValueId QuantBuilder::addInt8Value(const std::string &Base, const Shape &Dims, double Scale, int64_t Zp) {
  TensorType T(Act, Dims);
  T.Quant = QuantParams{{float(Scale)}, {Zp}, std::nullopt};
  return addValue(Base, T);
}

Node &QuantBuilder::addNode(std::string OpType, std::vector<ValueId> Inputs, std::vector<ValueId> Outputs,
                            const std::string &NameBase) {
  std::string Name = NameBase;
  const bool Replaces = OldNodeNames.count(NameBase) != 0;
  for (int K = 1; !Name.empty() && (NodeNames.count(Name) || (!Replaces && OldNodeNames.count(Name))); ++K)
    Name = NameBase + "_" + std::to_string(K);
  if (!Name.empty())
    NodeNames.insert(Name);
  Node &N = New.addNode(std::move(OpType), std::move(Inputs), std::move(Outputs));
  N.Name = Name;
  return N;
}

Status QuantBuilder::copyNode(size_t I) {
  const Node &N = Old.nodes()[I];
  std::vector<ValueId> Ins, Outs;
  for (ValueId In : N.Inputs) {
    if (In == NoValue) {
      Ins.push_back(NoValue);
      continue;
    }
    NPU_ASSIGN(ValueId O, orig(In));
    Ins.push_back(O);
  }
  for (ValueId Out : N.Outputs) {
    ValueId R = Out == NoValue ? NoValue : New.addValue(Old.value(Out).Name, Old.type(Out));
    if (Out != NoValue)
      Orig[size_t(Out)] = R;
    Outs.push_back(R);
  }
  addNode(N.OpType, std::move(Ins), std::move(Outs), N.Name).Attrs = N.Attrs;
  return Status::ok();
}

Expected<Graph> QuantBuilder::rewriteAll(std::vector<bool> &Done,
                                         const std::function<Expected<bool>(size_t)> &Convert) {
  for (size_t I = 0; I < Old.nodes().size(); ++I) {
    if (Done[I])
      continue;
    NPU_ASSIGN(bool Converted, Convert(I));
    if (!Converted)
      NPU_TRY(copyNode(I));
    Done[I] = true;
  }
  return finish();
}

Expected<Graph> QuantBuilder::finish() {
  for (ValueId Out : Old.Outputs) {
    NPU_ASSIGN(ValueId O, orig(Out));
    New.Outputs.push_back(O);
  }
  NPU_TRY(createDeadCodeEliminationPass()->run(New, PassOptions{}));
  return std::move(New);
}

} // namespace npu::passes
