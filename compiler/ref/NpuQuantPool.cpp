// Reference kernels of npu.QAdd, QMul, QLeakyRelu, QAvgPool, QGlobalAvgPool, MaxPool and Requantize
// (plain and blocked).
#include "NpuKernels.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>

namespace npu::ref {

namespace {

/// t = (A - a_zp) * Ma + (B - b_zp) * Mb stays inside int32 (the multipliers are < 2^22), then one requant
/// by 1.
Status kQAdd(KernelContext &C) {
  const ir::Node &N = C.N;
  const int64_t Ma = N.getInt("a_multiplier", 0), Mb = N.getInt("b_multiplier", 0);
  const int64_t AZp = N.getInt("a_zero_point", 0), BZp = N.getInt("b_zero_point", 0);
  RequantParams P = requantParams(N);
  P.M = {1};
  const int8_t *A = C.in(0).data<int8_t>(), *B = C.in(1).data<int8_t>();
  int8_t *Y = C.out(0).data<int8_t>();
  broadcast2(C.out(0).shape(), C.in(0).shape(), C.in(1).shape(), [&](int64_t O, int64_t IA, int64_t IB) {
    const int64_t T = (int64_t(A[IA]) - AZp) * Ma + (int64_t(B[IB]) - BZp) * Mb;
    Y[O] = P.apply(wrapInt32(T), 0);
  });
  return Status::ok();
}

/// t = (A - a_zp) * (B - b_zp) (|t| <= 255 * 255: exact in int32), then one requant by the multiplier.
Status kQMul(KernelContext &C) {
  const ir::Node &N = C.N;
  const int64_t AZp = N.getInt("a_zero_point", 0), BZp = N.getInt("b_zero_point", 0);
  const RequantParams P = requantParams(N);
  const int8_t *A = C.in(0).data<int8_t>(), *B = C.in(1).data<int8_t>();
  int8_t *Y = C.out(0).data<int8_t>();
  broadcast2(C.out(0).shape(), C.in(0).shape(), C.in(1).shape(), [&](int64_t O, int64_t IA, int64_t IB) {
    Y[O] = P.apply((int64_t(A[IA]) - AZp) * (int64_t(B[IB]) - BZp), 0);
  });
  return Status::ok();
}

/// t = max(X - x_zp, 0) * Mp + min(X - x_zp, 0) * Mn (inside int32: |M| < 2^22), then one requant by 1.
Status kQLeakyRelu(KernelContext &C) {
  const ir::Node &N = C.N;
  const int64_t Mp = N.getInt("pos_multiplier", 0), Mn = N.getInt("neg_multiplier", 0);
  const int64_t XZp = N.getInt("x_zero_point", 0);
  RequantParams P = requantParams(N);
  P.M = {1};
  const int8_t *X = C.in(0).data<int8_t>();
  int8_t *Y = C.out(0).data<int8_t>();
  for (int64_t I = 0; I < C.out(0).numElements(); ++I) {
    const int64_t D = int64_t(X[I]) - XZp;
    Y[I] = P.apply(wrapInt32(std::max<int64_t>(D, 0) * Mp + std::min<int64_t>(D, 0) * Mn), 0);
  }
  return Status::ok();
}

/// Sum (avg pools) or maximum (npu.MaxPool) over the window taps inside the input, per (n, c, position).
template <typename F> Status poolLoop(KernelContext &C, bool Global, F &&Reduce) {
  bool Blocked = ir::isBlockedNode(C.N);
  const Tensor &X = C.in(0);
  NPU_ASSIGN(ActView XV, actView(X.shape(), Blocked));
  NPU_ASSIGN(ActView YV, actView(C.out(0).shape(), Blocked));
  Shape InSp = Blocked ? XV.B.Spatial : Shape(X.shape().begin() + 2, X.shape().end());
  std::vector<std::vector<Tap>> Taps;
  if (Global) {
    Taps.resize(1);
    for (int64_t S = 0; S < XV.Size; ++S)
      Taps[0].push_back({S, S});
  } else {
    NPU_ASSIGN(ir::WindowGeometry Geo,
               ir::resolveWindow(C.N, InSp, C.N.getInts("kernel_shape"), C.N.getInt("ceil_mode", 0) != 0));
    Taps = windowTaps(Geo, InSp);
  }
  const int64_t Batch = Blocked ? XV.B.batch() : X.shape()[0];
  const int8_t *XD = X.data<int8_t>();
  int8_t *YD = C.out(0).data<int8_t>();
  for (int64_t N = 0; N < Batch; ++N)
    for (int64_t Ch = 0; Ch < XV.C; ++Ch)
      for (int64_t P = 0; P < int64_t(Taps.size()); ++P)
        YD[YV.at(N, Ch, P)] =
            Reduce(Taps[size_t(P)], [&](int64_t S) { return int64_t(XD[XV.at(N, Ch, S)]); });
  return Status::ok();
}

Status kQAvgPool(KernelContext &C, bool Global) {
  const RequantParams P = requantParams(C.N);
  const int64_t XZp = C.N.getInt("x_zero_point", 0);
  return poolLoop(C, Global, [&](const std::vector<Tap> &Taps, auto &&Get) {
    int64_t Acc = 0;
    for (const Tap &T : Taps)
      Acc += Get(T.second) - XZp;
    return P.apply(wrapInt32(Acc), 0);
  });
}

Status kMaxPool(KernelContext &C) {
  return poolLoop(C, false, [&](const std::vector<Tap> &Taps, auto &&Get) {
    int64_t Best = -128;
    for (const Tap &T : Taps)
      Best = std::max(Best, Get(T.second));
    return int8_t(Best);
  });
}

Status kRequantize(KernelContext &C) {
  RequantParams P = requantParams(C.N);
  const int64_t XZp = C.N.getInt("x_zero_point", 0);
  const ir::ElemType YT = C.out(0).elemType();
  const int64_t Lo = ir::integerTypeMin(YT), Hi = ir::integerTypeMax(YT);
  P.ActMin = C.N.getInt("act_min", Lo); // the activation range defaults to the output type's (uint8 too)
  P.ActMax = C.N.getInt("act_max", Hi);
  const Tensor &X = C.in(0);
  Tensor &Y = C.out(0);
  for (int64_t I = 0; I < X.numElements(); ++I) {
    const int64_t V = wrapInt32(X.getInt64(I) - XZp);
    Y.setDouble(I, double(quant::requantizeTo(V, P.M[0], P.Shift, P.YZp, P.ActMin, P.ActMax, Lo, Hi)));
  }
  return Status::ok();
}

} // namespace

void addNpuPoolKernels(KernelTable &T) {
  T["npu.QAdd"] = kQAdd;
  T["npu.QMul"] = kQMul;
  T["npu.QLeakyRelu"] = kQLeakyRelu;
  T["npu.QAvgPool"] = [](KernelContext &C) { return kQAvgPool(C, false); };
  T["npu.QGlobalAvgPool"] = [](KernelContext &C) { return kQAvgPool(C, true); };
  T["npu.MaxPool"] = kMaxPool;
  T["npu.Requantize"] = kRequantize;
}

} // namespace npu::ref
