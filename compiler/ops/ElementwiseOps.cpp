// Type inference of the elementwise operators: unary activations, Clip, Cast, broadcasting binary ops.
#include "OpFamilies.h"

namespace npu::ir {

namespace {

constexpr AttrKind I = AttrKind::Int, F = AttrKind::Float, S = AttrKind::String;

Expected<TypeList> inferSameAsInput(const InferContext &C) { return TypeList{C.type(0)}; }

Expected<TypeList> inferFloatUnary(const InferContext &C) {
  NPU_TRY(requireFloat(C, 0));
  return one(C.elem(0), C.dims(0));
}

Expected<TypeList> inferNumericUnary(const InferContext &C) {
  if (C.elem(0) == ElemType::Bool)
    return makeError("bool input is not supported");
  return one(C.elem(0), C.dims(0));
}

Expected<TypeList> inferNot(const InferContext &C) {
  if (C.elem(0) != ElemType::Bool)
    return makeError("Not needs a bool input");
  return one(ElemType::Bool, C.dims(0));
}

Expected<TypeList> inferClip(const InferContext &C) {
  if (C.elem(0) == ElemType::Bool)
    return makeError("bool input is not supported");
  for (size_t K = 1; K < 3; ++K)
    if (C.hasInput(K)) {
      NPU_TRY(sameElem(C, 0, K));
      if (shapeNumElements(C.dims(K)) != 1)
        return makeError("Clip bound ", K, " must hold one element");
    }
  return one(C.elem(0), C.dims(0));
}

Expected<TypeList> inferCast(const InferContext &C) {
  std::string To = C.node().getString("to", "");
  auto T = parseElemType(To);
  if (!T)
    return makeError("unsupported Cast target type '", To, "'");
  return one(*T, C.dims(0));
}

Expected<TypeList> inferCastLike(const InferContext &C) { return one(C.elem(1), C.dims(0)); }

Expected<TypeList> inferDropout(const InferContext &C) {
  if (const Tensor *T = C.value(2); T && T->numElements() == 1 && T->getInt64(0) != 0)
    return makeError("unsupported: Dropout in training mode");
  if (C.hasInput(2) && !C.value(2))
    return makeError("unsupported: Dropout whose training_mode is not a constant");
  return TypeList{TensorType(C.elem(0), C.dims(0)), TensorType(ElemType::Bool, C.dims(0))};
}

Expected<Shape> broadcastAll(const InferContext &C) {
  Shape Out = C.dims(0);
  for (size_t K = 1; K < C.numInputs(); ++K) {
    if (!C.hasInput(K))
      return makeError("input ", K, " is missing");
    auto B = broadcastShapes(Out, C.dims(K));
    if (!B)
      return B.error();
    Out = *B;
  }
  return Out;
}

Expected<TypeList> inferArith(const InferContext &C) {
  for (size_t K = 1; K < C.numInputs(); ++K)
    NPU_TRY(sameElem(C, 0, K));
  if (C.elem(0) == ElemType::Bool)
    return makeError("bool inputs are not supported");
  auto Out = broadcastAll(C);
  if (!Out)
    return Out.error();
  return one(C.elem(0), *Out);
}

Expected<TypeList> inferPow(const InferContext &C) {
  if (C.elem(0) == ElemType::Bool || C.elem(1) == ElemType::Bool)
    return makeError("bool inputs are not supported");
  auto Out = broadcastAll(C);
  if (!Out)
    return Out.error();
  return one(C.elem(0), *Out);
}

Expected<TypeList> inferCompare(const InferContext &C) {
  NPU_TRY(sameElem(C, 0, 1));
  auto Out = broadcastAll(C);
  if (!Out)
    return Out.error();
  return one(ElemType::Bool, *Out);
}

Expected<TypeList> inferLogical(const InferContext &C) {
  if (C.elem(0) != ElemType::Bool || C.elem(1) != ElemType::Bool)
    return makeError("logical operators need bool inputs");
  auto Out = broadcastAll(C);
  if (!Out)
    return Out.error();
  return one(ElemType::Bool, *Out);
}

Expected<TypeList> inferPRelu(const InferContext &C) {
  NPU_TRY(sameElem(C, 0, 1));
  NPU_TRY(requireFloat(C, 0));
  auto Out = broadcastShapes(C.dims(0), C.dims(1));
  if (!Out)
    return Out.error();
  if (*Out != C.dims(0))
    return makeError("slope ", formatShape(C.dims(1)), " does not broadcast to ", formatShape(C.dims(0)));
  return one(C.elem(0), C.dims(0));
}

Expected<TypeList> inferWhere(const InferContext &C) {
  if (C.elem(0) != ElemType::Bool)
    return makeError("Where needs a bool condition");
  NPU_TRY(sameElem(C, 1, 2));
  auto Out = broadcastAll(C);
  if (!Out)
    return Out.error();
  return one(C.elem(1), *Out);
}

} // namespace

void addElementwiseOps(std::vector<OpDef> &Ops) {
  for (const char *Name : {"Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Reciprocal", "Erf", "Sin", "Cos",
                           "Softsign", "Softplus", "HardSwish", "Mish", "Ceil", "Floor", "Round",
                           "npu.SiLU"})
    Ops.push_back({Name, 1, 1, 1, 1, {}, inferFloatUnary});
  for (const char *Name : {"Relu", "Neg", "Abs", "Sign"})
    Ops.push_back({Name, 1, 1, 1, 1, {}, inferNumericUnary});
  Ops.push_back({"Elu", 1, 1, 1, 1, {{"alpha", F}}, inferFloatUnary});
  Ops.push_back({"Celu", 1, 1, 1, 1, {{"alpha", F}}, inferFloatUnary});
  Ops.push_back({"ThresholdedRelu", 1, 1, 1, 1, {{"alpha", F}}, inferFloatUnary});
  Ops.push_back({"LeakyRelu", 1, 1, 1, 1, {{"alpha", F}}, inferFloatUnary});
  Ops.push_back({"Selu", 1, 1, 1, 1, {{"alpha", F}, {"gamma", F}}, inferFloatUnary});
  Ops.push_back({"HardSigmoid", 1, 1, 1, 1, {{"alpha", F}, {"beta", F}}, inferFloatUnary});
  Ops.push_back({"Gelu", 1, 1, 1, 1, {{"approximate", S}}, inferFloatUnary});
  Ops.push_back({"Identity", 1, 1, 1, 1, {}, inferSameAsInput});
  Ops.push_back({"Not", 1, 1, 1, 1, {}, inferNot});
  Ops.push_back({"Clip", 1, 3, 1, 1, {}, inferClip});
  Ops.push_back({"Cast", 1, 1, 1, 1, {{"to", S}, {"saturate", I}}, inferCast});
  Ops.push_back({"CastLike", 2, 2, 1, 1, {{"saturate", I}}, inferCastLike});
  Ops.push_back({"Dropout", 1, 3, 1, 2, {{"seed", I}}, inferDropout});
  for (const char *Name : {"Add", "Sub", "Mul", "Div"})
    Ops.push_back({Name, 2, 2, 1, 1, {}, inferArith});
  Ops.push_back({"Mod", 2, 2, 1, 1, {{"fmod", I}}, inferArith});
  Ops.push_back({"Pow", 2, 2, 1, 1, {}, inferPow});
  for (const char *Name : {"Sum", "Max", "Min", "Mean"})
    Ops.push_back({Name, 1, -1, 1, 1, {}, inferArith});
  for (const char *Name : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
    Ops.push_back({Name, 2, 2, 1, 1, {}, inferCompare});
  for (const char *Name : {"And", "Or", "Xor"})
    Ops.push_back({Name, 2, 2, 1, 1, {}, inferLogical});
  Ops.push_back({"PRelu", 2, 2, 1, 1, {}, inferPRelu});
  Ops.push_back({"Where", 3, 3, 1, 1, {}, inferWhere});
}

} // namespace npu::ir
