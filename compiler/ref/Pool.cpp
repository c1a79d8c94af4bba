// Reference kernels of MaxPool (with indices), AveragePool and the global pools (N-d, dilations, ceil_mode).
#include "Kernels.h"

#include <limits>

namespace npu::ref {

namespace {

/// Visits every output position of a pooling window over one (n, c) plane. For each it calls
/// Fn(OutIndex, Taps) where Taps lists the in-bounds input offsets, and PadCount counts the taps inside the
/// padded extent (for count_include_pad).
template <typename F> void forEachWindow(const ir::WindowGeometry &G, const Shape &InSp, F &&Fn) {
  size_t R = InSp.size();
  int64_t KSize = ir::shapeNumElements(G.Kernel), OutSize = ir::shapeNumElements(G.OutSpatial);
  Shape InStr = ir::stridesOf(InSp);
  std::vector<Shape> TapOff(static_cast<size_t>(KSize), Shape(R));
  for (int64_t K = 0; K < KSize; ++K)
    for (int64_t Rem = K, D = static_cast<int64_t>(R) - 1; D >= 0; --D) {
      TapOff[static_cast<size_t>(K)][static_cast<size_t>(D)] = (Rem % G.Kernel[D]) * G.Dilations[D];
      Rem /= G.Kernel[D];
    }
  std::vector<int64_t> Taps;
  Shape OIdx(R, 0);
  for (int64_t O = 0; O < OutSize; ++O) {
    Taps.clear();
    int64_t PadCount = 0;
    for (int64_t K = 0; K < KSize; ++K) {
      bool In = true, InPad = true;
      int64_t Off = 0;
      for (size_t D = 0; D < R; ++D) {
        int64_t I = OIdx[D] * G.Strides[D] - G.PadsBegin[D] + TapOff[static_cast<size_t>(K)][D];
        In &= I >= 0 && I < InSp[D];
        InPad &= I >= -G.PadsBegin[D] && I < InSp[D] + G.PadsEnd[D];
        Off += I * InStr[D];
      }
      if (In)
        Taps.push_back(Off);
      PadCount += InPad;
    }
    Fn(O, Taps, PadCount);
    for (size_t D = R; D-- > 0;) {
      if (++OIdx[D] < G.OutSpatial[D])
        break;
      OIdx[D] = 0;
    }
  }
}

Expected<ir::WindowGeometry> poolGeometry(KernelContext &C) {
  const Shape &X = C.in(0).shape();
  return ir::resolveWindow(C.N, Shape(X.begin() + 2, X.end()), C.N.getInts("kernel_shape"),
                           C.N.getInt("ceil_mode", 0) != 0);
}

Status kMaxPool(KernelContext &C) {
  auto G = poolGeometry(C);
  if (!G)
    return G.error();
  const Shape &X = C.in(0).shape();
  Shape InSp(X.begin() + 2, X.end());
  int64_t Planes = X[0] * X[1], InSize = ir::shapeNumElements(InSp),
          OutSize = ir::shapeNumElements(G->OutSpatial);
  bool WantIdx = C.N.hasOutput(1);
  // storage_order=1 numbers the spatial positions column-major (first spatial dim fastest).
  bool ColMajor = C.N.getInt("storage_order", 0) != 0;
  Shape RowStr = ir::stridesOf(InSp), ColStr(InSp.size(), 1);
  for (size_t D = 1; D < InSp.size(); ++D)
    ColStr[D] = ColStr[D - 1] * InSp[D - 1];
  auto IndexOf = [&](int64_t Off) {
    if (!ColMajor)
      return Off;
    int64_t R = 0;
    for (size_t D = 0; D < InSp.size(); ++D) {
      R += (Off / RowStr[D]) * ColStr[D];
      Off %= RowStr[D];
    }
    return R;
  };
  ir::dispatchElemType(C.in(0).elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    using Calc = CalcT<T>;
    const T *In = C.in(0).data<T>();
    T *Out = C.out(0).data<T>();
    int64_t *Idx = WantIdx ? C.out(1).data<int64_t>() : nullptr;
    for (int64_t P = 0; P < Planes; ++P)
      forEachWindow(*G, InSp, [&](int64_t O, const std::vector<int64_t> &Taps, int64_t) {
        Calc Best = std::numeric_limits<Calc>::lowest();
        if constexpr (!std::is_integral_v<Calc>)
          Best = -std::numeric_limits<Calc>::infinity();
        int64_t BestAt = -1;
        for (int64_t Off : Taps) {
          Calc V = static_cast<Calc>(In[P * InSize + Off]);
          if (BestAt < 0 || V > Best) {
            Best = V;
            BestAt = Off;
          }
        }
        Out[P * OutSize + O] = T(Best);
        if (WantIdx)
          Idx[P * OutSize + O] = P * InSize + IndexOf(std::max<int64_t>(BestAt, 0));
      });
  });
  return Status::ok();
}

Status kAveragePool(KernelContext &C) {
  auto G = poolGeometry(C);
  if (!G)
    return G.error();
  const Shape &X = C.in(0).shape();
  Shape InSp(X.begin() + 2, X.end());
  int64_t Planes = X[0] * X[1], InSize = ir::shapeNumElements(InSp),
          OutSize = ir::shapeNumElements(G->OutSpatial);
  bool IncludePad = C.N.getInt("count_include_pad", 0) != 0;
  return dispatchFloat(C.in(0).elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    using Calc = CalcT<T>;
    const T *In = C.in(0).data<T>();
    T *Out = C.out(0).data<T>();
    for (int64_t P = 0; P < Planes; ++P)
      forEachWindow(*G, InSp, [&](int64_t O, const std::vector<int64_t> &Taps, int64_t PadCount) {
        Calc Sum = 0;
        for (int64_t Off : Taps)
          Sum += static_cast<Calc>(In[P * InSize + Off]);
        int64_t Count = IncludePad ? PadCount : static_cast<int64_t>(Taps.size());
        Out[P * OutSize + O] = T(Count ? Sum / static_cast<Calc>(Count) : Calc(0));
      });
  });
}

Status kGlobalPool(KernelContext &C, bool Max) {
  const Shape &X = C.in(0).shape();
  int64_t Planes = X[0] * X[1], Size = C.in(0).numElements() / std::max<int64_t>(Planes, 1);
  return dispatchFloat(C.in(0).elemType(), [&](auto Tag) {
    using T = decltype(Tag);
    using Calc = CalcT<T>;
    const T *In = C.in(0).data<T>();
    T *Out = C.out(0).data<T>();
    for (int64_t P = 0; P < Planes; ++P) {
      Calc Acc = Max ? -std::numeric_limits<Calc>::infinity() : Calc(0);
      for (int64_t I = 0; I < Size; ++I) {
        Calc V = static_cast<Calc>(In[P * Size + I]);
        Acc = Max ? std::max(Acc, V) : Acc + V;
      }
      Out[P] = T(Max ? Acc : Acc / static_cast<Calc>(Size));
    }
  });
}

} // namespace

void addPoolKernels(KernelTable &T) {
  T["MaxPool"] = kMaxPool;
  T["AveragePool"] = kAveragePool;
  T["GlobalAveragePool"] = [](KernelContext &C) { return kGlobalPool(C, false); };
  T["GlobalMaxPool"] = [](KernelContext &C) { return kGlobalPool(C, true); };
}

} // namespace npu::ref
