// Reference kernels of MatMul (numpy batching), Gemm, MatMulInteger and QLinearMatMul, and the f32 GEMM loop.
#include "Kernels.h"

#include <algorithm>

namespace npu::ref {

void gemmF32(int64_t M, int64_t N, int64_t K, const float *A, int64_t Lda, const float *B, int64_t Ldb,
             float *C, int64_t Ldc, bool Accumulate) {
  // Column blocks keep the touched part of B in cache; four rows of A share each load of B.
  constexpr int64_t NB = 512;
  for (int64_t J0 = 0; J0 < N; J0 += NB) {
    int64_t JN = std::min(NB, N - J0);
    int64_t I = 0;
    for (; I + 4 <= M; I += 4) {
      float *__restrict C0 = C + I * Ldc + J0, *__restrict C1 = C0 + Ldc, *__restrict C2 = C1 + Ldc,
                        *__restrict C3 = C2 + Ldc;
      if (!Accumulate)
        for (int64_t J = 0; J < JN; ++J)
          C0[J] = C1[J] = C2[J] = C3[J] = 0.0f;
      for (int64_t P = 0; P < K; ++P) {
        float A0 = A[I * Lda + P], A1 = A[(I + 1) * Lda + P], A2 = A[(I + 2) * Lda + P],
              A3 = A[(I + 3) * Lda + P];
        const float *__restrict BR = B + P * Ldb + J0;
        for (int64_t J = 0; J < JN; ++J) {
          float BV = BR[J];
          C0[J] += A0 * BV;
          C1[J] += A1 * BV;
          C2[J] += A2 * BV;
          C3[J] += A3 * BV;
        }
      }
    }
    for (; I < M; ++I) {
      float *__restrict C0 = C + I * Ldc + J0;
      if (!Accumulate)
        for (int64_t J = 0; J < JN; ++J)
          C0[J] = 0.0f;
      for (int64_t P = 0; P < K; ++P) {
        float A0 = A[I * Lda + P];
        const float *__restrict BR = B + P * Ldb + J0;
        for (int64_t J = 0; J < JN; ++J)
          C0[J] += A0 * BR[J];
      }
    }
  }
}

/// C[M,N] = A[M,K] * B[N,K]^T: dot products of rows, eight partial sums so the loop vectorizes.
void gemmF32TransB(int64_t M, int64_t N, int64_t K, const float *A, const float *B, float *C) {
  for (int64_t I = 0; I < M; ++I)
    for (int64_t J = 0; J < N; ++J) {
      const float *__restrict AR = A + I * K, *__restrict BR = B + J * K;
      float Acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t P = 0;
      for (; P + 8 <= K; P += 8)
        for (int R = 0; R < 8; ++R)
          Acc[R] += AR[P + R] * BR[P + R];
      float Sum = ((Acc[0] + Acc[1]) + (Acc[2] + Acc[3])) + ((Acc[4] + Acc[5]) + (Acc[6] + Acc[7]));
      for (; P < K; ++P)
        Sum += AR[P] * BR[P];
      C[I * N + J] = Sum;
    }
}

namespace {

/// Geometry of a numpy matmul: M, K, N and the batch offsets of A, B and the result.
struct MatMulDims {
  int64_t M, K, N;
  Shape ABatch, BBatch, OutBatch;
};

MatMulDims matMulDims(const Shape &A0, const Shape &B0) {
  Shape A = A0.size() == 1 ? Shape{1, A0[0]} : A0;
  Shape B = B0.size() == 1 ? Shape{B0[0], 1} : B0;
  MatMulDims D{
      A[A.size() - 2], A.back(), B.back(), Shape(A.begin(), A.end() - 2), Shape(B.begin(), B.end() - 2), {}};
  D.OutBatch = *ir::broadcastShapes(D.ABatch, D.BBatch);
  return D;
}

template <typename T> void batchedMatMul(const MatMulDims &D, const T *A, const T *B, T *Y) {
  broadcast2(D.OutBatch, D.ABatch, D.BBatch, [&](int64_t O, int64_t IA, int64_t IB) {
    gemm<T>(D.M, D.N, D.K, A + IA * D.M * D.K, D.K, B + IB * D.K * D.N, D.N, Y + O * D.M * D.N, D.N, false);
  });
}

Status kMatMul(KernelContext &C) {
  MatMulDims D = matMulDims(C.in(0).shape(), C.in(1).shape());
  ElemType E = C.in(0).elemType();
  if (E == ElemType::Float32) {
    batchedMatMul<float>(D, C.in(0).data<float>(), C.in(1).data<float>(), C.out(0).data<float>());
    return Status::ok();
  }
  if (E == ElemType::Float16 || E == ElemType::BFloat16) {
    std::vector<float> A = toCalc<float>(C.in(0)), B = toCalc<float>(C.in(1));
    std::vector<float> Y(static_cast<size_t>(C.out(0).numElements()));
    batchedMatMul<float>(D, A.data(), B.data(), Y.data());
    fromCalc(Y, C.out(0));
    return Status::ok();
  }
  ir::dispatchElemType(E, [&](auto Tag) {
    using T = decltype(Tag);
    if constexpr (std::is_same_v<T, double> || (std::is_integral_v<T> && !std::is_same_v<T, bool>))
      batchedMatMul<T>(D, C.in(0).data<T>(), C.in(1).data<T>(), C.out(0).data<T>());
  });
  return Status::ok();
}

/// Copies a 2-D operand into calculation type, transposed when asked.
template <typename Acc> std::vector<Acc> operand2D(const Tensor &T, bool Transpose) {
  std::vector<Acc> V = toCalc<Acc>(T);
  if (!Transpose)
    return V;
  int64_t R = T.shape()[0], Cc = T.shape()[1];
  std::vector<Acc> Out(V.size());
  for (int64_t I = 0; I < R; ++I)
    for (int64_t J = 0; J < Cc; ++J)
      Out[static_cast<size_t>(J * R + I)] = V[static_cast<size_t>(I * Cc + J)];
  return Out;
}

template <typename Acc> Status gemmOp(KernelContext &C) {
  bool TA = C.N.getInt("transA", 0) != 0, TB = C.N.getInt("transB", 0) != 0;
  Acc Alpha = static_cast<Acc>(C.N.getFloat("alpha", 1.0f)),
      Beta = static_cast<Acc>(C.N.getFloat("beta", 1.0f));
  std::vector<Acc> A = operand2D<Acc>(C.in(0), TA), B = operand2D<Acc>(C.in(1), TB);
  int64_t M = C.out(0).shape()[0], N = C.out(0).shape()[1],
          K = static_cast<int64_t>(A.size()) / std::max<int64_t>(M, 1);
  if (M == 0)
    K = TA ? C.in(0).shape()[0] : C.in(0).shape()[1];
  std::vector<Acc> Y(static_cast<size_t>(M * N));
  gemm<Acc>(M, N, K, A.data(), K, B.data(), N, Y.data(), N, false);
  for (Acc &V : Y)
    V *= Alpha;
  if (C.has(2)) {
    std::vector<Acc> Bias = toCalc<Acc>(C.in(2));
    broadcast1(C.out(0).shape(), C.in(2).shape(), [&](int64_t O, int64_t I) {
      Y[static_cast<size_t>(O)] += Beta * Bias[static_cast<size_t>(I)];
    });
  }
  fromCalc(Y, C.out(0));
  return Status::ok();
}

/// float32 Gemm without copying the (often large) weight operand.
Status gemmF32Op(KernelContext &C) {
  bool TA = C.N.getInt("transA", 0) != 0, TB = C.N.getInt("transB", 0) != 0;
  float Alpha = C.N.getFloat("alpha", 1.0f), Beta = C.N.getFloat("beta", 1.0f);
  int64_t M = C.out(0).shape()[0], N = C.out(0).shape()[1];
  int64_t K = TA ? C.in(0).shape()[0] : C.in(0).shape()[1];
  std::vector<float> ATrans;
  const float *A = C.in(0).data<float>(), *B = C.in(1).data<float>();
  if (TA) {
    ATrans = operand2D<float>(C.in(0), true);
    A = ATrans.data();
  }
  float *Y = C.out(0).data<float>();
  if (TB)
    gemmF32TransB(M, N, K, A, B, Y);
  else
    gemmF32(M, N, K, A, K, B, N, Y, N, false);
  if (Alpha != 1.0f)
    for (int64_t I = 0; I < M * N; ++I)
      Y[I] *= Alpha;
  if (C.has(2)) {
    const float *Bias = C.in(2).data<float>();
    broadcast1(C.out(0).shape(), C.in(2).shape(), [&](int64_t O, int64_t I) { Y[O] += Beta * Bias[I]; });
  }
  return Status::ok();
}

Status kGemm(KernelContext &C) {
  ElemType E = C.in(0).elemType();
  if (E == ElemType::Float32)
    return gemmF32Op(C);
  if (E == ElemType::Float64)
    return gemmOp<double>(C);
  if (ir::isFloatType(E))
    return gemmOp<float>(C);
  return gemmOp<int64_t>(C);
}

/// (A - a_zp) x (B - b_zp) in int32; a_zp may be per row of A, b_zp per column of B.
Expected<std::vector<int32_t>> integerMatMul(KernelContext &C, size_t AI, size_t AZ, size_t BI, size_t BZ,
                                             MatMulDims &D) {
  const Tensor &A = C.in(AI), &B = C.in(BI);
  D = matMulDims(A.shape(), B.shape());
  const Tensor *AZp = C.has(AZ) ? &C.in(AZ) : nullptr, *BZp = C.has(BZ) ? &C.in(BZ) : nullptr;
  if ((AZp && AZp->numElements() != 1 && AZp->numElements() != D.M) ||
      (BZp && BZp->numElements() != 1 && BZp->numElements() != D.N))
    return makeError("zero points must be scalars, per row of A or per column of B");
  std::vector<int32_t> A32(static_cast<size_t>(A.numElements())), B32(static_cast<size_t>(B.numElements()));
  for (int64_t I = 0; I < A.numElements(); ++I) {
    int64_t Z = AZp ? AZp->getInt64(AZp->numElements() == 1 ? 0 : (I / D.K) % D.M) : 0;
    A32[static_cast<size_t>(I)] = static_cast<int32_t>(A.getInt64(I) - Z);
  }
  for (int64_t I = 0; I < B.numElements(); ++I) {
    int64_t Z = BZp ? BZp->getInt64(BZp->numElements() == 1 ? 0 : I % D.N) : 0;
    B32[static_cast<size_t>(I)] = static_cast<int32_t>(B.getInt64(I) - Z);
  }
  std::vector<int32_t> Y(static_cast<size_t>(ir::shapeNumElements(D.OutBatch) * D.M * D.N));
  batchedMatMul<int32_t>(D, A32.data(), B32.data(), Y.data());
  return Y;
}

Status kMatMulInteger(KernelContext &C) {
  MatMulDims D;
  auto Y = integerMatMul(C, 0, 2, 1, 3, D);
  if (!Y)
    return Y.error();
  std::copy(Y->begin(), Y->end(), C.out(0).data<int32_t>());
  return Status::ok();
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

Status kQLinearMatMul(KernelContext &C) {
  // Inputs: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp.
  MatMulDims D;
  auto Acc = integerMatMul(C, 0, 2, 3, 5, D);
  if (!Acc)
    return Acc.error();
  for (size_t S : {1, 4, 6})
    if (C.in(S).numElements() != 1)
      return makeError("unsupported: QLinearMatMul with per-axis scales");
  // The multiplier is formed in the scales' precision, as the ONNX reference does.
  ElemType SE = C.in(1).elemType();
  double Mult =
      roundToType(roundToType(C.in(1).getDouble(0) * C.in(4).getDouble(0), SE) / C.in(6).getDouble(0), SE);
  double YZ = C.has(7) ? C.in(7).getDouble(0) : 0.0;
  ElemType YT = C.out(0).elemType();
  double Lo = static_cast<double>(ir::integerTypeMin(YT)), Hi = static_cast<double>(ir::integerTypeMax(YT));
  for (int64_t I = 0; I < C.out(0).numElements(); ++I)
    C.out(0).setDouble(
        I,
        std::clamp(roundHalfEven(static_cast<double>((*Acc)[static_cast<size_t>(I)]) * Mult) + YZ, Lo, Hi));
  return Status::ok();
}

} // namespace

void addMatMulKernels(KernelTable &T) {
  T["MatMul"] = kMatMul;
  T["Gemm"] = kGemm;
  T["MatMulInteger"] = kMatMulInteger;
  T["QLinearMatMul"] = kQLinearMatMul;
}

} // namespace npu::ref
