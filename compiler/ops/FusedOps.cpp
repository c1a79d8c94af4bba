// npu.FusedConv / npu.FusedGemm: schema and type inference, delegated to the Conv / Gemm they extend.
#include "npu/compiler/ops/FusedOps.h"
#include "OpFamilies.h"

namespace npu::ir {

namespace {

constexpr AttrKind I = AttrKind::Int, F = AttrKind::Float, S = AttrKind::String, Is = AttrKind::Ints;

bool isActivationAttr(const std::string &Name) {
  return Name == "activation" || Name == "act_min" || Name == "act_max" || Name == "act_alpha";
}

Expected<TypeList> inferFused(const InferContext &C) {
  auto Act = fusedActivationNode(C.node());
  if (!Act)
    return Act.error();
  std::string_view Base = fusedBaseOp(C.node().OpType);
  const OpDef *Def = findOp(Base);
  if (!Def)
    return makeError("no base operator for ", C.node().OpType);
  NPU_TRY(requireFloat(C, 0));
  Node Plain = unfusedNode(C.node());
  std::vector<const TensorType *> Types;
  std::vector<const Tensor *> Values;
  for (size_t K = 0; K < C.numInputs(); ++K) {
    Types.push_back(C.hasInput(K) ? &C.type(K) : nullptr);
    Values.push_back(C.value(K));
  }
  return Def->Infer(InferContext(Plain, Types, Values));
}

} // namespace

std::string_view fusedBaseOp(std::string_view FusedOp) {
  if (FusedOp == "npu.FusedConv")
    return "Conv";
  if (FusedOp == "npu.FusedGemm")
    return "Gemm";
  return "";
}

Node unfusedNode(const Node &Fused) {
  Node N = Fused;
  N.OpType = std::string(fusedBaseOp(Fused.OpType));
  std::erase_if(N.Attrs, [](const Attribute &A) { return isActivationAttr(A.Name); });
  return N;
}

Expected<Node> fusedActivationNode(const Node &Fused) {
  Node A;
  A.Name = Fused.Name;
  A.Inputs = {0};
  A.Outputs = {0};
  std::string Kind = Fused.getString("activation", "");
  if (Kind == "relu") {
    A.OpType = "Relu";
  } else if (Kind == "leaky_relu") {
    A.OpType = "LeakyRelu";
    A.setAttr("alpha", Fused.getFloat("act_alpha", 0.01f));
  } else if (Kind == "clip") {
    A.OpType = "Clip";
    A.Inputs = {0, 1, 2};
  } else {
    return makeError("activation '", Kind, "' is not relu, leaky_relu or clip");
  }
  return A;
}

void addFusedOps(std::vector<OpDef> &Ops) {
  std::vector<AttrSpec> Act = {{"activation", S}, {"act_min", F}, {"act_max", F}, {"act_alpha", F}};
  std::vector<AttrSpec> ConvAttrs = {{"auto_pad", S},      {"dilations", Is}, {"group", I},
                                     {"kernel_shape", Is}, {"pads", Is},      {"strides", Is}};
  std::vector<AttrSpec> GemmAttrs = {{"alpha", F}, {"beta", F}, {"transA", I}, {"transB", I}};
  ConvAttrs.insert(ConvAttrs.end(), Act.begin(), Act.end());
  GemmAttrs.insert(GemmAttrs.end(), Act.begin(), Act.end());
  Ops.push_back({"npu.FusedConv", 2, 3, 1, 1, ConvAttrs, inferFused});
  Ops.push_back({"npu.FusedGemm", 2, 3, 1, 1, GemmAttrs, inferFused});
}

} // namespace npu::ir
