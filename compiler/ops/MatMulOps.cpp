// Type inference of MatMul, Gemm, MatMulInteger and QLinearMatMul.
#include "OpFamilies.h"

namespace npu::ir {

Expected<Shape> matMulShape(const Shape &A0, const Shape &B0) {
  if (A0.empty() || B0.empty())
    return makeError("MatMul operands must have rank >= 1");
  Shape A = A0.size() == 1 ? Shape{1, A0[0]} : A0;
  Shape B = B0.size() == 1 ? Shape{B0[0], 1} : B0;
  if (A.back() != B[B.size() - 2])
    return makeError("MatMul operands ", formatShape(A0), " and ", formatShape(B0), " do not match");
  auto Batch = broadcastShapes(Shape(A.begin(), A.end() - 2), Shape(B.begin(), B.end() - 2));
  if (!Batch)
    return Batch.error();
  Shape Out = *Batch;
  if (A0.size() > 1)
    Out.push_back(A[A.size() - 2]);
  if (B0.size() > 1)
    Out.push_back(B.back());
  return Out;
}

namespace {

constexpr AttrKind I = AttrKind::Int, F = AttrKind::Float;

Expected<TypeList> inferMatMul(const InferContext &C) {
  NPU_TRY(sameElem(C, 0, 1));
  if (C.elem(0) == ElemType::Bool)
    return makeError("bool inputs are not supported");
  auto Out = matMulShape(C.dims(0), C.dims(1));
  if (!Out)
    return Out.error();
  return one(C.elem(0), *Out);
}

Expected<TypeList> inferGemm(const InferContext &C) {
  NPU_TRY(sameElem(C, 0, 1));
  if (C.elem(0) == ElemType::Bool)
    return makeError("bool inputs are not supported");
  const Shape &A = C.dims(0), &B = C.dims(1);
  if (A.size() != 2 || B.size() != 2)
    return makeError("Gemm needs 2-D operands, got ", formatShape(A), " and ", formatShape(B));
  bool TA = C.node().getInt("transA", 0) != 0, TB = C.node().getInt("transB", 0) != 0;
  int64_t M = TA ? A[1] : A[0], K = TA ? A[0] : A[1];
  int64_t KB = TB ? B[1] : B[0], N = TB ? B[0] : B[1];
  if (K != KB)
    return makeError("Gemm operands ", formatShape(A), " and ", formatShape(B), " do not match");
  if (C.hasInput(2)) {
    NPU_TRY(sameElem(C, 0, 2));
    auto Bc = broadcastShapes(C.dims(2), {M, N});
    if (!Bc || *Bc != Shape{M, N})
      return makeError("Gemm C ", formatShape(C.dims(2)), " does not broadcast to [", M, ",", N, "]");
  }
  return one(C.elem(0), {M, N});
}

bool isInt8Like(ElemType T) { return T == ElemType::Int8 || T == ElemType::UInt8; }

Expected<TypeList> inferMatMulInteger(const InferContext &C) {
  if (!isInt8Like(C.elem(0)) || !isInt8Like(C.elem(1)))
    return makeError("MatMulInteger needs int8/uint8 inputs");
  for (size_t K : {2, 3})
    if (C.hasInput(K) && C.elem(K) != C.elem(K - 2))
      return makeError("zero point ", K, " does not have its tensor's type");
  auto Out = matMulShape(C.dims(0), C.dims(1));
  if (!Out)
    return Out.error();
  return one(ElemType::Int32, *Out);
}

Expected<TypeList> inferQLinearMatMul(const InferContext &C) {
  if (!isInt8Like(C.elem(0)) || !isInt8Like(C.elem(3)))
    return makeError("QLinearMatMul needs int8/uint8 inputs");
  for (size_t K : {1, 4, 6})
    NPU_TRY(requireFloat(C, K));
  for (auto [Zp, Of] : {std::pair<size_t, size_t>{2, 0}, {5, 3}})
    if (C.elem(Zp) != C.elem(Of))
      return makeError("zero point ", Zp, " does not have its tensor's type");
  auto Out = matMulShape(C.dims(0), C.dims(3));
  if (!Out)
    return Out.error();
  ElemType YT = C.hasInput(7) ? C.elem(7) : C.elem(0);
  return one(YT, *Out);
}

} // namespace

void addMatMulOps(std::vector<OpDef> &Ops) {
  Ops.push_back({"MatMul", 2, 2, 1, 1, {}, inferMatMul});
  Ops.push_back({"Gemm", 2, 3, 1, 1, {{"alpha", F}, {"beta", F}, {"transA", I}, {"transB", I}}, inferGemm});
  Ops.push_back({"MatMulInteger", 2, 4, 1, 1, {}, inferMatMulInteger});
  Ops.push_back({"QLinearMatMul", 7, 8, 1, 1, {}, inferQLinearMatMul});
}

} // namespace npu::ir
