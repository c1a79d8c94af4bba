// Reference kernels of the data-movement operators: reshapes, Transpose, Concat, Split, Slice, Gather, Pad,
// ...
#include "Kernels.h"

#include <algorithm>

namespace npu::ref {

namespace {

/// Calls Fn(Flat, Index) for every element of shape S in row-major order.
template <typename F> void forEachIndex(const Shape &S, F &&Fn) {
  int64_t N = ir::shapeNumElements(S);
  Shape Idx(S.size(), 0);
  for (int64_t I = 0; I < N; ++I) {
    Fn(I, Idx);
    for (size_t D = S.size(); D-- > 0;) {
      if (++Idx[D] < S[D])
        break;
      Idx[D] = 0;
    }
  }
}

/// Fills Out element by element from In, at the flat offset Src(Index) gives (-1: Fill's bytes instead).
template <typename F> void gatherElements(Tensor &Out, const Tensor &In, const uint8_t *Fill, F &&Src) {
  size_t ES = ir::elemTypeSize(Out.elemType());
  uint8_t *O = Out.bytes();
  const uint8_t *I = In.bytes();
  forEachIndex(Out.shape(), [&](int64_t Flat, const Shape &Idx) {
    int64_t S = Src(Idx);
    std::memcpy(O + Flat * ES, S < 0 ? Fill : I + S * ES, ES);
  });
}

Status kCopy(KernelContext &C) {
  copyTensorBytes(C.out(0), C.in(0));
  return Status::ok();
}

Status kTranspose(KernelContext &C) {
  const Tensor &X = C.in(0);
  int64_t R = X.rank();
  std::vector<int64_t> Perm = C.N.getInts("perm");
  if (!C.N.findAttr("perm"))
    for (int64_t K = R - 1; K >= 0; --K)
      Perm.push_back(K);
  for (int64_t &P : Perm)
    P = P < 0 ? P + R : P;
  Shape InStr = ir::stridesOf(X.shape());
  gatherElements(C.out(0), X, nullptr, [&](const Shape &Idx) {
    int64_t Off = 0;
    for (int64_t D = 0; D < R; ++D)
      Off += Idx[static_cast<size_t>(D)] * InStr[static_cast<size_t>(Perm[static_cast<size_t>(D)])];
    return Off;
  });
  return Status::ok();
}

/// Outer count, and the bytes of one outer slice of a tensor cut at Axis.
std::pair<int64_t, int64_t> slabs(const Shape &S, int64_t Axis, size_t ES) {
  int64_t Outer = ir::shapeNumElements(Shape(S.begin(), S.begin() + Axis));
  int64_t Slab = ir::shapeNumElements(Shape(S.begin() + Axis, S.end())) * static_cast<int64_t>(ES);
  return {Outer, Slab};
}

Status kConcat(KernelContext &C) {
  Tensor &Y = C.out(0);
  int64_t Axis = *ir::normalizeAxis(C.N.getInt("axis", 0), Y.rank());
  size_t ES = ir::elemTypeSize(Y.elemType());
  auto [Outer, OutSlab] = slabs(Y.shape(), Axis, ES);
  int64_t Pos = 0;
  for (size_t K = 0; K < C.In.size(); ++K) {
    auto [O2, InSlab] = slabs(C.in(K).shape(), Axis, ES);
    for (int64_t O = 0; O < Outer; ++O)
      std::memcpy(Y.bytes() + O * OutSlab + Pos, C.in(K).bytes() + O * InSlab, static_cast<size_t>(InSlab));
    Pos += InSlab;
  }
  return Status::ok();
}

Status kSplit(KernelContext &C) {
  const Tensor &X = C.in(0);
  int64_t Axis = *ir::normalizeAxis(C.N.getInt("axis", 0), X.rank());
  size_t ES = ir::elemTypeSize(X.elemType());
  auto [Outer, InSlab] = slabs(X.shape(), Axis, ES);
  int64_t Pos = 0;
  for (size_t K = 0; K < C.Out.size(); ++K) {
    auto [O2, OutSlab] = slabs(C.out(K).shape(), Axis, ES);
    for (int64_t O = 0; O < Outer; ++O)
      std::memcpy(C.out(K).bytes() + O * OutSlab, X.bytes() + O * InSlab + Pos, static_cast<size_t>(OutSlab));
    Pos += OutSlab;
  }
  return Status::ok();
}

Status kSlice(KernelContext &C) {
  auto P = ir::resolveSlice(C.in(0).shape(), C.in(1), C.in(2), C.has(3) ? &C.in(3) : nullptr,
                            C.has(4) ? &C.in(4) : nullptr);
  if (!P)
    return P.error();
  Shape InStr = ir::stridesOf(C.in(0).shape());
  gatherElements(C.out(0), C.in(0), nullptr, [&](const Shape &Idx) {
    int64_t Off = 0;
    for (size_t D = 0; D < Idx.size(); ++D)
      Off += (P->Starts[D] + Idx[D] * P->Steps[D]) * InStr[D];
    return Off;
  });
  return Status::ok();
}

Status kGather(KernelContext &C) {
  const Tensor &X = C.in(0), &Ind = C.in(1);
  int64_t Axis = *ir::normalizeAxis(C.N.getInt("axis", 0), X.rank());
  size_t ES = ir::elemTypeSize(X.elemType());
  int64_t Outer = ir::shapeNumElements(Shape(X.shape().begin(), X.shape().begin() + Axis));
  int64_t D = X.shape()[static_cast<size_t>(Axis)];
  int64_t Inner =
      ir::shapeNumElements(Shape(X.shape().begin() + Axis + 1, X.shape().end())) * static_cast<int64_t>(ES);
  int64_t NI = Ind.numElements();
  for (int64_t J = 0; J < NI; ++J) {
    int64_t K = Ind.getInt64(J);
    if (K < -D || K >= D)
      return makeError("Gather index ", K, " out of range for dim ", D);
  }
  for (int64_t O = 0; O < Outer; ++O)
    for (int64_t J = 0; J < NI; ++J) {
      int64_t K = Ind.getInt64(J);
      K = K < 0 ? K + D : K;
      std::memcpy(C.out(0).bytes() + (O * NI + J) * Inner, X.bytes() + (O * D + K) * Inner,
                  static_cast<size_t>(Inner));
    }
  return Status::ok();
}

Status kShape(KernelContext &C) {
  const Shape &S = C.in(0).shape();
  int64_t R = static_cast<int64_t>(S.size());
  int64_t Start = C.N.getInt("start", 0);
  Start = std::clamp<int64_t>(Start < 0 ? Start + R : Start, 0, R);
  for (int64_t I = 0; I < C.out(0).numElements(); ++I)
    C.out(0).data<int64_t>()[I] = S[static_cast<size_t>(Start + I)];
  return Status::ok();
}

Status kSize(KernelContext &C) {
  C.out(0).data<int64_t>()[0] = C.in(0).numElements();
  return Status::ok();
}

Status kExpand(KernelContext &C) {
  size_t ES = ir::elemTypeSize(C.in(0).elemType());
  broadcast1(C.out(0).shape(), C.in(0).shape(), [&](int64_t O, int64_t I) {
    std::memcpy(C.out(0).bytes() + O * ES, C.in(0).bytes() + I * ES, ES);
  });
  return Status::ok();
}

Status kTile(KernelContext &C) {
  const Shape &In = C.in(0).shape();
  Shape InStr = ir::stridesOf(In);
  gatherElements(C.out(0), C.in(0), nullptr, [&](const Shape &Idx) {
    int64_t Off = 0;
    for (size_t D = 0; D < Idx.size(); ++D)
      Off += (Idx[D] % In[D]) * InStr[D];
    return Off;
  });
  return Status::ok();
}

Status kPad(KernelContext &C) {
  const Tensor &X = C.in(0);
  auto P = ir::resolvePads(X.shape(), C.in(1), C.has(3) ? &C.in(3) : nullptr);
  if (!P)
    return P.error();
  std::string Mode = C.N.getString("mode", "constant");
  std::vector<uint8_t> Fill(ir::elemTypeSize(X.elemType()), 0);
  if (C.has(2))
    std::memcpy(Fill.data(), C.in(2).bytes(), Fill.size());
  const Shape &In = X.shape();
  Shape InStr = ir::stridesOf(In);
  gatherElements(C.out(0), X, Fill.data(), [&](const Shape &Idx) -> int64_t {
    int64_t Off = 0;
    for (size_t D = 0; D < Idx.size(); ++D) {
      int64_t S = Idx[D] - P->Begin[D], N = In[D];
      if (S < 0 || S >= N) {
        if (Mode == "constant")
          return -1;
        if (Mode == "edge")
          S = std::clamp<int64_t>(S, 0, N - 1);
        else if (Mode == "wrap")
          S = ((S % N) + N) % N;
        else if (N == 1)
          S = 0;
        else // reflect: mirror around the edges without repeating them
          while (S < 0 || S >= N)
            S = S < 0 ? -S : 2 * (N - 1) - S;
      }
      Off += S * InStr[D];
    }
    return Off;
  });
  return Status::ok();
}

Status kConstantOfShape(KernelContext &C) {
  Tensor &Y = C.out(0);
  const Tensor *V = C.N.getTensor("value");
  size_t ES = ir::elemTypeSize(Y.elemType());
  if (!V)
    return Status::ok(); // zero-filled already
  if (Y.numElements() == 0)
    return Status::ok();
  // Doubling copies: each step duplicates what is already filled.
  std::memcpy(Y.bytes(), V->bytes(), ES);
  for (size_t Done = ES; Done < Y.byteSize(); Done *= 2)
    std::memcpy(Y.bytes() + Done, Y.bytes(), std::min(Done, Y.byteSize() - Done));
  return Status::ok();
}

Status kDepthToSpace(KernelContext &C) {
  const Shape &In = C.in(0).shape();
  int64_t B = C.N.getInt("blocksize", 1);
  bool ToSpace = C.N.OpType == "DepthToSpace", Crd = C.N.getString("mode", "DCR") == "CRD";
  Shape InStr = ir::stridesOf(In);
  const Shape &Out = C.out(0).shape();
  gatherElements(C.out(0), C.in(0), nullptr, [&](const Shape &I) {
    if (ToSpace) {
      int64_t Bh = I[2] % B, Bw = I[3] % B, Cc = Out[1];
      int64_t Ch = Crd ? I[1] * B * B + Bh * B + Bw : (Bh * B + Bw) * Cc + I[1];
      return I[0] * InStr[0] + Ch * InStr[1] + (I[2] / B) * InStr[2] + (I[3] / B) * InStr[3];
    }
    int64_t Cc = In[1], Blk = I[1] / Cc, Ch = I[1] % Cc;
    return I[0] * InStr[0] + Ch * InStr[1] + (I[2] * B + Blk / B) * InStr[2] +
           (I[3] * B + Blk % B) * InStr[3];
  });
  return Status::ok();
}

} // namespace

Status resizeKernel(KernelContext &C);

void addShapeKernels(KernelTable &T) {
  for (const char *Name : {"Reshape", "Flatten", "Squeeze", "Unsqueeze"})
    T[Name] = kCopy;
  T["Transpose"] = kTranspose;
  T["Concat"] = kConcat;
  T["Split"] = kSplit;
  T["Slice"] = kSlice;
  T["Gather"] = kGather;
  T["Shape"] = kShape;
  T["Size"] = kSize;
  T["Expand"] = kExpand;
  T["Tile"] = kTile;
  T["Pad"] = kPad;
  T["ConstantOfShape"] = kConstantOfShape;
  T["DepthToSpace"] = kDepthToSpace;
  T["SpaceToDepth"] = kDepthToSpace;
  T["Resize"] = resizeKernel;
}

} // namespace npu::ref
