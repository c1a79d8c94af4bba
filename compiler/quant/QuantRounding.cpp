// GPTQ rounding of conv / matmul weights from their inputs' second moments on the calibration sets
// (QuantRounding.h).
#include "QuantRounding.h"

#include "npu/compiler/ops/FixedPoint.h"
#include "npu/compiler/ops/OpHelpers.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <cmath>

namespace npu::passes {

using namespace ir;

namespace {

/// The window of a conv node with 1 or 2 spatial dims, as 2-D (a 1-D conv has height 1).
struct Conv2D {
  int64_t C = 0, H = 1, W = 1, Groups = 1, KH = 1, KW = 1, SH = 1, SW = 1, DH = 1, DW = 1, PT = 0, PL = 0;
  int64_t OH = 1, OW = 1;
};

std::optional<Conv2D> convWindow(const Graph &G, const Node &N) {
  const Shape &X = G.type(N.Inputs[0]).Dims;
  const Value &Wv = G.value(N.Inputs[1]);
  if ((X.size() != 3 && X.size() != 4) || !Wv.Data || Wv.Data->rank() != int64_t(X.size()))
    return std::nullopt;
  const Shape Sp(X.begin() + 2, X.end()), Kernel(Wv.Data->shape().begin() + 2, Wv.Data->shape().end());
  auto Win = resolveWindow(N, Sp, Kernel, false);
  if (!Win)
    return std::nullopt;
  Conv2D C;
  C.C = X[1], C.Groups = N.getInt("group", 1);
  const size_t L = Sp.size() - 1; // the width dim
  C.W = Sp[L], C.KW = Kernel[L], C.SW = Win->Strides[L], C.DW = Win->Dilations[L], C.PL = Win->PadsBegin[L];
  C.OW = Win->OutSpatial[L];
  if (L == 1)
    C.H = Sp[0], C.KH = Kernel[0], C.SH = Win->Strides[0], C.DH = Win->Dilations[0], C.PT = Win->PadsBegin[0],
    C.OH = Win->OutSpatial[0];
  if (C.Groups <= 0 || C.C % C.Groups != 0)
    return std::nullopt;
  return C;
}

/// H += v v^T (upper triangle; mirrored at the end).
void addOuter(std::vector<double> &H, const std::vector<double> &V, int64_t K, size_t Base) {
  for (int64_t I = 0; I < K; ++I) {
    const double A = V[size_t(I)];
    if (A == 0)
      continue;
    double *Row = H.data() + Base + size_t(I * K);
    for (int64_t J = I; J < K; ++J)
      Row[J] += A * V[size_t(J)];
  }
}

void accumulateConv(InputMoments &M, const Conv2D &C, const Tensor &X) {
  const int64_t Cg = C.C / C.Groups, K = M.K, Batch = X.shape()[0];
  std::vector<double> P(static_cast<size_t>(K));
  for (int64_t N = 0; N < Batch; ++N)
    for (int64_t G = 0; G < C.Groups; ++G)
      for (int64_t Oy = 0; Oy < C.OH; ++Oy)
        for (int64_t Ox = 0; Ox < C.OW; ++Ox) {
          size_t I = 0; // the weight layout [Cg, KH, KW] of one output channel
          for (int64_t Ci = 0; Ci < Cg; ++Ci)
            for (int64_t Ky = 0; Ky < C.KH; ++Ky)
              for (int64_t Kx = 0; Kx < C.KW; ++Kx, ++I) {
                const int64_t Y = Oy * C.SH - C.PT + Ky * C.DH, Xp = Ox * C.SW - C.PL + Kx * C.DW;
                P[I] = Y < 0 || Y >= C.H || Xp < 0 || Xp >= C.W
                           ? 0.0
                           : X.getDouble(((N * C.C + G * Cg + Ci) * C.H + Y) * C.W + Xp);
              }
          addOuter(M.H, P, K, size_t(G * K * K));
        }
}

void accumulateRows(InputMoments &M, const Tensor &X) {
  const int64_t K = M.K, Rows = X.numElements() / K;
  std::vector<double> P(static_cast<size_t>(K));
  for (int64_t R = 0; R < Rows; ++R) {
    for (int64_t I = 0; I < K; ++I)
      P[size_t(I)] = X.getDouble(R * K + I);
    addOuter(M.H, P, K, 0);
  }
}

/// In-place lower Cholesky factor of the K x K symmetric positive definite A (false when it is not).
bool cholesky(std::vector<double> &A, int64_t K) {
  for (int64_t J = 0; J < K; ++J) {
    double D = A[size_t(J * K + J)];
    for (int64_t P = 0; P < J; ++P)
      D -= A[size_t(J * K + P)] * A[size_t(J * K + P)];
    if (!(D > 0))
      return false;
    const double L = std::sqrt(D);
    A[size_t(J * K + J)] = L;
    for (int64_t I = J + 1; I < K; ++I) {
      double S = A[size_t(I * K + J)];
      for (int64_t P = 0; P < J; ++P)
        S -= A[size_t(I * K + P)] * A[size_t(J * K + P)];
      A[size_t(I * K + J)] = S / L;
    }
    for (int64_t P = J + 1; P < K; ++P)
      A[size_t(J * K + P)] = 0;
  }
  return true;
}

/// The upper factor U of inverse(H) = U^T U, H damped by 1% of its mean diagonal (GPTQ's choice) and inputs that
/// never vary given a unit diagonal (their weights get no feedback). Empty when H is not positive definite.
std::vector<double> inverseFactor(std::vector<double> H, int64_t K) {
  double Mean = 0;
  for (int64_t I = 0; I < K; ++I)
    Mean += H[size_t(I * K + I)] / double(K);
  for (int64_t I = 0; I < K; ++I) {
    double &D = H[size_t(I * K + I)];
    if (D <= 0) {
      D = 1;
      for (int64_t J = 0; J < K; ++J)
        if (J != I)
          H[size_t(I * K + J)] = H[size_t(J * K + I)] = 0;
    }
    D += 0.01 * (Mean > 0 ? Mean : 1);
  }
  if (!cholesky(H, K))
    return {};
  // inverse(H) = L^-T L^-1: invert the lower L column by column, then form the product.
  std::vector<double> Li(size_t(K * K), 0.0);
  for (int64_t C = 0; C < K; ++C) {
    Li[size_t(C * K + C)] = 1 / H[size_t(C * K + C)];
    for (int64_t I = C + 1; I < K; ++I) {
      double S = 0;
      for (int64_t P = C; P < I; ++P)
        S += H[size_t(I * K + P)] * Li[size_t(P * K + C)];
      Li[size_t(I * K + C)] = -S / H[size_t(I * K + I)];
    }
  }
  std::vector<double> Inv(size_t(K * K), 0.0);
  for (int64_t I = 0; I < K; ++I)
    for (int64_t J = 0; J <= I; ++J) {
      double S = 0;
      for (int64_t P = I; P < K; ++P)
        S += Li[size_t(P * K + I)] * Li[size_t(P * K + J)];
      Inv[size_t(I * K + J)] = Inv[size_t(J * K + I)] = S;
    }
  if (!cholesky(Inv, K))
    return {};
  // U = L2^T: U[i][j] = L2[j][i].
  std::vector<double> U(size_t(K * K), 0.0);
  for (int64_t I = 0; I < K; ++I)
    for (int64_t J = I; J < K; ++J)
      U[size_t(I * K + J)] = Inv[size_t(J * K + I)];
  return U;
}

} // namespace

Expected<std::map<size_t, InputMoments>> collectInputMoments(const Graph &G, const std::vector<CalibSet> &Sets) {
  std::map<size_t, InputMoments> Out;
  std::map<size_t, Conv2D> Convs;
  std::map<ValueId, std::vector<size_t>> Readers; // input value -> the nodes whose moments it feeds
  for (size_t I = 0; I < G.nodes().size(); ++I) {
    const Node &N = G.nodes()[I];
    if (N.Inputs.size() < 2 || N.Inputs[0] == NoValue || N.Inputs[1] == NoValue || !G.value(N.Inputs[1]).Data ||
        G.type(N.Inputs[0]).Elem != ElemType::Float32)
      continue;
    const Tensor &W = *G.value(N.Inputs[1]).Data;
    InputMoments M;
    if (N.OpType == "Conv" || N.OpType == "npu.FusedConv") {
      auto C = convWindow(G, N);
      if (!C)
        continue;
      M.Groups = C->Groups, M.K = (C->C / C->Groups) * C->KH * C->KW;
      Convs[I] = *C;
    } else if (N.OpType == "MatMul" || N.OpType == "Gemm" || N.OpType == "npu.FusedGemm") {
      const bool TransA = N.getInt("transA", 0) != 0, TransB = N.getInt("transB", 0) != 0;
      if (TransA || W.rank() != 2)
        continue;
      M.K = TransB ? W.shape()[1] : W.shape()[0];
      if (G.type(N.Inputs[0]).Dims.empty() || G.type(N.Inputs[0]).Dims.back() != M.K)
        continue;
    } else {
      continue;
    }
    if (M.K <= 0 || M.K > 4096)
      continue; // a K x K factorization per group: bounded work
    M.H.assign(size_t(M.Groups * M.K * M.K), 0.0);
    Out[I] = std::move(M);
    Readers[N.Inputs[0]].push_back(I);
  }
  for (const CalibSet &S : Sets)
    NPU_TRY(runObserved(G, S.Inputs, [&](ValueId V, const Tensor &T) {
      auto It = Readers.find(V);
      if (It == Readers.end())
        return;
      for (size_t I : It->second) {
        auto C = Convs.find(I);
        if (C != Convs.end())
          accumulateConv(Out[I], C->second, T);
        else
          accumulateRows(Out[I], T);
      }
    }));
  for (auto &[I, M] : Out) // mirror the upper triangles
    for (int64_t G0 = 0; G0 < M.Groups; ++G0)
      for (int64_t R = 0; R < M.K; ++R)
        for (int64_t C = 0; C < R; ++C)
          M.H[size_t((G0 * M.K + R) * M.K + C)] = M.H[size_t((G0 * M.K + C) * M.K + R)];
  return Out;
}

void roundWithMoments(const Tensor &W, int64_t Channels, bool ChannelIsLastDim, int Bits, const InputMoments &M,
                      QuantizedWeights &Q) {
  const int64_t K = M.K, Max = (int64_t(1) << (Bits - 1)) - 1;
  if (Channels <= 0 || W.numElements() != Channels * K || Channels % M.Groups != 0)
    return; // not the layout the moments describe: keep nearest rounding
  const int64_t PerGroup = Channels / M.Groups;
  auto Index = [&](int64_t O, int64_t I) { return ChannelIsLastDim ? I * Channels + O : O * K + I; };
  std::vector<double> Row(static_cast<size_t>(K));
  std::vector<int64_t> Order(static_cast<size_t>(K));
  for (int64_t G = 0; G < M.Groups; ++G) {
    // GPTQ's "act order": the inputs with the largest second moment first, so their weights are rounded while
    // the most other weights can still absorb the error.
    const double *Hg = M.H.data() + G * K * K;
    for (int64_t I = 0; I < K; ++I)
      Order[size_t(I)] = I;
    std::stable_sort(Order.begin(), Order.end(),
                     [&](int64_t A, int64_t B) { return Hg[A * K + A] > Hg[B * K + B]; });
    std::vector<double> Hp(size_t(K * K));
    for (int64_t I = 0; I < K; ++I)
      for (int64_t J = 0; J < K; ++J)
        Hp[size_t(I * K + J)] = Hg[Order[size_t(I)] * K + Order[size_t(J)]];
    const std::vector<double> U = inverseFactor(std::move(Hp), K);
    if (U.empty())
      continue;
    for (int64_t O = G * PerGroup; O < (G + 1) * PerGroup; ++O) {
      const double S = Q.Scales[size_t(O)];
      for (int64_t I = 0; I < K; ++I)
        Row[size_t(I)] = W.getDouble(Index(O, Order[size_t(I)]));
      for (int64_t I = 0; I < K; ++I) {
        const int64_t V = quant::quantizeValue(Row[size_t(I)], S, -Max, Max);
        Q.Data.data<int8_t>()[Index(O, Order[size_t(I)])] = int8_t(V);
        const double Err = (Row[size_t(I)] - double(V) * S) / U[size_t(I * K + I)];
        for (int64_t J = I + 1; J < K; ++J)
          Row[size_t(J)] -= Err * U[size_t(I * K + J)];
      }
    }
  }
}

} // namespace npu::passes
