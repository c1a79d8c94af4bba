// Reference kernels of QuantizeLinear and DequantizeLinear (per tensor, per axis, blocked; round half to
// even).
#include "Kernels.h"

#include <algorithm>

namespace npu::ref {

namespace {

/// Maps an element's flat index to the index of its scale / zero point.
struct ParamIndex {
  enum { PerTensor, PerAxis, Blocked } Mode = PerTensor;
  int64_t Inner = 1, D = 1, Block = 1, SD = 1;

  int64_t at(int64_t E) const {
    if (Mode == PerTensor)
      return 0;
    int64_t I = E % Inner, Dd = (E / Inner) % D;
    if (Mode == PerAxis)
      return Dd;
    int64_t O = E / (Inner * D);
    return (O * SD + Dd / Block) * Inner + I;
  }
};

Expected<ParamIndex> paramIndex(const ir::Node &N, const Shape &X, const Tensor &Scale) {
  ParamIndex P;
  int64_t Block = N.getInt("block_size", 0);
  if (Scale.numElements() == 1 && Scale.rank() <= 1 && Block == 0)
    return P;
  auto Axis = ir::normalizeAxis(N.getInt("axis", 1), static_cast<int64_t>(X.size()));
  if (!Axis)
    return Axis.error();
  P.D = X[*Axis];
  P.Inner = ir::shapeNumElements(Shape(X.begin() + *Axis + 1, X.end()));
  if (Block == 0) {
    P.Mode = ParamIndex::PerAxis;
    return P;
  }
  P.Mode = ParamIndex::Blocked;
  P.Block = Block;
  P.SD = Scale.shape()[*Axis];
  return P;
}

double roundToType(double V, ElemType E) {
  if (E == ElemType::Float16)
    return static_cast<float>(ir::Half(static_cast<float>(V)));
  if (E == ElemType::BFloat16)
    return static_cast<float>(ir::BFloat16(static_cast<float>(V)));
  if (E == ElemType::Float32)
    return static_cast<float>(V);
  return V;
}

Status kQuantize(KernelContext &C) {
  const Tensor &X = C.in(0), &S = C.in(1);
  const Tensor *Zp = C.has(2) ? &C.in(2) : nullptr;
  auto P = paramIndex(C.N, X.shape(), S);
  if (!P)
    return P.error();
  Tensor &Y = C.out(0);
  ElemType YT = Y.elemType();
  double Lo = static_cast<double>(ir::integerTypeMin(YT)), Hi = static_cast<double>(ir::integerTypeMax(YT));
  // x / scale is formed in the operands' precision (float32 for float32 inputs), then rounded half to even.
  ElemType Prec = S.elemType() == ElemType::Float64 || X.elemType() == ElemType::Float64 ? ElemType::Float64
                  : S.elemType() == X.elemType()                                         ? S.elemType()
                                                                                         : ElemType::Float32;
  for (int64_t I = 0, N = X.numElements(); I < N; ++I) {
    int64_t K = P->at(I);
    double Q = roundHalfEven(roundToType(X.getDouble(I) / S.getDouble(K), Prec));
    if (Zp)
      Q += Zp->getDouble(K);
    Y.setDouble(I, std::clamp(Q, Lo, Hi));
  }
  return Status::ok();
}

Status kDequantize(KernelContext &C) {
  const Tensor &X = C.in(0), &S = C.in(1);
  const Tensor *Zp = C.has(2) ? &C.in(2) : nullptr;
  auto P = paramIndex(C.N, X.shape(), S);
  if (!P)
    return P.error();
  Tensor &Y = C.out(0);
  for (int64_t I = 0, N = X.numElements(); I < N; ++I) {
    int64_t K = P->at(I);
    float D = static_cast<float>(X.getInt64(I) - (Zp ? Zp->getInt64(K) : 0));
    Y.setDouble(I, static_cast<double>(D * static_cast<float>(S.getDouble(K))));
  }
  return Status::ok();
}

} // namespace

void addQuantKernels(KernelTable &T) {
  T["QuantizeLinear"] = kQuantize;
  T["DequantizeLinear"] = kDequantize;
}

} // namespace npu::ref
