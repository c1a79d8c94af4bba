// Reference kernels of npu.QAdd, QMul, QLeakyRelu, QLut, QAvgPool, QGlobalAvgPool, MaxPool and Requantize
// (plain and blocked).
#include "NpuKernels.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <limits>

namespace npu::ref {

namespace {

/// t = (A - a_zp) * Ma + (B - b_zp) * Mb stays inside int32 (the multipliers are below 2^(30 - bits) for
/// bits-wide operands), then one requant by 1.
template <typename T> Status kQAddT(KernelContext &C) {
  const ir::Node &N = C.N;
  const int64_t Ma = N.getInt("a_multiplier", 0), Mb = N.getInt("b_multiplier", 0);
  const int64_t AZp = N.getInt("a_zero_point", 0), BZp = N.getInt("b_zero_point", 0);
  RequantParams P = requantParams(N, C.out(0).elemType());
  P.M = {1};
  const T *A = C.in(0).data<T>(), *B = C.in(1).data<T>();
  T *Y = C.out(0).data<T>();
  broadcast2(C.out(0).shape(), C.in(0).shape(), C.in(1).shape(), [&](int64_t O, int64_t IA, int64_t IB) {
    const int64_t V = (int64_t(A[IA]) - AZp) * Ma + (int64_t(B[IB]) - BZp) * Mb;
    Y[O] = T(P.apply(wrapInt32(V), 0));
  });
  return Status::ok();
}

/// t = (A - a_zp) * (B - b_zp) (|t| <= 255 * 255 for int8, <= 2^30 for int16 with zero points 0: exact in
/// int32), then one requant by the multiplier.
template <typename T> Status kQMulT(KernelContext &C) {
  const ir::Node &N = C.N;
  const int64_t AZp = N.getInt("a_zero_point", 0), BZp = N.getInt("b_zero_point", 0);
  const RequantParams P = requantParams(N, C.out(0).elemType());
  const T *A = C.in(0).data<T>(), *B = C.in(1).data<T>();
  T *Y = C.out(0).data<T>();
  broadcast2(C.out(0).shape(), C.in(0).shape(), C.in(1).shape(), [&](int64_t O, int64_t IA, int64_t IB) {
    Y[O] = T(P.apply(wrapInt32((int64_t(A[IA]) - AZp) * (int64_t(B[IB]) - BZp)), 0));
  });
  return Status::ok();
}

/// t = max(X - x_zp, 0) * Mp + min(X - x_zp, 0) * Mn (inside int32: |M| < 2^(30 - bits)), then one requant
/// by 1.
template <typename T> Status kQLeakyReluT(KernelContext &C) {
  const ir::Node &N = C.N;
  const int64_t Mp = N.getInt("pos_multiplier", 0), Mn = N.getInt("neg_multiplier", 0);
  const int64_t XZp = N.getInt("x_zero_point", 0);
  RequantParams P = requantParams(N, C.out(0).elemType());
  P.M = {1};
  const T *X = C.in(0).data<T>();
  T *Y = C.out(0).data<T>();
  for (int64_t I = 0; I < C.out(0).numElements(); ++I) {
    const int64_t D = int64_t(X[I]) - XZp;
    Y[I] = T(P.apply(wrapInt32(std::max<int64_t>(D, 0) * Mp + std::min<int64_t>(D, 0) * Mn), 0));
  }
  return Status::ok();
}

/// y = table[x + 128]: the lookup table the NPU's alu.lut applies (int8 only).
Status kQLut(KernelContext &C) {
  const std::vector<int64_t> Table = C.N.getInts("table");
  const int8_t *X = C.in(0).data<int8_t>();
  int8_t *Y = C.out(0).data<int8_t>();
  for (int64_t I = 0; I < C.out(0).numElements(); ++I)
    Y[I] = int8_t(Table[size_t(int64_t(X[I]) + 128)]);
  return Status::ok();
}

/// Sum (avg pools) or maximum (npu.MaxPool) over the window taps inside the input, per (n, c, position).
template <typename T, typename F> Status poolLoop(KernelContext &C, bool Global, F &&Reduce) {
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
  const T *XD = X.data<T>();
  T *YD = C.out(0).data<T>();
  for (int64_t N = 0; N < Batch; ++N)
    for (int64_t Ch = 0; Ch < XV.C; ++Ch)
      for (int64_t P = 0; P < int64_t(Taps.size()); ++P)
        YD[YV.at(N, Ch, P)] =
            T(Reduce(Taps[size_t(P)], [&](int64_t S) { return int64_t(XD[XV.at(N, Ch, S)]); }));
  return Status::ok();
}

template <typename T> Status kQAvgPoolT(KernelContext &C, bool Global) {
  const RequantParams P = requantParams(C.N, C.out(0).elemType());
  const int64_t XZp = C.N.getInt("x_zero_point", 0);
  return poolLoop<T>(C, Global, [&](const std::vector<Tap> &Taps, auto &&Get) {
    int64_t Acc = 0;
    for (const Tap &Tp : Taps)
      Acc += Get(Tp.second) - XZp;
    return P.apply(wrapInt32(Acc), 0);
  });
}

/// The maximum of the taps inside the image; a window with none gives the type's minimum (the identity).
template <typename T> Status kMaxPoolT(KernelContext &C) {
  return poolLoop<T>(C, false, [&](const std::vector<Tap> &Taps, auto &&Get) {
    int64_t Best = std::numeric_limits<T>::min();
    for (const Tap &Tp : Taps)
      Best = std::max(Best, Get(Tp.second));
    return Best;
  });
}

Status kRequantize(KernelContext &C) {
  const ir::ElemType YT = C.out(0).elemType();
  // The activation range defaults to the output type's (uint8, int16 too).
  const RequantParams P = requantParams(C.N, YT);
  const int64_t XZp = C.N.getInt("x_zero_point", 0), Lo = P.Lo, Hi = P.Hi;
  const Tensor &X = C.in(0);
  Tensor &Y = C.out(0);
  for (int64_t I = 0; I < X.numElements(); ++I) {
    const int64_t V = wrapInt32(X.getInt64(I) - XZp);
    Y.setDouble(I, double(quant::requantizeTo(V, P.M[0], P.Shift, P.YZp, P.ActMin, P.ActMax, Lo, Hi)));
  }
  return Status::ok();
}

} // namespace

/// A kernel that runs Call with T the C++ type of input 0's activation type (int8_t or int16_t).
#define NPU_ON_ACT_TYPE(Call)                                                                                   \
  [](KernelContext &C) {                                                                                       \
    return withActType(C.in(0).elemType(), [&](auto E) {                                                       \
      using T = decltype(E);                                                                                   \
      return Call;                                                                                             \
    });                                                                                                        \
  }

void addNpuPoolKernels(KernelTable &T) {
  T["npu.QAdd"] = NPU_ON_ACT_TYPE(kQAddT<T>(C));
  T["npu.QMul"] = NPU_ON_ACT_TYPE(kQMulT<T>(C));
  T["npu.QLeakyRelu"] = NPU_ON_ACT_TYPE(kQLeakyReluT<T>(C));
  T["npu.QLut"] = kQLut;
  T["npu.QAvgPool"] = NPU_ON_ACT_TYPE(kQAvgPoolT<T>(C, false));
  T["npu.QGlobalAvgPool"] = NPU_ON_ACT_TYPE(kQAvgPoolT<T>(C, true));
  T["npu.MaxPool"] = NPU_ON_ACT_TYPE(kMaxPoolT<T>(C));
  T["npu.Requantize"] = kRequantize;
}

#undef NPU_ON_ACT_TYPE

} // namespace npu::ref
