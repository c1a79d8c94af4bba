// Reference kernels of npu.QConv and npu.QMatMul (plain and blocked), from docs/quantization.md's formulas.
// Int32 accumulation of int8 weights times int8 or int16 activations, then the ALU requant.
#include "NpuKernels.h"
#include "npu/compiler/support/Try.h"

namespace npu::ref {

std::vector<std::vector<Tap>> windowTaps(const ir::WindowGeometry &G, const Shape &InSp) {
  size_t R = InSp.size();
  int64_t KSize = ir::shapeNumElements(G.Kernel), OutSize = ir::shapeNumElements(G.OutSpatial);
  Shape InStr = ir::stridesOf(InSp), OIdx(R, 0), KIdx(R, 0);
  std::vector<std::vector<Tap>> Taps(static_cast<size_t>(OutSize));
  for (int64_t O = 0; O < OutSize; ++O) {
    for (int64_t K = 0; K < KSize; ++K) {
      for (int64_t Rem = K, D = int64_t(R) - 1; D >= 0; --D) {
        KIdx[size_t(D)] = Rem % G.Kernel[size_t(D)];
        Rem /= G.Kernel[size_t(D)];
      }
      bool In = true;
      int64_t Off = 0;
      for (size_t D = 0; D < R; ++D) {
        int64_t I = OIdx[D] * G.Strides[D] - G.PadsBegin[D] + KIdx[D] * G.Dilations[D];
        In &= I >= 0 && I < InSp[D];
        Off += I * InStr[D];
      }
      if (In)
        Taps[size_t(O)].push_back({K, Off});
    }
    for (size_t D = R; D-- > 0;) {
      if (++OIdx[D] < G.OutSpatial[D])
        break;
      OIdx[D] = 0;
    }
  }
  return Taps;
}

Expected<ActView> actView(const Shape &Dims, bool Blocked) {
  ActView V;
  V.Blocked = Blocked;
  if (Blocked) {
    NPU_ASSIGN(V.B, ir::decodeBlocked(Dims));
    V.C = V.B.channels();
    V.Size = V.B.spatialSize();
    return V;
  }
  if (Dims.size() < 2)
    return makeError("expected a [N, C, ...] tensor, got ", ir::formatShape(Dims));
  V.C = Dims[1];
  V.Size = ir::shapeNumElements(Shape(Dims.begin() + 2, Dims.end()));
  return V;
}

namespace {

/// Bias (int32) of output channel O, or 0.
int64_t biasAt(const KernelContext &C, size_t I, int64_t O) {
  return C.has(I) ? C.in(I).data<int32_t>()[O] : 0;
}

/// Stores one result: int8/int16 after requantization, or the raw int32 accumulator when there is no
/// multiplier.
struct ResultWriter {
  RequantParams P;
  bool Raw;
  Tensor &Y;
  ResultWriter(const ir::Node &N, Tensor &Y)
      : P(requantParams(N, Y.elemType())), Raw(!N.findAttr("multiplier")), Y(Y) {}
  void put(int64_t Off, int64_t Acc, int64_t Channel) {
    int32_t A = wrapInt32(Acc);
    if (Raw)
      Y.data<int32_t>()[Off] = A;
    else if (Y.elemType() == ir::ElemType::Int16)
      Y.data<int16_t>()[Off] = int16_t(P.apply(A, Channel));
    else
      Y.data<int8_t>()[Off] = int8_t(P.apply(A, Channel));
  }
};

template <typename TX> Status kQConvT(KernelContext &C) {
  bool Blocked = ir::isBlockedNode(C.N);
  const Tensor &X = C.in(0), &W = C.in(1);
  NPU_ASSIGN(ActView XV, actView(X.shape(), Blocked));
  NPU_ASSIGN(ActView YV, actView(C.out(0).shape(), Blocked));
  // The weights [O, C/G, k...] read like an activation tensor with N = O (blocked: [O/bo, C/bi, k..., bo,
  // bi]).
  NPU_ASSIGN(ActView WV, actView(W.shape(), Blocked));
  Shape InSp = Blocked ? XV.B.Spatial : Shape(X.shape().begin() + 2, X.shape().end());
  Shape KSp = Blocked ? WV.B.Spatial : Shape(W.shape().begin() + 2, W.shape().end());
  NPU_ASSIGN(ir::WindowGeometry Geo, ir::resolveWindow(C.N, InSp, KSp, false));
  const std::vector<std::vector<Tap>> Taps = windowTaps(Geo, InSp);
  const int64_t Batch = Blocked ? XV.B.batch() : X.shape()[0];
  // Blocked weights are dense over all input channels (zero outside a grouped conv's groups).
  const int64_t O = YV.C, G = Blocked ? 1 : C.N.getInt("group", 1), Cg = WV.C, Og = O / G;
  const int64_t KSize = ir::shapeNumElements(KSp), Out = int64_t(Taps.size()), Rows = Cg * KSize;
  const int64_t XZp = C.N.getInt("x_zero_point", 0);
  const TX *XD = X.data<TX>();
  const int8_t *WD = W.data<int8_t>();
  ResultWriter Res(C.N, C.out(0));
  // acc[o][p] = B[o] + sum over rows r = (c, tap) of W[o][r] * Col[r][p], Col[r][p] = X - x_zp at the tap's
  // input position, 0 where the tap falls in the padding. Sums are formed modulo 2^32 (uint32), which is
  // exactly the NPU's wrapping int32 accumulator.
  std::vector<int64_t> TapAt(size_t(KSize * Out), -1); // [tap][p] -> input spatial offset, -1 in the padding
  for (int64_t P = 0; P < Out; ++P)
    for (const Tap &T : Taps[size_t(P)])
      TapAt[size_t(T.first * Out + P)] = T.second;
  std::vector<int32_t> Col(size_t(Rows * Out)), Wm(size_t(O * Rows));
  std::vector<uint32_t> Acc(static_cast<size_t>(Out));
  for (int64_t M = 0; M < O; ++M)
    for (int64_t Ci = 0; Ci < Cg; ++Ci)
      for (int64_t K = 0; K < KSize; ++K)
        Wm[size_t(M * Rows + Ci * KSize + K)] = WD[WV.at(M, Ci, K)];
  for (int64_t N = 0; N < Batch; ++N)
    for (int64_t Grp = 0; Grp < G; ++Grp) {
      for (int64_t Ci = 0; Ci < Cg; ++Ci)
        for (int64_t K = 0; K < KSize; ++K)
          for (int64_t P = 0; P < Out; ++P) {
            int64_t S = TapAt[size_t(K * Out + P)];
            Col[size_t((Ci * KSize + K) * Out + P)] =
                S < 0 ? 0 : int32_t(XD[XV.at(N, Grp * Cg + Ci, S)]) - int32_t(XZp);
          }
      for (int64_t M = Grp * Og; M < (Grp + 1) * Og; ++M) {
        std::fill(Acc.begin(), Acc.end(), uint32_t(biasAt(C, 2, M)));
        for (int64_t R = 0; R < Rows; ++R) {
          const uint32_t Wv = uint32_t(Wm[size_t(M * Rows + R)]);
          const int32_t *ColR = Col.data() + R * Out;
          if (Wv != 0)
            for (int64_t P = 0; P < Out; ++P)
              Acc[size_t(P)] += Wv * uint32_t(ColR[P]);
        }
        for (int64_t P = 0; P < Out; ++P)
          Res.put(YV.at(N, M, P), int64_t(int32_t(Acc[size_t(P)])), M);
      }
    }
  return Status::ok();
}

Status kQConv(KernelContext &C) {
  return withActType(C.in(0).elemType(), [&](auto T) { return kQConvT<decltype(T)>(C); });
}

/// X [..., K] as rows (plain) or [M/n, K/bi, n, bi] (blocked), and likewise W [K, N] / [N/bo, K/bi, bo, bi].
template <typename TX> Status kQMatMulT(KernelContext &C) {
  bool Blocked = ir::isBlockedNode(C.N);
  const Tensor &X = C.in(0), &W = C.in(1);
  Tensor &Y = C.out(0);
  int64_t Rows, K, Cols;
  ir::BlockedShape XB, WB, YB;
  if (Blocked) {
    NPU_ASSIGN(XB, ir::decodeBlocked(X.shape()));
    NPU_ASSIGN(WB, ir::decodeBlocked(W.shape()));
    NPU_ASSIGN(YB, ir::decodeBlocked(Y.shape()));
    Rows = XB.batch(), K = XB.channels(), Cols = WB.batch();
  } else {
    K = W.shape()[0], Cols = W.shape()[1], Rows = X.numElements() / std::max<int64_t>(K, 1);
  }
  auto XAt = [&](int64_t R, int64_t Kk) { return Blocked ? XB.offset(R, Kk, 0) : R * K + Kk; };
  auto WAt = [&](int64_t Kk, int64_t Cc) { return Blocked ? WB.offset(Cc, Kk, 0) : Kk * Cols + Cc; };
  auto YAt = [&](int64_t R, int64_t Cc) { return Blocked ? YB.offset(R, Cc, 0) : R * Cols + Cc; };
  const int64_t XZp = C.N.getInt("x_zero_point", 0);
  const TX *XD = X.data<TX>();
  const int8_t *WD = W.data<int8_t>();
  ResultWriter Out(C.N, Y);
  for (int64_t R = 0; R < Rows; ++R)
    for (int64_t Cc = 0; Cc < Cols; ++Cc) {
      int64_t Acc = biasAt(C, 2, Cc);
      for (int64_t Kk = 0; Kk < K; ++Kk)
        Acc += (int64_t(XD[XAt(R, Kk)]) - XZp) * WD[WAt(Kk, Cc)];
      Out.put(YAt(R, Cc), Acc, Cc);
    }
  return Status::ok();
}

Status kQMatMul(KernelContext &C) {
  return withActType(C.in(0).elemType(), [&](auto T) { return kQMatMulT<decltype(T)>(C); });
}

} // namespace

void addNpuQuantKernels(KernelTable &T) {
  T["npu.QConv"] = kQConv;
  T["npu.QMatMul"] = kQMatMul;
  addNpuPoolKernels(T);
  addNpuLayoutKernels(T);
}

} // namespace npu::ref
