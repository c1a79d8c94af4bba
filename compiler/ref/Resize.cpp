// Reference kernel of Resize: nearest (all rounding modes) and N-linear, with the ONNX coordinate transforms.
#include "Kernels.h"

#include <algorithm>

namespace npu::ref {

namespace {

double sourceCoord(const std::string &Mode, double X, double Scale, int64_t InLen, int64_t OutLen) {
  if (Mode == "asymmetric")
    return X / Scale;
  if (Mode == "align_corners")
    return OutLen == 1 ? 0.0 : X * static_cast<double>(InLen - 1) / static_cast<double>(OutLen - 1);
  if (Mode == "pytorch_half_pixel")
    return OutLen > 1 ? (X + 0.5) / Scale - 0.5 : 0.0;
  if (Mode == "half_pixel_symmetric") {
    double Adj = static_cast<double>(OutLen) / (Scale * static_cast<double>(InLen));
    double Offset = static_cast<double>(InLen) / 2.0 * (1.0 - Adj);
    return Offset + (X + 0.5) / Scale - 0.5;
  }
  return (X + 0.5) / Scale - 0.5; // half_pixel
}

int64_t nearestIndex(const std::string &Mode, double X, int64_t InLen) {
  double F = std::floor(X);
  int64_t I;
  if (Mode == "floor")
    I = static_cast<int64_t>(F);
  else if (Mode == "ceil")
    I = static_cast<int64_t>(std::ceil(X));
  else if (X == F + 0.5)
    I = static_cast<int64_t>(Mode == "round_prefer_ceil" ? F + 1 : F);
  else
    I = static_cast<int64_t>(std::round(X));
  return std::clamp<int64_t>(I, 0, InLen - 1);
}

} // namespace

Status resizeKernel(KernelContext &C) {
  const Tensor &X = C.in(0);
  auto P = ir::resolveResize(C.N, X.shape(), C.has(2) ? &C.in(2) : nullptr, C.has(3) ? &C.in(3) : nullptr);
  if (!P)
    return P.error();
  std::string Ctm = C.N.getString("coordinate_transformation_mode", "half_pixel");
  std::string Nm = C.N.getString("nearest_mode", "round_prefer_floor");
  bool Linear = C.N.getString("mode", "nearest") == "linear";
  const Shape &In = X.shape(), &Out = C.out(0).shape();
  size_t R = In.size();
  Shape InStr = ir::stridesOf(In);
  // Per dim and output coordinate: the two source indices and the weight of the second.
  std::vector<std::vector<int64_t>> I0(R), I1(R);
  std::vector<std::vector<double>> W(R);
  for (size_t D = 0; D < R; ++D)
    for (int64_t O = 0; O < Out[D]; ++O) {
      double S = sourceCoord(Ctm, static_cast<double>(O), P->Scales[D], In[D], Out[D]);
      if (!Linear) {
        I0[D].push_back(nearestIndex(Nm, S, In[D]));
        continue;
      }
      S = std::clamp(S, 0.0, static_cast<double>(In[D] - 1));
      int64_t Lo = static_cast<int64_t>(std::floor(S));
      I0[D].push_back(Lo);
      I1[D].push_back(std::min(Lo + 1, In[D] - 1));
      W[D].push_back(S - static_cast<double>(Lo));
    }
  size_t ES = ir::elemTypeSize(X.elemType());
  Shape Idx(R, 0);
  for (int64_t E = 0, N = C.out(0).numElements(); E < N; ++E) {
    if (!Linear) {
      int64_t Off = 0;
      for (size_t D = 0; D < R; ++D)
        Off += I0[D][static_cast<size_t>(Idx[D])] * InStr[D];
      std::memcpy(C.out(0).bytes() + E * ES, X.bytes() + Off * ES, ES);
    } else {
      double Acc = 0;
      for (int64_t Corner = 0; Corner < (int64_t(1) << R); ++Corner) {
        double Wt = 1;
        int64_t Off = 0;
        for (size_t D = 0; D < R; ++D) {
          bool Hi = (Corner >> D) & 1;
          double WD = W[D][static_cast<size_t>(Idx[D])];
          Wt *= Hi ? WD : 1 - WD;
          Off += (Hi ? I1[D] : I0[D])[static_cast<size_t>(Idx[D])] * InStr[D];
        }
        if (Wt != 0)
          Acc += Wt * X.getDouble(Off);
      }
      C.out(0).setDouble(E, Acc);
    }
    for (size_t D = R; D-- > 0;) {
      if (++Idx[D] < Out[D])
        break;
      Idx[D] = 0;
    }
  }
  return Status::ok();
}

} // namespace npu::ref
