// Resolution of the shape-changing operators' data-dependent arguments: Slice, Pad, Resize, Split, Reshape.
#include "npu/compiler/ops/OpHelpers.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace npu::ir {

Expected<SliceParams> resolveSlice(const Shape &In, const Tensor &Starts, const Tensor &Ends,
                                   const Tensor *Axes, const Tensor *Steps) {
  int64_t R = static_cast<int64_t>(In.size());
  int64_t N = Starts.numElements();
  if (Starts.rank() != 1 || Ends.rank() != 1 || Ends.numElements() != N ||
      (Axes && Axes->numElements() != N) || (Steps && Steps->numElements() != N))
    return makeError("Slice starts, ends, axes and steps must be 1-D of equal length");
  SliceParams P;
  P.Starts.assign(In.size(), 0);
  P.Steps.assign(In.size(), 1);
  P.OutDims = In;
  std::vector<int64_t> AxisList;
  for (int64_t I = 0; I < N; ++I)
    AxisList.push_back(Axes ? Axes->getInt64(I) : I);
  auto Norm = normalizeAxes(AxisList, R);
  if (!Norm)
    return Norm.error();
  for (int64_t I = 0; I < N; ++I) {
    int64_t A = (*Norm)[I], D = In[A];
    int64_t S = Starts.getInt64(I), E = Ends.getInt64(I), T = Steps ? Steps->getInt64(I) : 1;
    if (T == 0 || T == INT64_MIN)
      return makeError("Slice step ", T, " is invalid");
    if (S < 0)
      S += D;
    if (E < 0)
      E += D;
    int64_t Len;
    if (T > 0) {
      S = std::clamp<int64_t>(S, 0, D);
      E = std::clamp<int64_t>(E, 0, D);
      Len = E > S ? (E - S + T - 1) / T : 0;
    } else {
      S = std::clamp<int64_t>(S, 0, D - 1);
      E = std::clamp<int64_t>(E, -1, D - 1);
      Len = S > E ? (S - E + (-T) - 1) / (-T) : 0;
    }
    P.Starts[A] = S;
    P.Steps[A] = T;
    P.OutDims[A] = Len;
  }
  return P;
}

Expected<PadParams> resolvePads(const Shape &In, const Tensor &Pads, const Tensor *Axes) {
  int64_t R = static_cast<int64_t>(In.size());
  std::vector<int64_t> AxisList;
  if (Axes) {
    auto Norm = normalizeAxes(Axes->toInt64s(), R);
    if (!Norm)
      return Norm.error();
    AxisList = *Norm;
  } else {
    for (int64_t I = 0; I < R; ++I)
      AxisList.push_back(I);
  }
  int64_t N = static_cast<int64_t>(AxisList.size());
  if (Pads.numElements() != 2 * N)
    return makeError("pads has ", Pads.numElements(), " values, expected ", 2 * N);
  PadParams P{Shape(In.size(), 0), Shape(In.size(), 0)};
  for (int64_t I = 0; I < N; ++I) {
    int64_t A = AxisList[I];
    P.Begin[A] = Pads.getInt64(I);
    P.End[A] = Pads.getInt64(I + N);
    if (std::abs(P.Begin[A]) > (int64_t(1) << 40) || std::abs(P.End[A]) > (int64_t(1) << 40) ||
        In[A] + P.Begin[A] + P.End[A] < 0)
      return makeError("pads ", P.Begin[A], ",", P.End[A], " invalid for dim of size ", In[A]);
  }
  return P;
}

