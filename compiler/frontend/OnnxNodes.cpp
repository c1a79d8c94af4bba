// ONNX node conversion: rewrites older opset forms (attributes that became inputs, legacy broadcasting,
// 2-D Softmax, Upsample, ...) into the canonical IR operators, and Constant nodes into constants.
#include "ImportState.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ops/OpHelpers.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <set>

namespace npu::frontend {

using namespace ir;

namespace {

/// One ONNX node being converted: its mapped inputs, converted attributes and output names.
struct NodeCtx {
  ImportState &S;
  std::string Name, Op;
  int64_t Opset;
  std::vector<ValueId> Ins;
  std::vector<Attribute> Attrs;
  std::vector<std::string> Outs;

  const Attribute *attr(std::string_view N) const {
    for (const Attribute &A : Attrs)
      if (A.Name == N)
        return &A;
    return nullptr;
  }
  std::optional<Attribute> take(std::string_view N) { return takeAttr(Attrs, N); }
  void set(std::string N, Attribute::Storage V) {
    take(N);
    Attrs.push_back(Attribute{std::move(N), std::move(V)});
  }
  Status emit() { return S.emit(Op, Ins, Attrs, Outs, Name); }
  ValueId input(size_t I) const { return I < Ins.size() ? Ins[I] : NoValue; }
  void setInput(size_t I, ValueId V) {
    if (Ins.size() <= I)
      Ins.resize(I + 1, NoValue);
    Ins[I] = V;
  }
  ValueId constInts(const std::string &What, const std::vector<int64_t> &V) {
    return S.addConstant(Name + "_" + What, Tensor::fromInt64s(V));
  }
  ValueId constScalar(const std::string &What, ElemType E, double V) {
    Tensor T(E, {});
    T.setDouble(0, V);
    return S.addConstant(Name + "_" + What, std::move(T));
  }
  /// Emits a Reshape of X to Dims and returns the new value.
  Expected<ValueId> reshape(ValueId X, const Shape &Dims, const std::string &What) {
    std::string Out = S.G.uniqueName(Name + "_" + What);
    NPU_TRY(S.emit("Reshape", {X, constInts(What + "_shape", Dims)}, {}, {Out}, S.nodeName(Out)));
    return S.G.findValue(Out);
  }
};

Expected<std::vector<int64_t>> intsAttr(const Attribute &A) {
  if (const auto *V = std::get_if<std::vector<int64_t>>(&A.Val))
    return *V;
  return makeError("attribute '", A.Name, "' must be a list of ints");
}

/// Moves an ints attribute into an int64 constant input at position Pos (when the attribute is present).
Status attrToInput(NodeCtx &C, const char *AttrName, size_t Pos) {
  auto A = C.take(AttrName);
  if (!A)
    return Status::ok();
  NPU_ASSIGN(auto V, intsAttr(*A));
  C.setInput(Pos, C.constInts(AttrName, V));
  return Status::ok();
}

Status convertConstant(NodeCtx &C) {
  if (C.Outs.size() != 1 || C.Outs[0].empty() || C.Attrs.size() != 1)
    return makeError("Constant needs one output and exactly one value attribute");
  const Attribute &A = C.Attrs[0];
  Tensor T;
  if (!C.Ins.empty())
    return makeError("Constant takes no inputs");
  if (A.Name == "value" && A.kind() == AttrKind::Tensor) {
    T = std::get<Tensor>(A.Val);
  } else if (A.Name == "value_float" && A.kind() == AttrKind::Float) {
    T = Tensor(ElemType::Float32, {});
    T.data<float>()[0] = std::get<float>(A.Val);
  } else if (A.Name == "value_floats" && A.kind() == AttrKind::Floats) {
    const auto &V = std::get<std::vector<float>>(A.Val);
    T = Tensor(ElemType::Float32, {static_cast<int64_t>(V.size())});
    std::copy(V.begin(), V.end(), T.data<float>());
  } else if (A.Name == "value_int" && A.kind() == AttrKind::Int) {
    T = Tensor(ElemType::Int64, {});
    T.data<int64_t>()[0] = std::get<int64_t>(A.Val);
  } else if (A.Name == "value_ints" && A.kind() == AttrKind::Ints) {
    T = Tensor::fromInt64s(std::get<std::vector<int64_t>>(A.Val));
  } else if (A.Name == "value_string" || A.Name == "value_strings") {
    return makeError("unsupported element type STRING");
  } else {
    return makeError("unsupported Constant attribute '", A.Name, "'");
  }
  if (C.S.G.findValue(C.Outs[0]) != NoValue)
    return makeError("value '", C.Outs[0], "' is defined twice");
  ValueId Id = C.S.G.addConstant(C.Outs[0], std::move(T));
  C.S.Known[Id] = C.S.G.value(Id).Data;
  return Status::ok();
}

/// Opset < 7 broadcasting: with broadcast=1, B's dims line up with A's starting at `axis`.
Status legacyBroadcast(NodeCtx &C) {
  auto B = C.take("broadcast");
  auto Axis = C.take("axis");
  if (!B || std::get_if<int64_t>(&B->Val) == nullptr || std::get<int64_t>(B->Val) == 0 || !Axis ||
      C.Ins.size() != 2 || C.Ins[0] == NoValue || C.Ins[1] == NoValue)
    return Status::ok();
  int64_t RA = C.S.type(C.Ins[0]).rank(), RB = C.S.type(C.Ins[1]).rank();
  const int64_t *AxisV = std::get_if<int64_t>(&Axis->Val);
  if (!AxisV)
    return makeError("axis must be an int");
  int64_t A = *AxisV < 0 ? *AxisV + RA : *AxisV;
  int64_t Trailing = RA - A - RB;
  if (A < 0 || Trailing < 0)
    return makeError("broadcast axis ", *AxisV, " does not fit ranks ", RA, " and ", RB);
  if (Trailing == 0)
    return Status::ok();
  Shape Dims = C.S.type(C.Ins[1]).Dims;
  Dims.insert(Dims.end(), static_cast<size_t>(Trailing), 1);
  NPU_ASSIGN(C.Ins[1], C.reshape(C.Ins[1], Dims, "bcast"));
  return Status::ok();
}

/// Opset < 13 Softmax family: the input is coerced to 2-D at `axis` (default 1).
Status legacySoftmax(NodeCtx &C) {
  auto AxisAttr = C.take("axis");
  int64_t Axis = AxisAttr && std::get_if<int64_t>(&AxisAttr->Val) ? std::get<int64_t>(AxisAttr->Val) : 1;
  if (C.input(0) == NoValue || C.Outs.empty())
    return makeError("Softmax needs an input and an output");
  const Shape Dims = C.S.type(C.Ins[0]).Dims;
  int64_t R = static_cast<int64_t>(Dims.size());
  if (Axis < -R || Axis > R)
    return makeError("axis ", Axis, " out of range");
  if (Axis < 0)
    Axis += R;
  C.set("axis", int64_t(-1));
  if (Axis >= R - 1)
    return C.emit();
  Shape Flat = {shapeNumElements(Shape(Dims.begin(), Dims.begin() + Axis)),
                shapeNumElements(Shape(Dims.begin() + Axis, Dims.end()))};
  NPU_ASSIGN(ValueId X2, C.reshape(C.Ins[0], Flat, "2d"));
  std::string Y2 = C.S.G.uniqueName(C.Name + "_2d_out");
  NPU_TRY(C.S.emit(C.Op, {X2}, C.Attrs, {Y2}, C.Name));
  ValueId Shp = C.constInts("shape", Dims);
  return C.S.emit("Reshape", {C.S.G.findValue(Y2), Shp}, {}, {C.Outs[0]}, C.S.nodeName(C.Name + "_reshape"));
}

Status convertCast(NodeCtx &C) {
  auto To = C.take("to");
  if (!To)
    return makeError("Cast needs 'to'");
  int32_t Code = 0;
  if (const auto *I = std::get_if<int64_t>(&To->Val)) {
    Code = static_cast<int32_t>(*I);
  } else if (const auto *S = std::get_if<std::string>(&To->Val)) { // Cast-1..5 names the type
    for (int32_t K = 0; K < 32; ++K)
      if (onnxDataTypeName(K) == *S)
        Code = K;
  }
  NPU_ASSIGN(ElemType E, elemTypeFromOnnx(Code));
  C.set("to", std::string(elemTypeName(E)));
  return C.emit();
}

/// output_dtype / precision name ONNX data types; the IR names them with its own type names.
Status dtypeAttrToName(NodeCtx &C, const char *AttrName) {
  auto A = C.take(AttrName);
  if (!A)
    return Status::ok();
  const auto *Code = std::get_if<int64_t>(&A->Val);
  if (!Code)
    return makeError("attribute '", AttrName, "' must be an int");
  if (*Code == 0)
    return Status::ok();
  NPU_ASSIGN(ElemType E, elemTypeFromOnnx(static_cast<int32_t>(*Code)));
  C.set(AttrName, std::string(elemTypeName(E)));
  return Status::ok();
}

Status convertBatchNorm(NodeCtx &C) {
  if (C.Opset < 7) {
    auto IsTest = C.take("is_test");
    if (IsTest && std::get_if<int64_t>(&IsTest->Val) && std::get<int64_t>(IsTest->Val) == 0 &&
        C.Outs.size() > 1)
      return makeError("unsupported: BatchNormalization in training mode (is_test=0)");
  }
  if (C.Opset < 9) {
    auto Spatial = C.take("spatial");
    if (Spatial && std::get_if<int64_t>(&Spatial->Val) && std::get<int64_t>(Spatial->Val) == 0)
      return makeError("unsupported: BatchNormalization with spatial=0");
  }
  if (C.Opset < 14 && C.Outs.size() > 1)
    return makeError("unsupported: BatchNormalization in training mode (extra outputs)");
  return C.emit();
}

Status convertPadLegacy(NodeCtx &C) {
  auto Pads = C.take(C.Opset < 2 ? "paddings" : "pads");
  if (!Pads)
    return makeError("Pad needs pads");
  NPU_ASSIGN(auto P, intsAttr(*Pads));
  if (C.input(0) == NoValue)
    return makeError("Pad needs an input");
  C.setInput(1, C.constInts("pads", P));
  auto Value = C.take("value");
  double V = Value && std::get_if<float>(&Value->Val) ? std::get<float>(Value->Val) : 0.0;
  C.setInput(2, C.constScalar("value", C.S.type(C.Ins[0]).Elem, V));
  return C.emit();
}

Status convertResizeLike(NodeCtx &C) {
  bool Upsample = C.Op == "Upsample";
  if (Upsample || C.Opset < 11) {
    ValueId Scales = C.input(1);
    if (Upsample && C.Opset < 9) {
      auto S = C.take("scales");
      if (!S || !std::get_if<std::vector<float>>(&S->Val))
        return makeError("Upsample needs scales");
      const auto &V = std::get<std::vector<float>>(S->Val);
      Tensor T(ElemType::Float32, {static_cast<int64_t>(V.size())});
      std::copy(V.begin(), V.end(), T.data<float>());
      Scales = C.S.addConstant(C.Name + "_scales", std::move(T));
    }
    C.Ins = {C.input(0), NoValue, Scales};
    const std::string *ModeP = C.attr("mode") ? std::get_if<std::string>(&C.attr("mode")->Val) : nullptr;
    std::string Mode = ModeP ? *ModeP : "nearest";
    if (Mode == "bilinear")
      Mode = "linear";
    C.set("mode", Mode);
    C.set("coordinate_transformation_mode", std::string("asymmetric"));
    if (Mode == "nearest")
      C.set("nearest_mode", std::string("floor"));
    C.Op = "Resize";
  }
  return C.emit();
}

const std::set<std::string> LegacyBroadcastOps = {"Add", "Sub", "Mul",   "Div",     "Pow", "And",
                                                  "Or",  "Xor", "Equal", "Greater", "Less"};
const std::set<std::string> ReduceOps = {"ReduceMean", "ReduceMax", "ReduceMin",       "ReduceProd",
                                         "ReduceL1",   "ReduceL2",  "ReduceSumSquare", "ReduceLogSumExp"};

} // namespace

std::optional<Attribute> takeAttr(std::vector<Attribute> &Attrs, std::string_view N) {
  for (size_t I = 0; I < Attrs.size(); ++I)
    if (Attrs[I].Name == N) {
      Attribute A = std::move(Attrs[I]);
      Attrs.erase(Attrs.begin() + static_cast<long>(I));
      return A;
    }
  return std::nullopt;
}

Status convertNode(ImportState &S, const onnx::NodeProto &P, const std::string &Name) {
  if (P.domain() == "com.microsoft")
    return convertContribNode(S, P, Name);
  if (!P.domain().empty() && P.domain() != "ai.onnx")
    return makeError("unsupported operator domain '", P.domain(), "'");
  NodeCtx C{S, Name, P.op_type(), S.Opset, {}, {}, {}};
  for (const auto &In : P.input()) {
    NPU_ASSIGN(ValueId Id, S.lookup(In));
    C.Ins.push_back(Id);
  }
  while (!C.Ins.empty() && C.Ins.back() == NoValue)
    C.Ins.pop_back();
  C.Outs.assign(P.output().begin(), P.output().end());
  while (!C.Outs.empty() && C.Outs.back().empty())
    C.Outs.pop_back();
  if (C.Outs.empty())
    return makeError("node has no outputs");
  for (const auto &A : P.attribute()) {
    NPU_ASSIGN(Attribute At, convertAttribute(A, S.BaseDir, S.Limit));
    C.Attrs.push_back(std::move(At));
  }
  const std::string &Op = C.Op;
  int64_t V = C.Opset;
  C.take("consumed_inputs"); // an opset < 6 memory hint that some later exporters still write
  if (Op == "Constant")
    return convertConstant(C);
  if (V < 7 && LegacyBroadcastOps.count(Op))
    NPU_TRY(legacyBroadcast(C));
  if (Op == "Gemm" && V < 7)
    C.take("broadcast");
  if (Op == "Clip" && V < 11) {
    auto Min = C.take("min"), Max = C.take("max");
    if (C.input(0) == NoValue)
      return makeError("Clip needs an input");
    ElemType E = C.S.type(C.Ins[0]).Elem;
    if (Min && std::get_if<float>(&Min->Val))
      C.setInput(1, C.constScalar("min", E, std::get<float>(Min->Val)));
    if (Max && std::get_if<float>(&Max->Val))
      C.setInput(2, C.constScalar("max", E, std::get<float>(Max->Val)));
  }
  if (Op == "Reshape" && V < 5)
    NPU_TRY(attrToInput(C, "shape", 1));
  if ((Op == "Squeeze" || Op == "Unsqueeze") && V < 13)
    NPU_TRY(attrToInput(C, "axes", 1));
  if ((ReduceOps.count(Op) && V < 18) || (Op == "ReduceSum" && V < 13))
    NPU_TRY(attrToInput(C, "axes", 1));
  if (Op == "Split" && V < 13)
    NPU_TRY(attrToInput(C, "split", 1));
  if (Op == "Slice" && V < 10) {
    NPU_TRY(attrToInput(C, "starts", 1));
    NPU_TRY(attrToInput(C, "ends", 2));
    NPU_TRY(attrToInput(C, "axes", 3));
  }
  if (Op == "Dropout") {
    C.take("is_test");
    if (V < 12)
      C.take("ratio");
  }
  if (Op == "Concat" && V < 4 && !C.attr("axis"))
    C.set("axis", int64_t(1));
  if (Op == "Tile" && V < 6)
    return makeError("unsupported: Tile-1 (tiles/axis inputs)");
  if (Op == "QuantizeLinear" || Op == "DequantizeLinear") {
    NPU_TRY(dtypeAttrToName(C, "output_dtype"));
    NPU_TRY(dtypeAttrToName(C, "precision"));
  }
  if (Op == "Pad" && V < 11)
    return convertPadLegacy(C);
  if ((Op == "Softmax" || Op == "LogSoftmax") && V < 13)
    return legacySoftmax(C);
  if (Op == "Cast")
    return convertCast(C);
  if (Op == "BatchNormalization")
    return convertBatchNorm(C);
  if (Op == "Resize" || Op == "Upsample")
    return convertResizeLike(C);
  return C.emit();
}

} // namespace npu::frontend
