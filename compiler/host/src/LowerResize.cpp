// Lowering of Resize: per-dim source index and weight tables computed at compile time, then a gather (nearest)
// or an N-linear blend over the dims that interpolate (accumulated in double, as the reference does).
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"

#include <algorithm>
#include <cmath>

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;

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
  return (X + 0.5) / Scale - 0.5;
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

Status lowerResize(LowerCtx &C) {
  const ir::Node &N = C.node();
  for (size_t I = 2; I < 4; ++I)
    if (N.hasInput(I) && !C.known(N.Inputs[I]))
      return noCodegen(C, "scales/sizes are not constants");
  const Shape &In = C.dims(N.Inputs[0]), &Out = C.dims(N.Outputs[0]);
  auto P = ir::resolveResize(N, In, N.hasInput(2) ? C.known(N.Inputs[2]) : nullptr,
                             N.hasInput(3) ? C.known(N.Inputs[3]) : nullptr);
  if (!P)
    return P.error();
  if (P->OutDims != Out)
    return noCodegen(C, "output shape mismatch");
  if (ir::shapeNumElements(Out) == 0 || ir::shapeNumElements(In) == 0)
    return Status::ok();
  std::string Ctm = N.getString("coordinate_transformation_mode", "half_pixel");
  std::string Nm = N.getString("nearest_mode", "round_prefer_floor");
  bool Linear = N.getString("mode", "nearest") == "linear";
  size_t R = In.size();
  std::vector<std::vector<int64_t>> I0(R), I1(R);
  std::vector<std::vector<double>> W(R);
  std::vector<size_t> Active; // dims whose weights are not all zero
  for (size_t D = 0; D < R; ++D) {
    bool Any = false;
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
      Any |= W[D].back() != 0;
    }
    if (Any)
      Active.push_back(D);
  }
  ElemType E = C.elem(N.Inputs[0]), OE = C.elem(N.Outputs[0]);
  Shape InStr = rowMajor(In);
  KB K(C.E, C.kernelName());
  Buf X = C.buf(K, N.Inputs[0]), Y = C.buf(K, N.Outputs[0]);
  auto &B = K.B;
  auto Table = [&](GlobalVariable *G, Type *T, Value *I) {
    return B.CreateLoad(T, B.CreateInBoundsGEP(T, G, I));
  };
  int64_t Items = emitNest(K, Out, [&](const std::vector<Value *> &Idx, Value *Flat) {
    if (!Linear) {
      Value *Off = K.c64(0);
      for (size_t D = 0; D < R; ++D)
        Off = B.CreateAdd(Off, B.CreateMul(Table(C.E.constI64s(I0[D]), C.E.I64, Idx[D]), K.c64(InStr[D])));
      K.store(Y, Flat, K.load(X, Off));
      return;
    }
    Value *Base = K.c64(0);
    std::vector<Value *> Lo(R), Hi(R), Wd(R);
    for (size_t D = 0; D < R; ++D) {
      Lo[D] = B.CreateMul(Table(C.E.constI64s(I0[D]), C.E.I64, Idx[D]), K.c64(InStr[D]));
      if (std::find(Active.begin(), Active.end(), D) == Active.end()) {
        Base = B.CreateAdd(Base, Lo[D]);
        continue;
      }
      Hi[D] = B.CreateMul(Table(C.E.constI64s(I1[D]), C.E.I64, Idx[D]), K.c64(InStr[D]));
      Wd[D] = Table(C.E.constF64s(W[D]), C.E.F64, Idx[D]);
    }
    Value *Acc = ConstantFP::get(C.E.F64, 0.0), *One = ConstantFP::get(C.E.F64, 1.0);
    for (int64_t Corner = 0; Corner < (int64_t(1) << Active.size()); ++Corner) {
      Value *Wt = One, *Off = Base;
      for (size_t A = 0; A < Active.size(); ++A) {
        size_t D = Active[A];
        bool H = (Corner >> A) & 1;
        Wt = B.CreateFMul(Wt, H ? Wd[D] : B.CreateFSub(One, Wd[D]));
        Off = B.CreateAdd(Off, H ? Hi[D] : Lo[D]);
      }
      Value *V = convert(K, K.load(X, Off), E, ElemType::Float64);
      Value *Next = B.CreateFAdd(Acc, B.CreateFMul(Wt, V));
      Acc = B.CreateSelect(B.CreateFCmpUNE(Wt, ConstantFP::get(C.E.F64, 0.0)), Next, Acc);
    }
    K.store(Y, Flat, convert(K, Acc, ElemType::Float64, OE));
  });
  double Cost = (Linear ? 4.0 * static_cast<double>(int64_t(1) << Active.size()) : 2.0) *
                static_cast<double>(ir::shapeNumElements(Out)) / static_cast<double>(Items);
  C.add(K.finish(Items, Cost));
  return Status::ok();
}

} // namespace npu::host