Expected<ResizeParams> resolveResize(const Node &N, const Shape &In, const Tensor *Scales,
                                     const Tensor *Sizes) {
  int64_t R = static_cast<int64_t>(In.size());
  std::vector<int64_t> Axes;
  if (const Attribute *A = N.findAttr("axes")) {
    auto Norm = normalizeAxes(std::get<std::vector<int64_t>>(A->Val), R);
    if (!Norm)
      return Norm.error();
    Axes = *Norm;
  } else {
    for (int64_t I = 0; I < R; ++I)
      Axes.push_back(I);
  }
  int64_t NA = static_cast<int64_t>(Axes.size());
  ResizeParams P{In, std::vector<double>(In.size(), 1.0)};
  if (Sizes && Sizes->numElements() > 0) {
    if (Scales && Scales->numElements() > 0)
      return makeError("Resize takes scales or sizes, not both");
    if (Sizes->numElements() != NA)
      return makeError("Resize sizes has ", Sizes->numElements(), " values for ", NA, " axes");
    std::string Policy = N.getString("keep_aspect_ratio_policy", "stretch");
    if (Policy == "stretch") {
      for (int64_t I = 0; I < NA; ++I) {
        P.OutDims[Axes[I]] = Sizes->getInt64(I);
        P.Scales[Axes[I]] = static_cast<double>(Sizes->getInt64(I)) / static_cast<double>(In[Axes[I]]);
      }
    } else if (Policy == "not_larger" || Policy == "not_smaller") {
      double Scale = Policy == "not_larger" ? 1e300 : 0;
      for (int64_t I = 0; I < NA; ++I) {
        double S = static_cast<double>(Sizes->getInt64(I)) / static_cast<double>(In[Axes[I]]);
        Scale = Policy == "not_larger" ? std::min(Scale, S) : std::max(Scale, S);
      }
      for (int64_t I = 0; I < NA; ++I) {
        P.Scales[Axes[I]] = Scale;
        P.OutDims[Axes[I]] = static_cast<int64_t>(std::floor(Scale * static_cast<double>(In[Axes[I]]) + 0.5));
      }
    } else {
      return makeError("unsupported keep_aspect_ratio_policy '", Policy, "'");
    }
  } else if (Scales && Scales->numElements() > 0) {
    if (Scales->numElements() != NA)
      return makeError("Resize scales has ", Scales->numElements(), " values for ", NA, " axes");
    for (int64_t I = 0; I < NA; ++I) {
      double S = Scales->getDouble(I);
      if (!(S > 0 && S < 1e6))
        return makeError("Resize scale ", S, " must be positive");
      P.Scales[Axes[I]] = S;
      P.OutDims[Axes[I]] = static_cast<int64_t>(std::floor(static_cast<double>(In[Axes[I]]) * S));
    }
  } else {
    return makeError("Resize needs scales or sizes");
  }
  for (int64_t D : P.OutDims)
    if (D < 0)
      return makeError("Resize output size must not be negative");
  return P;
}

Expected<Shape> resolveSplit(const Node &N, const Shape &In, int64_t Axis, const Tensor *Split,
                             size_t NumOutputs) {
  int64_t D = In[Axis];
  Shape Sizes;
  if (Split) {
    Sizes = Split->toInt64s();
    int64_t Sum = 0;
    for (int64_t S : Sizes) {
      if (S < 0)
        return makeError("split sizes must not be negative");
      Sum += S;
    }
    if (Sum != D || Sizes.size() != NumOutputs)
      return makeError("split ", formatShape(Sizes), " does not cut dim ", D, " into ", NumOutputs,
                       " outputs");
    return Sizes;
  }
  int64_t Parts = N.getInt("num_outputs", static_cast<int64_t>(NumOutputs));
  if (Parts != static_cast<int64_t>(NumOutputs) || Parts <= 0)
    return makeError("num_outputs ", Parts, " differs from the ", NumOutputs, " outputs");
  if (N.findAttr("num_outputs")) {
    int64_t Chunk = (D + Parts - 1) / Parts;
    for (int64_t I = 0; I < Parts; ++I)
      Sizes.push_back(std::max<int64_t>(0, std::min(Chunk, D - I * Chunk)));
    return Sizes;
  }
  if (D % Parts != 0)
    return makeError("dim ", D, " does not split evenly into ", Parts, " outputs");
  return Shape(static_cast<size_t>(Parts), D / Parts);
}

Expected<Shape> resolveReshape(const Shape &In, const std::vector<int64_t> &Target, bool AllowZero) {
  Shape Out(Target.size());
  int64_t Known = 1, Infer = -1;
  for (size_t I = 0; I < Target.size(); ++I) {
    int64_t D = Target[I];
    if (D == 0 && !AllowZero) {
      if (I >= In.size())
        return makeError("Reshape dim ", I, " is 0 but the input has rank ", In.size());
      D = In[I];
    }
    if (D == -1) {
      if (Infer >= 0)
        return makeError("Reshape target has more than one -1");
      Infer = static_cast<int64_t>(I);
      continue;
    }
    if (D < 0)
      return makeError("Reshape target dim ", D, " is invalid");
    Out[I] = D;
    if (D != 0 && Known > (int64_t(1) << 62) / D)
      return makeError("Reshape target too large");
    Known *= D;
  }
  int64_t Total = shapeNumElements(In);
  if (Infer >= 0) {
    if (Known == 0 || Total % Known != 0)
      return makeError("cannot reshape ", formatShape(In), " into ", formatShape(Target));
    Out[Infer] = Total / Known;
  } else if (Known != Total) {
    return makeError("cannot reshape ", formatShape(In), " into ", formatShape(Target));
  }
  return Out;
}

} // namespace npu::ir
