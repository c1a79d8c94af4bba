// Broadcasting, axis normalization and sliding-window geometry (auto_pad, ceil_mode, output_shape).
#include "npu/compiler/ops/OpHelpers.h"
#include "npu/support/Math.h"

#include <algorithm>

namespace npu::ir {

Expected<Shape> broadcastShapes(const Shape &A, const Shape &B) {
  size_t R = std::max(A.size(), B.size());
  Shape Out(R);
  for (size_t I = 0; I < R; ++I) {
    int64_t DA = I < R - A.size() ? 1 : A[I - (R - A.size())];
    int64_t DB = I < R - B.size() ? 1 : B[I - (R - B.size())];
    if (DA == DB || DB == 1)
      Out[I] = DA;
    else if (DA == 1)
      Out[I] = DB;
    else
      return makeError("shapes ", formatShape(A), " and ", formatShape(B), " do not broadcast");
  }
  return Out;
}

Expected<int64_t> normalizeAxis(int64_t Axis, int64_t Rank) {
  if (Axis < -Rank || Axis >= Rank)
    return makeError("axis ", Axis, " out of range for rank ", Rank);
  return Axis < 0 ? Axis + Rank : Axis;
}

Expected<std::vector<int64_t>> normalizeAxes(const std::vector<int64_t> &Axes, int64_t Rank) {
  std::vector<int64_t> R;
  for (int64_t A : Axes) {
    auto N = normalizeAxis(A, Rank);
    if (!N)
      return N.error();
    if (std::find(R.begin(), R.end(), *N) != R.end())
      return makeError("axis ", A, " repeated");
    R.push_back(*N);
  }
  return R;
}

Shape stridesOf(const Shape &S) {
  Shape R(S.size(), 1);
  for (size_t I = S.size(); I-- > 1;)
    R[I - 1] = R[I] * S[I];
  return R;
}

namespace {

int64_t floorDiv(int64_t A, int64_t B) { return A >= 0 ? A / B : -((-A + B - 1) / B); }

Status readCommon(const Node &N, size_t R, WindowGeometry &G) {
  G.Strides = N.getInts("strides", Shape(R, 1));
  G.Dilations = N.getInts("dilations", Shape(R, 1));
  if (G.Strides.empty())
    G.Strides = Shape(R, 1);
  if (G.Dilations.empty())
    G.Dilations = Shape(R, 1);
  if (G.Kernel.size() != R)
    return makeError("kernel has ", G.Kernel.size(), " spatial dims, input has ", R);
  if (G.Strides.size() != R || G.Dilations.size() != R)
    return makeError("strides/dilations need ", R, " values");
  for (size_t I = 0; I < R; ++I) {
    if (G.Strides[I] <= 0 || G.Dilations[I] <= 0 || G.Kernel[I] <= 0)
      return makeError("kernel, strides and dilations must be positive");
    if (G.Kernel[I] > (int64_t(1) << 31) || G.Dilations[I] > (int64_t(1) << 31) ||
        G.Strides[I] > (int64_t(1) << 31))
      return makeError("kernel, strides or dilations too large");
  }
  G.PadsBegin.assign(R, 0);
  G.PadsEnd.assign(R, 0);
  G.OutSpatial.assign(R, 0);
  return Status::ok();
}

} // namespace

Expected<WindowGeometry> resolveWindow(const Node &N, const Shape &In, const Shape &Kernel, bool CeilMode) {
  size_t R = In.size();
  WindowGeometry G;
  G.Kernel = Kernel;
  NPU_TRY(readCommon(N, R, G));
  std::string AutoPad = N.getString("auto_pad", "NOTSET");
  Shape Pads = N.getInts("pads", Shape(2 * R, 0));
  if (Pads.empty())
    Pads.assign(2 * R, 0);
  if (Pads.size() != 2 * R)
    return makeError("pads needs ", 2 * R, " values, has ", Pads.size());
  for (size_t I = 0; I < R; ++I) {
    int64_t EffK = (G.Kernel[I] - 1) * G.Dilations[I] + 1;
    int64_t S = G.Strides[I];
    if (AutoPad == "SAME_UPPER" || AutoPad == "SAME_LOWER") {
      int64_t Out = ceilDiv(In[I], S);
      int64_t Total = std::max<int64_t>(0, (Out - 1) * S + EffK - In[I]);
      int64_t Small = Total / 2;
      G.PadsBegin[I] = AutoPad == "SAME_UPPER" ? Small : Total - Small;
      G.PadsEnd[I] = Total - G.PadsBegin[I];
      G.OutSpatial[I] = Out;
      continue;
    }
    if (AutoPad == "NOTSET" || AutoPad.empty()) {
      G.PadsBegin[I] = Pads[I];
      G.PadsEnd[I] = Pads[I + R];
      if (Pads[I] < 0 || Pads[I + R] < 0 || Pads[I] >= (int64_t(1) << 31) ||
          Pads[I + R] >= (int64_t(1) << 31))
        return makeError("pads ", Pads[I], ",", Pads[I + R], " out of range");
    } else if (AutoPad != "VALID") {
      return makeError("unsupported auto_pad '", AutoPad, "'");
    }
    int64_t Span = In[I] + G.PadsBegin[I] + G.PadsEnd[I] - EffK;
    if (Span < 0)
      return makeError("window of ", EffK, " is larger than the padded input of ",
                       In[I] + G.PadsBegin[I] + G.PadsEnd[I]);
    int64_t Out = CeilMode ? ceilDiv(Span, S) + 1 : Span / S + 1;
    if (CeilMode && (Out - 1) * S >= In[I] + G.PadsBegin[I])
      --Out;
    G.OutSpatial[I] = Out;
  }
  return G;
}

Expected<WindowGeometry> resolveTransposedWindow(const Node &N, const Shape &In, const Shape &Kernel) {
  size_t R = In.size();
  WindowGeometry G;
  G.Kernel = Kernel;
  NPU_TRY(readCommon(N, R, G));
  std::string AutoPad = N.getString("auto_pad", "NOTSET");
  Shape OutPad = N.getInts("output_padding", Shape(R, 0));
  Shape OutShape = N.getInts("output_shape");
  Shape Pads = N.getInts("pads", Shape(2 * R, 0));
  if (Pads.empty())
    Pads.assign(2 * R, 0);
  if (OutPad.empty())
    OutPad.assign(R, 0);
  if (OutShape.size() == R + 2)
    OutShape.erase(OutShape.begin(), OutShape.begin() + 2);
  if (Pads.size() != 2 * R || OutPad.size() != R || (!OutShape.empty() && OutShape.size() != R))
    return makeError("pads, output_padding or output_shape have the wrong number of values");
  constexpr int64_t Limit = int64_t(1) << 31; // keeps the size arithmetic below far from overflow
  for (const Shape *List : {&Pads, &OutPad, &OutShape})
    for (int64_t V : *List)
      if (V <= -Limit || V >= Limit)
        return makeError("pads, output_padding or output_shape value ", V, " out of range");
  for (int64_t D : In)
    if (D >= Limit)
      return makeError("input too large for ConvTranspose");
  bool Same = AutoPad == "SAME_UPPER" || AutoPad == "SAME_LOWER";
  if (!Same && AutoPad != "NOTSET" && AutoPad != "VALID" && !AutoPad.empty())
    return makeError("unsupported auto_pad '", AutoPad, "'");
  for (size_t I = 0; I < R; ++I) {
    int64_t EffK = (G.Kernel[I] - 1) * G.Dilations[I] + 1;
    int64_t Full = G.Strides[I] * (In[I] - 1) + OutPad[I] + EffK;
    if (Same) {
      int64_t Out = OutShape.empty() ? In[I] * G.Strides[I] : OutShape[I];
      int64_t Total = Full - Out;
      int64_t Small = floorDiv(Total, 2);
      G.PadsBegin[I] = AutoPad == "SAME_UPPER" ? Small : Total - Small;
      G.PadsEnd[I] = Total - G.PadsBegin[I];
      G.OutSpatial[I] = Out;
    } else if (!OutShape.empty()) {
      G.PadsBegin[I] = AutoPad == "VALID" ? 0 : Pads[I];
      G.OutSpatial[I] = OutShape[I];
      G.PadsEnd[I] = Full - G.PadsBegin[I] - OutShape[I];
    } else {
      G.PadsBegin[I] = AutoPad == "VALID" ? 0 : Pads[I];
      G.PadsEnd[I] = AutoPad == "VALID" ? 0 : Pads[I + R];
      G.OutSpatial[I] = Full - G.PadsBegin[I] - G.PadsEnd[I];
    }
    if (G.OutSpatial[I] <= 0)
      return makeError("ConvTranspose output size ", G.OutSpatial[I], " is not positive");
  }
  return G;
}

} // namespace npu::ir
