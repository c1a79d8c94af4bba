// Kernel interface of the reference interpreter and loops shared by the kernel files (internal).
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/compiler/ops/OpHelpers.h"
#include "npu/support/Status.h"

#include <cmath>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <unordered_map>

namespace npu::ref {

using ir::ElemType;
using ir::Shape;
using ir::Tensor;

/// A node's inputs (nullptr where omitted) and its outputs, allocated with the inferred types.
struct KernelContext {
  const ir::Node &N;
  const std::vector<const Tensor *> &In;
  std::vector<Tensor> &Out;

  bool has(size_t I) const { return I < In.size() && In[I]; }
  const Tensor &in(size_t I) const { return *In[I]; }
  Tensor &out(size_t I) { return Out[I]; }
};

using KernelFn = Status (*)(KernelContext &);
using KernelTable = std::unordered_map<std::string_view, KernelFn>;

void addElementwiseKernels(KernelTable &T);
void addConvPoolKernels(KernelTable &T);
void addPoolKernels(KernelTable &T);
void addMatMulKernels(KernelTable &T);
void addQuantKernels(KernelTable &T);
void addShapeKernels(KernelTable &T);
void addReduceNormKernels(KernelTable &T);
void addFusedKernels(KernelTable &T);
void addNpuQuantKernels(KernelTable &T);

/// Arithmetic type for a storage type: float for f16/bf16/f32, double for f64, the type itself for integers.
template <typename T>
using CalcT = std::conditional_t<std::is_same_v<T, double>, double,
                                 std::conditional_t<std::is_integral_v<T>, T, float>>;

/// Calls Fn(T{}) for float element types only; error otherwise.
template <typename F> Status dispatchFloat(ElemType E, F &&Fn) {
  switch (E) {
  case ElemType::Float32:
    Fn(float{});
    return Status::ok();
  case ElemType::Float16:
    Fn(ir::Half{});
    return Status::ok();
  case ElemType::BFloat16:
    Fn(ir::BFloat16{});
    return Status::ok();
  case ElemType::Float64:
    Fn(double{});
    return Status::ok();
  default:
    return makeError("unsupported element type ", ir::elemTypeName(E));
  }
}

/// Copies all of Src's bytes into Dst (same byte size). An empty tensor may have no buffer, and memcpy from a
/// null pointer is undefined even for 0 bytes (UBSan reports it), so nothing is copied then.
inline void copyTensorBytes(Tensor &Dst, const Tensor &Src) {
  if (Src.byteSize() != 0)
    std::memcpy(Dst.bytes(), Src.bytes(), Src.byteSize());
}

/// Strides of In aligned to the trailing dims of Out, 0 where In broadcasts.
inline Shape broadcastStrides(const Shape &Out, const Shape &In) {
  Shape S(Out.size(), 0);
  Shape InStrides = ir::stridesOf(In);
  size_t Off = Out.size() - In.size();
  for (size_t I = 0; I < In.size(); ++I)
    S[Off + I] = In[I] == 1 ? 0 : InStrides[I];
  return S;
}

/// Calls Fn(OutIndex, OffsetA, OffsetB) for every element of Out under numpy broadcasting of A and B.
template <typename F> void broadcast2(const Shape &Out, const Shape &A, const Shape &B, F &&Fn) {
  int64_t N = ir::shapeNumElements(Out);
  if (N == 0)
    return;
  if (Out.empty()) {
    Fn(0, 0, 0);
    return;
  }
  Shape SA = broadcastStrides(Out, A), SB = broadcastStrides(Out, B);
  size_t R = Out.size();
  int64_t Inner = Out[R - 1], IA = SA[R - 1], IB = SB[R - 1];
  Shape Idx(R, 0);
  int64_t OA = 0, OB = 0;
  for (int64_t O = 0; O < N; O += Inner) {
    for (int64_t K = 0; K < Inner; ++K)
      Fn(O + K, OA + K * IA, OB + K * IB);
    for (size_t D = R - 1; D-- > 0;) { // odometer over the outer dims
      ++Idx[D];
      OA += SA[D];
      OB += SB[D];
      if (Idx[D] < Out[D])
        break;
      OA -= SA[D] * Out[D];
      OB -= SB[D] * Out[D];
      Idx[D] = 0;
    }
  }
}

/// Calls Fn(OutIndex, OffsetIn) for every element of Out, In broadcast to Out.
template <typename F> void broadcast1(const Shape &Out, const Shape &In, F &&Fn) {
  broadcast2(Out, In, In, [&](int64_t O, int64_t A, int64_t) { Fn(O, A); });
}

/// C[M,N] = A[M,K] * B[K,N] (+ C when Accumulate), row-major with leading dims.
void gemmF32(int64_t M, int64_t N, int64_t K, const float *A, int64_t Lda, const float *B, int64_t Ldb,
             float *C, int64_t Ldc, bool Accumulate);
template <typename T>
void gemmGeneric(int64_t M, int64_t N, int64_t K, const T *A, int64_t Lda, const T *B, int64_t Ldb, T *C,
                 int64_t Ldc, bool Accumulate) {
  for (int64_t I = 0; I < M; ++I) {
    T *CRow = C + I * Ldc;
    if (!Accumulate)
      for (int64_t J = 0; J < N; ++J)
        CRow[J] = T(0);
    for (int64_t P = 0; P < K; ++P) {
      T AV = A[I * Lda + P];
      const T *BRow = B + P * Ldb;
      for (int64_t J = 0; J < N; ++J)
        CRow[J] = static_cast<T>(CRow[J] + AV * BRow[J]);
    }
  }
}
template <typename T>
void gemm(int64_t M, int64_t N, int64_t K, const T *A, int64_t Lda, const T *B, int64_t Ldb, T *C,
          int64_t Ldc, bool Accumulate) {
  if constexpr (std::is_same_v<T, float>)
    gemmF32(M, N, K, A, Lda, B, Ldb, C, Ldc, Accumulate);
  else
    gemmGeneric(M, N, K, A, Lda, B, Ldb, C, Ldc, Accumulate);
}

/// Copies a tensor's elements into a vector of the calculation type (f16/bf16 widen to float).
template <typename Calc> std::vector<Calc> toCalc(const Tensor &T) {
  std::vector<Calc> R(static_cast<size_t>(T.numElements()));
  ir::dispatchElemType(T.elemType(), [&](auto Tag) {
    using S = decltype(Tag);
    const S *P = T.data<S>();
    for (size_t I = 0; I < R.size(); ++I)
      R[I] = static_cast<Calc>(static_cast<CalcT<S>>(P[I]));
  });
  return R;
}

/// Stores calculation values into a tensor (rounding once to f16/bf16).
template <typename Calc> void fromCalc(const std::vector<Calc> &V, Tensor &T) {
  ir::dispatchElemType(T.elemType(), [&](auto Tag) {
    using S = decltype(Tag);
    S *P = T.data<S>();
    for (size_t I = 0; I < V.size(); ++I) {
      if constexpr (std::is_same_v<S, ir::Half> || std::is_same_v<S, ir::BFloat16>)
        P[I] = S(static_cast<float>(V[I]));
      else
        P[I] = static_cast<S>(V[I]);
    }
  });
}

/// Round half to even, as ONNX quantization and numpy's rint do.
inline double roundHalfEven(double V) { return std::nearbyint(V); }

} // namespace npu::ref
