// Reference kernel of Resize: nearest (all rounding modes) and N-linear, with the ONNX coordinate transforms.
#include "Kernels.h"
#include "npu/compiler/ref/Interpreter.h"

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

std::optional<std::vector<int64_t>> replicationFactors(const ir::Node &N, const Shape &In, const Tensor *Scales,
                                                        const Tensor *Sizes) {
  if (N.getString("mode", "nearest") != "nearest")
    return std::nullopt;
  auto P = ir::resolveResize(N, In, Scales, Sizes);
  if (!P)
    return std::nullopt;
  const std::string Ctm = N.getString("coordinate_transformation_mode", "half_pixel");
  const std::string Nm = N.getString("nearest_mode", "round_prefer_floor");
  std::vector<int64_t> F;
  for (size_t D = 0; D < In.size(); ++D) {
    if (In[D] <= 0 || P->OutDims[D] % In[D] != 0)
      return std::nullopt;
    F.push_back(P->OutDims[D] / In[D]);
    for (int64_t O = 0; O < P->OutDims[D]; ++O)
      if (nearestIndex(Nm, sourceCoord(Ctm, double(O), P->Scales[D], In[D], P->OutDims[D]), In[D]) != O / F.back())
        return std::nullopt;
  }
  return F;
}

} // namespace npu::ref
