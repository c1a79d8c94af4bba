// The one list of IR operators (filled by the family files), schema checks and the type inference entry.
#include "npu/compiler/ops/OpRegistry.h"
#include "OpFamilies.h"

#include <algorithm>

namespace npu::ir {

namespace {

std::vector<OpDef> buildOps() {
  std::vector<OpDef> Ops;
  addElementwiseOps(Ops);
  addConvPoolOps(Ops);
  addMatMulOps(Ops);
  addQuantOps(Ops);
  addShapeOps(Ops);
  addReduceNormOps(Ops);
  addFusedOps(Ops);
  addNpuQuantOps(Ops);
  addNpuLayoutOps(Ops);
  return Ops;
}
} // namespace

const std::vector<OpDef> &allOps() {
  static const std::vector<OpDef> Ops = buildOps();
  return Ops;
}

const OpDef *findOp(std::string_view Name) {
  for (const OpDef &D : allOps())
    if (D.Name == Name)
      return &D;
  return nullptr;
}

std::string describeNode(const Node &N) { return "node '" + N.Name + "' (" + N.OpType + ")"; }

Status checkNodeSignature(const Node &N, const OpDef &Def) {
  int NIn = static_cast<int>(N.Inputs.size());
  int NOut = static_cast<int>(N.Outputs.size());
  if (NIn < Def.MinInputs || (Def.MaxInputs >= 0 && NIn > Def.MaxInputs))
    return makeError(NIn, " inputs given, ", Def.Name, " takes ", Def.MinInputs,
                     Def.MaxInputs < 0 ? std::string(" or more") : " to " + std::to_string(Def.MaxInputs));
  if (NOut < Def.MinOutputs || NOut > Def.MaxOutputs)
    return makeError(NOut, " outputs given, ", Def.Name, " has ", Def.MinOutputs, " to ", Def.MaxOutputs);
  for (int I = 0; I < Def.MinInputs && I < NIn; ++I)
    if (N.Inputs[I] == NoValue)
      return makeError("required input ", I, " is missing");
  if (NOut > 0 && N.Outputs[0] == NoValue)
    return makeError("output 0 is missing");
  for (size_t I = 0; I < N.Attrs.size(); ++I) {
    const Attribute &A = N.Attrs[I];
    auto It =
        std::find_if(Def.Attrs.begin(), Def.Attrs.end(), [&](const AttrSpec &S) { return S.Name == A.Name; });
    if (It == Def.Attrs.end())
      return makeError("unsupported attribute '", A.Name, "'");
    if (It->Kind != A.kind())
      return makeError("attribute '", A.Name, "' is ", attrKindName(A.kind()), ", expected ",
                       attrKindName(It->Kind));
    for (size_t J = 0; J < I; ++J)
      if (N.Attrs[J].Name == A.Name)
        return makeError("attribute '", A.Name, "' given twice");
  }
  return Status::ok();
}

Expected<std::vector<TensorType>> inferNodeTypes(const OpDef &Def, const InferContext &Ctx, const MemoryLimit &Limit) {
  for (size_t I = 0; I < Ctx.numInputs(); ++I)
    if (Ctx.hasInput(I) && !Ctx.type(I).isStatic())
      return makeError("input ", I, " has an unknown shape ", formatShape(Ctx.dims(I)));
  auto R = Def.Infer(Ctx);
  if (!R)
    return R;
  if (R->size() < Ctx.node().Outputs.size())
    return makeError("type inference gave ", R->size(), " outputs for ", Ctx.node().Outputs.size());
  R->resize(Ctx.node().Outputs.size());
  for (size_t I = 0; I < R->size(); ++I) {
    const TensorType &T = (*R)[I];
    if (std::any_of(T.Dims.begin(), T.Dims.end(), [](int64_t D) { return D < 0; }))
      return makeError("output ", I, " shape ", formatShape(T.Dims), " is invalid");
    // Before anything is allocated for it: a Reshape, Expand or ConstantOfShape to a huge size stops here.
    NPU_TRY(Limit.check(shapeNumElements(T.Dims), elemTypeSize(T.Elem),
                        "output " + std::to_string(I) + " " + formatType(T)));
  }
  return R;
}

Status sameElem(const InferContext &C, size_t I, size_t J) {
  if (C.elem(I) != C.elem(J))
    return makeError("inputs ", I, " and ", J, " have different element types (", elemTypeName(C.elem(I)),
                     ", ", elemTypeName(C.elem(J)), ")");
  return Status::ok();
}

Status requireFloat(const InferContext &C, size_t I) {
  if (!isFloatType(C.elem(I)))
    return makeError("unsupported element type ", elemTypeName(C.elem(I)), " for input ", I);
  return Status::ok();
}

Error needsConstant(const InferContext &C, size_t I) {
  return makeError("the output shape depends on the value of input ", I, ", which is not a constant");
}

} // namespace npu::ir
