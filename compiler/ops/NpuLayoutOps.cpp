// Schemas and type inference of the layout conversions npu.ToBlocked, npu.FromBlocked and npu.Reblock.
#include "OpFamilies.h"
#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/support/Try.h"

namespace npu::ir {

namespace {

constexpr AttrKind I = AttrKind::Int, Is = AttrKind::Ints;

Status checkPadValue(const InferContext &C) {
  int64_t P = C.node().getInt("pad_value", 0);
  ElemType T = C.elem(0);
  if (isIntegerType(T) && (P < integerTypeMin(T) || P > integerTypeMax(T)))
    return makeError("pad_value ", P, " does not fit ", elemTypeName(T));
  return Status::ok();
}

Expected<TypeList> inferToBlocked(const InferContext &C) {
  NPU_TRY(checkPadValue(C));
  NPU_ASSIGN(BlockedShape B,
             blockLogical(C.dims(0), C.node().getInt("block_n", 1), C.node().getInt("block_c", 1)));
  return one(C.elem(0), B.dims());
}

Expected<TypeList> inferFromBlocked(const InferContext &C) {
  NPU_ASSIGN(BlockedShape B, decodeBlocked(C.dims(0)));
  Shape L = C.node().getInts("shape");
  if (L.size() != B.Spatial.size() + 2 || L[0] != B.batch() || L[1] > B.channels() ||
      L[1] <= B.channels() - B.BlockC || Shape(L.begin() + 2, L.end()) != B.Spatial)
    return makeError("shape ", formatShape(L), " is not the logical shape of the blocked ",
                     formatShape(C.dims(0)));
  return one(C.elem(0), L);
}

Expected<TypeList> inferReblock(const InferContext &C) {
  NPU_TRY(checkPadValue(C));
  NPU_ASSIGN(BlockedShape B, decodeBlocked(C.dims(0)));
  int64_t Ch = C.node().getInt("channels", 0), BC = C.node().getInt("block_c", 0);
  if (Ch > B.channels() || Ch <= B.channels() - B.BlockC || BC <= 0)
    return makeError("cannot reblock ", formatShape(C.dims(0)), " holding ", Ch, " channels to c=", BC);
  B.COuter = (Ch + BC - 1) / BC;
  B.BlockC = BC;
  return one(C.elem(0), B.dims());
}

} // namespace

void addNpuLayoutOps(std::vector<OpDef> &Ops) {
  Ops.push_back(
      {"npu.ToBlocked", 1, 1, 1, 1, {{"block_n", I}, {"block_c", I}, {"pad_value", I}}, inferToBlocked});
  Ops.push_back({"npu.FromBlocked", 1, 1, 1, 1, {{"shape", Is}}, inferFromBlocked});
  Ops.push_back(
      {"npu.Reblock", 1, 1, 1, 1, {{"block_c", I}, {"channels", I}, {"pad_value", I}}, inferReblock});
}

} // namespace npu::ir
