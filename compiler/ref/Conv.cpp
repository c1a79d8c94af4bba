// Reference kernels of Conv, ConvTranspose, ConvInteger and QLinearConv (N-d, groups, dilations) via im2col.
#include "Kernels.h"

#include <algorithm>

namespace npu::ref {

namespace {

using ir::WindowGeometry;

/// Window geometry plus the sizes derived from it for one conv.
struct ConvDims {
  WindowGeometry Geo;
  int64_t N, C, M, G;      // batch, input channels, output channels, groups
  Shape InSp;              // input spatial dims
  int64_t InSize, OutSize; // spatial element counts
  int64_t KSize;           // kernel spatial element count
};

ConvDims convDims(const WindowGeometry &Geo, const Shape &X, int64_t M, int64_t G) {
  ConvDims D{Geo, X[0], X[1], M, G, Shape(X.begin() + 2, X.end()), 1, 1, 1};
  D.InSize = ir::shapeNumElements(D.InSp);
  D.OutSize = ir::shapeNumElements(Geo.OutSpatial);
  D.KSize = ir::shapeNumElements(Geo.Kernel);
  return D;
}

/// Row (c, k) of the column matrix: for each output position, the input element the kernel tap k of channel c
/// reads (or 0 in the padding). Rows: Cg * KSize, columns: OutSize.
template <typename T> void im2col(const ConvDims &D, const T *X, int64_t Cg, T *Col) {
  const WindowGeometry &G = D.Geo;
  size_t R = D.InSp.size();
  Shape KIdx(R, 0);
  Shape InStr = ir::stridesOf(D.InSp);
  int64_t OutLast = G.OutSpatial[R - 1];
  int64_t OuterCount = D.OutSize / std::max<int64_t>(OutLast, 1);
  for (int64_t C = 0; C < Cg; ++C) {
    const T *XC = X + C * D.InSize;
    for (int64_t K = 0; K < D.KSize; ++K) {
      // Kernel tap index K as a multi-index.
      for (int64_t Rem = K, Dim = static_cast<int64_t>(R) - 1; Dim >= 0; --Dim) {
        KIdx[Dim] = Rem % G.Kernel[Dim];
        Rem /= G.Kernel[Dim];
      }
      T *Row = Col + (C * D.KSize + K) * D.OutSize;
      int64_t KOffLast = KIdx[R - 1] * G.Dilations[R - 1] - G.PadsBegin[R - 1];
      Shape OIdx(R, 0);
      for (int64_t Outer = 0; Outer < OuterCount; ++Outer) {
        bool Valid = true;
        int64_t Base = 0;
        for (size_t Dim = 0; Dim + 1 < R; ++Dim) {
          int64_t I = OIdx[Dim] * G.Strides[Dim] + KIdx[Dim] * G.Dilations[Dim] - G.PadsBegin[Dim];
          Valid &= I >= 0 && I < D.InSp[Dim];
          Base += I * InStr[Dim];
        }
        T *Dst = Row + Outer * OutLast;
        if (!Valid) {
          std::fill(Dst, Dst + OutLast, T(0));
        } else {
          int64_t S = G.Strides[R - 1], InLast = D.InSp[R - 1];
          for (int64_t O = 0; O < OutLast; ++O) {
            int64_t I = O * S + KOffLast;
            Dst[O] = (I >= 0 && I < InLast) ? XC[Base + I] : T(0);
          }
        }
        for (size_t Dim = R - 1; Dim-- > 0;) {
          if (++OIdx[Dim] < G.OutSpatial[Dim])
            break;
          OIdx[Dim] = 0;
        }
      }
    }
  }
}

bool isPointwise(const ConvDims &D) {
  for (size_t I = 0; I < D.InSp.size(); ++I)
    if (D.Geo.Kernel[I] != 1 || D.Geo.Strides[I] != 1 || D.Geo.PadsBegin[I] != 0 || D.Geo.PadsEnd[I] != 0)
      return false;
  return true;
}

/// Y[n, m, :] = sum over the group's channels and taps of W * X (+ Bias[m]), in the accumulation type Acc.
template <typename Acc>
void convCore(const ConvDims &D, const Acc *X, const Acc *W, const Acc *Bias, Acc *Y) {
  int64_t Cg = D.C / D.G, Mg = D.M / D.G, KRows = Cg * D.KSize;
  bool Direct = isPointwise(D);
  std::vector<Acc> Col(Direct ? 0 : static_cast<size_t>(KRows * D.OutSize));
  for (int64_t N = 0; N < D.N; ++N)
    for (int64_t G = 0; G < D.G; ++G) {
      const Acc *XG = X + (N * D.C + G * Cg) * D.InSize;
      const Acc *Cols = XG;
      if (!Direct) {
        im2col(D, XG, Cg, Col.data());
        Cols = Col.data();
      }
      Acc *YG = Y + (N * D.M + G * Mg) * D.OutSize;
      gemm<Acc>(Mg, D.OutSize, KRows, W + G * Mg * KRows, KRows, Cols, D.OutSize, YG, D.OutSize, false);
      if (Bias)
        for (int64_t M = 0; M < Mg; ++M)
          for (int64_t P = 0; P < D.OutSize; ++P)
            YG[M * D.OutSize + P] += Bias[G * Mg + M];
    }
}

Expected<ConvDims> convGeometry(KernelContext &C, size_t XI, size_t WI) {
  const Shape &X = C.in(XI).shape(), &W = C.in(WI).shape();
  auto Geo = ir::resolveWindow(C.N, Shape(X.begin() + 2, X.end()), Shape(W.begin() + 2, W.end()), false);
  if (!Geo)
    return Geo.error();
  return convDims(*Geo, X, W[0], C.N.getInt("group", 1));
}

template <typename Acc> Status convFloat(KernelContext &C) {
  auto D = convGeometry(C, 0, 1);
  if (!D)
    return D.error();
  std::vector<Acc> X = toCalc<Acc>(C.in(0)), W = toCalc<Acc>(C.in(1));
  std::vector<Acc> B = C.has(2) ? toCalc<Acc>(C.in(2)) : std::vector<Acc>();
  std::vector<Acc> Y(static_cast<size_t>(C.out(0).numElements()));
  convCore<Acc>(*D, X.data(), W.data(), C.has(2) ? B.data() : nullptr, Y.data());
  fromCalc(Y, C.out(0));
  return Status::ok();
}

Status kConv(KernelContext &C) {
  if (C.in(0).elemType() == ElemType::Float64)
    return convFloat<double>(C);
  if (C.in(0).elemType() == ElemType::Float32) { // no copies for the common case
    auto D = convGeometry(C, 0, 1);
    if (!D)
      return D.error();
    convCore<float>(*D, C.in(0).data<float>(), C.in(1).data<float>(),
                    C.has(2) ? C.in(2).data<float>() : nullptr, C.out(0).data<float>());
    return Status::ok();
  }
  return convFloat<float>(C);
}

/// Int8/uint8 operand minus its zero point (scalar, or per output channel for weights), as int32.
std::vector<int32_t> shifted(const Tensor &T, const Tensor *Zp, int64_t ChannelDim0Size) {
  std::vector<int32_t> R(static_cast<size_t>(T.numElements()));
  int64_t PerChannel = Zp && Zp->numElements() > 1 ? T.numElements() / ChannelDim0Size : 0;
  for (int64_t I = 0; I < T.numElements(); ++I) {
    int64_t Z = 0;
    if (Zp)
      Z = PerChannel ? Zp->getInt64(I / PerChannel) : Zp->getInt64(0);
    R[static_cast<size_t>(I)] = static_cast<int32_t>(T.getInt64(I) - Z);
  }
  return R;
}

/// ConvInteger's int32 result for X (input XI, zero point XZ) and W (input WI, zero point WZ), bias optional.
Expected<std::vector<int32_t>> integerConv(KernelContext &C, size_t XI, size_t XZ, size_t WI, size_t WZ,
                                           const Tensor *Bias) {
  auto D = convGeometry(C, XI, WI);
  if (!D)
    return D.error();
  const Tensor &WT = C.in(WI);
  std::vector<int32_t> X = shifted(C.in(XI), C.has(XZ) ? &C.in(XZ) : nullptr, 1);
  std::vector<int32_t> W = shifted(WT, C.has(WZ) ? &C.in(WZ) : nullptr, WT.shape()[0]);
  if (C.has(XZ) && C.in(XZ).numElements() != 1)
    return makeError("unsupported: per-channel input zero point");
  std::vector<int32_t> B;
  if (Bias)
    for (int64_t I = 0; I < Bias->numElements(); ++I)
      B.push_back(static_cast<int32_t>(Bias->getInt64(I)));
  std::vector<int32_t> Y(static_cast<size_t>(D->N * D->M * D->OutSize));
  convCore<int32_t>(*D, X.data(), W.data(), Bias ? B.data() : nullptr, Y.data());
  return Y;
}

Status kConvInteger(KernelContext &C) {
  auto Y = integerConv(C, 0, 2, 1, 3, nullptr);
  if (!Y)
    return Y.error();
  std::copy(Y->begin(), Y->end(), C.out(0).data<int32_t>());
  return Status::ok();
}

/// Scalar float value of a scale tensor element, and the product/quotient rounded like numpy does in the
/// scales' own precision (float16 scales round after each step).
double scaleAt(const Tensor &T, int64_t I) { return T.numElements() == 1 ? T.getDouble(0) : T.getDouble(I); }

double roundToType(double V, ElemType E) {
  if (E == ElemType::Float16)
    return static_cast<float>(ir::Half(static_cast<float>(V)));
  if (E == ElemType::Float32)
    return static_cast<float>(V);
  return V;
}

Status kQLinearConv(KernelContext &C) {
  // Inputs: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B.
  auto Acc = integerConv(C, 0, 2, 3, 5, C.has(8) ? &C.in(8) : nullptr);
  if (!Acc)
    return Acc.error();
  const Tensor &WS = C.in(4);
  ElemType SE = C.in(1).elemType();
  int64_t M = C.out(0).shape()[1];
  int64_t Spatial = C.out(0).numElements() / std::max<int64_t>(1, C.out(0).shape()[0] * M);
  double YZ = C.has(7) ? C.in(7).getDouble(0) : 0.0;
  ElemType YT = C.out(0).elemType();
  double Lo = static_cast<double>(ir::integerTypeMin(YT)), Hi = static_cast<double>(ir::integerTypeMax(YT));
  for (int64_t I = 0; I < C.out(0).numElements(); ++I) {
    int64_t Ch = (I / Spatial) % M;
    double Mult =
        roundToType(roundToType(C.in(1).getDouble(0) * scaleAt(WS, Ch), SE) / C.in(6).getDouble(0), SE);
    double V = static_cast<double>((*Acc)[static_cast<size_t>(I)]) * Mult + YZ;
    C.out(0).setDouble(I, std::clamp(roundHalfEven(V), Lo, Hi));
  }
  return Status::ok();
}

/// ConvTranspose: col = W_g^T * X_g, then each column entry is added to the output position it maps to.
template <typename Acc> Status convTransposeCore(KernelContext &C) {
  const Shape &XS = C.in(0).shape(), &WS = C.in(1).shape();
  Shape InSp(XS.begin() + 2, XS.end());
  auto Geo = ir::resolveTransposedWindow(C.N, InSp, Shape(WS.begin() + 2, WS.end()));
  if (!Geo)
    return Geo.error();
  int64_t G = C.N.getInt("group", 1), N = XS[0], Cin = XS[1], Cg = Cin / G, Mg = WS[1];
  int64_t InSize = ir::shapeNumElements(InSp), KSize = ir::shapeNumElements(Geo->Kernel);
  int64_t OutSize = ir::shapeNumElements(Geo->OutSpatial);
  std::vector<Acc> X = toCalc<Acc>(C.in(0)), W = toCalc<Acc>(C.in(1));
  std::vector<Acc> Y(static_cast<size_t>(C.out(0).numElements()), Acc(0));
  std::vector<Acc> WT(static_cast<size_t>(Mg * KSize * Cg)), Col(static_cast<size_t>(Mg * KSize * InSize));
  size_t R = InSp.size();
  Shape OutStr = ir::stridesOf(Geo->OutSpatial);
  Shape KIdx(R), IIdx(R);
  for (int64_t Grp = 0; Grp < G; ++Grp) {
    // W_g is [Cg, Mg*KSize]; its transpose is the left operand.
    for (int64_t Ci = 0; Ci < Cg; ++Ci)
      for (int64_t J = 0; J < Mg * KSize; ++J)
        WT[static_cast<size_t>(J * Cg + Ci)] = W[static_cast<size_t>((Grp * Cg + Ci) * Mg * KSize + J)];
    for (int64_t B = 0; B < N; ++B) {
      gemm<Acc>(Mg * KSize, InSize, Cg, WT.data(), Cg, X.data() + (B * Cin + Grp * Cg) * InSize, InSize,
                Col.data(), InSize, false);
      for (int64_t MK = 0; MK < Mg * KSize; ++MK) {
        int64_t Mo = MK / KSize, K = MK % KSize;
        for (int64_t Rem = K, D = static_cast<int64_t>(R) - 1; D >= 0; --D) {
          KIdx[D] = Rem % Geo->Kernel[D];
          Rem /= Geo->Kernel[D];
        }
        Acc *YC = Y.data() + (B * Mg * G + Grp * Mg + Mo) * OutSize;
        const Acc *Row = Col.data() + MK * InSize;
        for (int64_t P = 0; P < InSize; ++P) {
          int64_t Off = 0;
          bool Valid = true;
          for (int64_t Rem = P, D = static_cast<int64_t>(R) - 1; D >= 0; --D) {
            int64_t I = Rem % InSp[D];
            Rem /= InSp[D];
            int64_t O = I * Geo->Strides[D] + KIdx[D] * Geo->Dilations[D] - Geo->PadsBegin[D];
            Valid &= O >= 0 && O < Geo->OutSpatial[D];
            Off += O * OutStr[D];
          }
          if (Valid)
            YC[Off] += Row[P];
        }
      }
    }
  }
  if (C.has(2)) {
    std::vector<Acc> Bias = toCalc<Acc>(C.in(2));
    int64_t M = Mg * G;
    for (int64_t I = 0; I < static_cast<int64_t>(Y.size()); ++I)
      Y[static_cast<size_t>(I)] += Bias[static_cast<size_t>((I / OutSize) % M)];
  }
  fromCalc(Y, C.out(0));
  return Status::ok();
}

Status kConvTranspose(KernelContext &C) {
  if (C.in(0).elemType() == ElemType::Float64)
    return convTransposeCore<double>(C);
  return convTransposeCore<float>(C);
}

} // namespace

void addConvPoolKernels(KernelTable &T) {
  T["Conv"] = kConv;
  T["ConvTranspose"] = kConvTranspose;
  T["ConvInteger"] = kConvInteger;
  T["QLinearConv"] = kQLinearConv;
  addPoolKernels(T);
}

} // namespace npu::ref
