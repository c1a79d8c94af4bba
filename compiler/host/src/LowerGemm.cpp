// Packed-GEMM lowering of f32 Conv, Gemm and MatMul with their fused epilogue nodes (bias, BatchNormalization,
// residual Add/Sum, Relu/Clip/LeakyRelu): builds the GemmProblem and packs constant weights at compile time.
#include "Gemm.h"
#include "npu/compiler/ops/OpHelpers.h"
#include "npu/support/Math.h"

#include <cmath>

namespace npu::host {

using ir::ElemType;
using ir::Shape;
using ir::ValueId;

namespace {

/// Input channels per group from which large stride-1 planes take the banded shifted path (GemmPos.cpp).
constexpr int64_t BandedMinChannels = 64;

/// Packs A (rows i < M, columns k < K, element at Src[i*RS + k*CS]) as [ceil(M/MR)][K][MR], zero padded.
/// Floats packA/packB write for one matrix.
int64_t packedSize(int64_t Rows, int64_t K, int Tile) { return (Rows + Tile - 1) / Tile * Tile * K; }

void packA(const float *Src, int64_t M, int64_t K, int64_t RS, int64_t CS, int MR, float *Dst) {
  int64_t Panels = (M + MR - 1) / MR;
  for (int64_t P = 0; P < Panels; ++P) {
    int64_t Rows = std::min<int64_t>(MR, M - P * MR);
    for (int64_t I = 0; I < Rows; ++I) {
      const float *Row = Src + (P * MR + I) * RS;
      float *D = Dst + P * K * MR + I;
      for (int64_t Kk = 0; Kk < K; ++Kk)
        D[Kk * MR] = Row[Kk * CS];
    }
  }
}

/// Packs B (element (k, j) at Src[k*KS + j*NS]) as [ceil(N/NR)][K][NR], zero padded.
void packB(const float *Src, int64_t K, int64_t N, int64_t KS, int64_t NS, int NR, float *Dst) {
  int64_t Panels = (N + NR - 1) / NR;
  for (int64_t P = 0; P < Panels; ++P) {
    int64_t Cols = std::min<int64_t>(NR, N - P * NR);
    for (int64_t Kk = 0; Kk < K; ++Kk) {
      const float *S = Src + Kk * KS + P * NR * NS;
      float *D = Dst + (P * K + Kk) * NR;
      for (int64_t J = 0; J < Cols; ++J)
        D[J] = S[J * NS];
    }
  }
}

/// How the value a member node combines with the running result maps onto GEMM coordinates.
struct Layout {
  bool Conv;           ///< rows are output channels (within group), columns spatial positions
  int64_t M, N, Mg, P; ///< output dims: conv [B0=n][B1=g][Mg][P]; matrix [B0][M][N]
  Shape Out;
};

/// The epilogue operand for V (broadcast to the output): per channel, per element or a scalar.
Expected<EpOperand> operandFor(LowerCtx &C, ValueId V, const Layout &L) {
  EpOperand O;
  O.Slot = C.slot(V);
  const Shape &S = C.dims(V);
  int64_t Elems = ir::shapeNumElements(S);
  if (Elems == 1)
    return O;
  if (S == L.Out) {
    if (L.Conv) {
      O.Off = {0, L.Mg * L.P * (L.M / L.Mg), L.Mg * L.P};
      O.SM = L.P;
    } else {
      O.Off = {0, L.M * L.N, 0};
      O.SM = L.N;
    }
    O.SN = 1;
    return O;
  }
  // Per channel (dim 1): a conv's rows, a 2-D matrix's columns.
  if (Elems == L.Out[1] && L.Out.size() >= 2) {
    if (L.Conv) {
      O.Off = {0, 0, L.Mg};
      O.SM = 1;
    } else {
      O.SN = 1;
    }
    return O;
  }
  return makeError("epilogue operand shape ", ir::formatShape(S), " not supported");
}

/// Appends the epilogue steps of the group's members (after the anchor).
Status memberSteps(LowerCtx &C, const Layout &L, GemmProblem &P) {
  ValueId Cur = C.Group[0]->Outputs[0];
  for (size_t I = 1; I < C.Group.size(); ++I) {
    const ir::Node &N = *C.Group[I];
    EpStep S{EpKind::Relu, {}, {}, 1, 0};
    if (N.OpType == "Relu") {
      S.Kind = EpKind::Relu;
    } else if (N.OpType == "LeakyRelu") {
      S.Kind = EpKind::LeakyRelu;
      S.F1 = N.getFloat("alpha", 0.01f);
    } else if (N.OpType == "Clip") {
      S.Kind = EpKind::Clip;
      S.F1 = N.hasInput(1) ? static_cast<float>(C.known(N.Inputs[1])->getDouble(0)) : -INFINITY;
      S.F2 = N.hasInput(2) ? static_cast<float>(C.known(N.Inputs[2])->getDouble(0)) : INFINITY;
    } else if (N.OpType == "Add" || (N.OpType == "Sum" && N.Inputs.size() == 2)) {
      ValueId Other = N.Inputs[0] == Cur ? N.Inputs[1] : N.Inputs[0];
      auto O = operandFor(C, Other, L);
      if (!O)
        return O.error();
      S.Kind = EpKind::Add;
      S.Op = *O;
    } else if (N.OpType == "BatchNormalization" && L.Conv) {
      std::vector<float> A, Bv;
      batchNormAffine(*C.known(N.Inputs[1]), *C.known(N.Inputs[2]), *C.known(N.Inputs[3]), *C.known(N.Inputs[4]),
                      N.getFloat("epsilon", 1e-5f), A, Bv);
      int64_t Ch = static_cast<int64_t>(A.size());
      A.insert(A.end(), Bv.begin(), Bv.end());
      int Slot = C.P.addRawSlot(A);
      S.Kind = EpKind::Affine;
      S.Op = EpOperand{Slot, {0, 0, L.Mg}, 1, 0};
      S.Op2 = EpOperand{Slot, {Ch, 0, L.Mg}, 1, 0};
    } else {
      return noCodegen(C, "cannot fuse " + N.OpType);
    }
    P.Ep.push_back(S);
    Cur = N.Outputs[0];
  }
  P.YSlot = C.slot(Cur);
  return Status::ok();
}

/// Where convProblem's A comes from: the constant weights packed for the path P takes (B panels of W^T for
/// small planes, A panels otherwise; K ordered (tap, channel) where taps are shifts of the input), the weights
/// themselves for row kernels, or a weight input read in place.
void convWeights(LowerCtx &C, GemmProblem &P, const GemmBlocking &Bl, int64_t Groups, int64_t KSize, bool Unit) {
  const ir::Node &N = C.node();
  // Weights [M][Cg][taps] in panels of Tile output channels with K ordered (tap, channel), per group:
  // [group][ceil(Mg/Tile)][K][Tile]; returns the floats per group.
  auto PackTapMajor = [&](int Tile) {
    int64_t Each = packedSize(P.Mg, P.K, Tile);
    P.ASlot = C.P.addRawSlot(static_cast<size_t>(Each * Groups));
    const float *WD = C.known(N.Inputs[1])->data<float>();
    for (int64_t G2 = 0; G2 < Groups; ++G2) {
      float *Dst = C.P.rawData(P.ASlot) + G2 * Each;
      for (int64_t M2 = 0; M2 < P.Mg; ++M2)
        for (int64_t T = 0; T < KSize; ++T)
          for (int64_t Ci = 0; Ci < P.Cg; ++Ci)
            Dst[(M2 / Tile * P.K + T * P.Cg + Ci) * Tile + M2 % Tile] = WD[((G2 * P.Mg + M2) * P.Cg + Ci) * KSize + T];
    }
    return Each;
  };
  if (P.PosShift) {
    P.AOff = {0, 0, PackTapMajor(Bl.NR)}; // B panels of W^T
  } else if (P.PosRows) {
    // Weights as B panels of W^T: [group][ceil(Mg/NR)][K][NR], K ordered (channel, tap) as im2col's rows.
    int64_t Each = packedSize(P.Mg, P.K, Bl.NR);
    P.ASlot = C.P.addRawSlot(static_cast<size_t>(Each * Groups));
    const float *WD = C.known(N.Inputs[1])->data<float>();
    for (int64_t G2 = 0; G2 < Groups; ++G2)
      packB(WD + G2 * P.Mg * P.K, P.K, P.Mg, 1, P.K, Bl.NR, C.P.rawData(P.ASlot) + G2 * Each);
    P.AOff = {0, 0, Each};
  } else if (P.RowConv) {
    P.ASlot = P.WSlot;
  } else if (Unit) {
    P.AOff = {0, 0, PackTapMajor(Bl.MR)}; // A panels
    P.APacked = true;
  } else if (const ir::Tensor *WT = C.known(N.Inputs[1])) {
    int64_t Each = packedSize(P.Mg, P.K, Bl.MR);
    P.ASlot = C.P.addRawSlot(static_cast<size_t>(Each * Groups));
    for (int64_t G2 = 0; G2 < Groups; ++G2)
      packA(WT->data<float>() + G2 * P.Mg * P.K, P.Mg, P.K, P.K, 1, Bl.MR, C.P.rawData(P.ASlot) + G2 * Each);
    P.APacked = true;
    P.AOff = {0, 0, (P.Mg + Bl.MR - 1) / Bl.MR * Bl.MR * P.K};
  } else {
    P.ASlot = C.slot(N.Inputs[1]);
    P.AOff = {0, 0, P.Mg * P.K};
    P.ARS = P.K;
    P.ACS = 1;
  }
}

Status convProblem(LowerCtx &C, GemmProblem &P, Layout &L, PadPlan &Pad) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]), &W = C.dims(N.Inputs[1]);
  if (C.elem(N.Inputs[1]) != ElemType::Float32 || (N.hasInput(2) && C.elem(N.Inputs[2]) != ElemType::Float32))
    return noCodegen(C, "mixed types");
  Shape InSp(X.begin() + 2, X.end());
  auto G = ir::resolveWindow(N, InSp, Shape(W.begin() + 2, W.end()), false);
  if (!G)
    return G.error();
  int64_t Groups = N.getInt("group", 1), Cin = X[1], M = W[0];
  if (Groups <= 0 || Cin % Groups || M % Groups || W[1] != Cin / Groups)
    return noCodegen(C, "inconsistent group");
  int64_t Cg = Cin / Groups, Mg = M / Groups, KSize = ir::shapeNumElements(G->Kernel);
  int64_t InSize = ir::shapeNumElements(InSp), OutSize = ir::shapeNumElements(G->OutSpatial);
  // Thin problems (depthwise, a handful of channels per group) waste the register tile: row kernels instead.
  P.RowConv = Mg < 4 || Cg * KSize < 4;
  if (P.RowConv && InSp.size() > 2)
    return noCodegen(C, "thin 3-D convolution");
  P.WSlot = C.slot(N.Inputs[1]);
  P.Cg = Cg;
  P.Mg = Mg;
  P.M = Mg;
  P.N = OutSize;
  P.K = Cg * KSize;
  P.B0 = X[0];
  P.B1 = Groups;
  GemmBlocking Bl = gemmBlocking(C.E.T);
  // Stride-1 convolutions with constant weights and enough channels skip im2col: they read B straight from
  // the (zero-padded) input, one tap at a time, on the padded-width output grid.
  bool Unit = !P.RowConv && InSp.size() <= 2 && Cg >= 16 && C.known(N.Inputs[1]);
  for (size_t D = 0; D < InSp.size(); ++D)
    Unit &= G->Strides[D] == 1;
  // Small planes: positions as rows (GemmPos.cpp) when columns of NR positions (of the padded-width grid for
  // the Shifted path) would leave many lanes idle. Their result is transposed into Y, about 3 cycles per output
  // against K/16 cycles of FMAs (32 flops a cycle): the idle lanes must cost more than that (Idle * K >= 48), so
  // short reductions (ShuffleNet's grouped 1x1 with K = 136 on 7x7) keep the column path.
  int64_t Cols = Unit ? (InSp.size() == 2 ? G->OutSpatial[0] : 1) *
                            (InSp.back() + G->PadsBegin.back() + G->PadsEnd.back())
                      : OutSize;
  double Idle = 1.0 - static_cast<double>(OutSize) / static_cast<double>(ceilDiv(Cols, Bl.NR) * Bl.NR);
  bool AllUnit = true, Plain1x1 = KSize == 1 && InSize == OutSize;
  for (size_t D = 0; D < InSp.size(); ++D) {
    AllUnit &= G->Strides[D] == 1;
    Plain1x1 &= G->Strides[D] == 1 && G->PadsBegin[D] == 0;
  }
  // Stride 1 on small planes: the tiles' positions read the padded input shifted per tap, no im2col matrix.
  int ShiftRows = AllUnit && !Plain1x1 && InSp.size() <= 2 ? posShiftRows(G->OutSpatial.back(), Bl) : 0;
  int64_t Grid = Cg;
  for (size_t D = 0; D < InSp.size(); ++D)
    Grid *= InSp[D] + G->PadsBegin[D] + G->PadsEnd[D];
  // Every channel block re-reads the whole input matrix (K x positions, or the padded grid): above a few MB
  // (VGG-19's 28x28 layers' im2col, 7-15 MB) that streams from L3 or memory 8 times, and the column path's L2
  // blocks are faster.
  P.PosRows = !P.RowConv && InSp.size() <= 2 && C.known(N.Inputs[1]) && OutSize <= 1024 && Idle >= 0.05 &&
              Idle * static_cast<double>(P.K) >= 48 && (ShiftRows ? Grid : P.K * OutSize) * 4 <= (int64_t(4) << 20);
  // Large planes at stride 1 whose rows a tile count divides (VGG-19's 224x224 to 56x56 3x3 layers): the same
  // shifted tiles over bands of output rows, whose grid blocks stay in L2 where the whole plane's do not.
  bool Banded = !P.PosRows && !P.RowConv && Bl.VW >= 16 && ShiftRows && ShiftRows <= G->OutSpatial.back() &&
                InSp.size() == 2 && KSize > 1 && Cg >= BandedMinChannels && C.known(N.Inputs[1]);
  P.PosRows |= Banded;
  P.Banded = Banded;
  Unit &= !P.PosRows;
  if (P.PosRows)
    P.PosShift = ShiftRows;
  convWeights(C, P, Bl, Groups, KSize, Unit);
  P.BK = GemmProblem::BKind::Im2col;
  P.BSlot = C.slot(N.Inputs[0]);
  P.BOff = {0, Cin * InSize, Cg * InSize};
  if (P.PosRows && Plain1x1) { // the input is A as it is: A(j, c) = X[c][j]
    P.BK = GemmProblem::BKind::Ready;
    P.BLd = InSize;
  }
  // The padded input grid: BSlot/BOff read it, a pad kernel makes it unless the input can be read in place.
  auto Padded = [&]() {
    bool TwoD = InSp.size() == 2;
    int64_t H = TwoD ? InSp[0] : 1, Wd = InSp.back();
    int64_t PT = TwoD ? G->PadsBegin[0] : 0, PB = TwoD ? G->PadsEnd[0] : 0, PL = G->PadsBegin.back(),
            PR = G->PadsEnd.back();
    int64_t Hp = H + PT + PB, Wp = Wd + PL + PR;
    bool NoPad = PT == 0 && PB == 0 && PL == 0 && PR == 0 && arenaBacked(C.P, N.Inputs[0]);
    P.KW = G->Kernel.back();
    P.Wp = Wp;
    P.OWv = G->OutSpatial.back();
    P.DH = TwoD ? G->Dilations[0] : 1;
    P.DW = G->Dilations.back();
    P.BLd = Hp * Wp;
    P.BOff = {0, Cin * Hp * Wp, Cg * Hp * Wp};
    if (!NoPad) {
      Pad.Needed = true;
      Pad.Slot = C.P.addTempSlot(static_cast<size_t>(X[0] * Cin * Hp * Wp) * sizeof(float));
      Pad.Planes = X[0] * Cin;
      Pad.H = H;
      Pad.W = Wd;
      Pad.Hp = Hp;
      Pad.Wp = Wp;
      Pad.PT = PT;
      Pad.PL = PL;
      Pad.Src = N.Inputs[0];
      P.BSlot = Pad.Slot;
    }
  };
  if (Unit) {
    // With AVX-512 a masked load costs what a load does: when the output is as wide as the input, the positions
    // of the unpadded input are the GEMM's columns (a tap is a constant shift of them) and the padding becomes
    // masked-off lanes, so there is no padded copy and no idle grid column. Plain 1x1 layers need no masks.
    bool Pads = false;
    for (size_t D = 0; D < InSp.size(); ++D)
      Pads |= G->PadsBegin[D] != 0 || G->PadsEnd[D] != 0;
    if (Bl.VW >= 16 && G->OutSpatial.back() == InSp.back() && (Pads || !arenaBacked(C.P, N.Inputs[0]))) {
      P.MaskedB = true;
      P.KW = G->Kernel.back();
      P.Wp = P.OWv = InSp.back();
      P.DH = InSp.size() == 2 ? G->Dilations[0] : 1;
      P.DW = G->Dilations.back();
      P.BLd = InSize;
    } else {
      Padded();
    }
    P.BK = GemmProblem::BKind::Shifted;
    P.N = (InSp.size() == 2 ? G->OutSpatial[0] : 1) * P.Wp;
    P.Taps = KSize;
  }
  if (P.PosShift) {
    Padded();
    P.Taps = KSize;
  }
  if (P.RowConv && AllUnit) {
    Padded();
    P.PlaneConv = true;
    P.Taps = KSize;
  }
  P.InSp = InSp;
  P.OutSp = G->OutSpatial;
  P.Kernel = G->Kernel;
  P.Strides = G->Strides;
  P.Dilations = G->Dilations;
  P.PadsBegin = G->PadsBegin;
  P.YOff = {0, M * OutSize, Mg * OutSize};
  P.Ldc = OutSize;
  L = Layout{true, M, OutSize, Mg, OutSize, C.dims(N.Outputs[0])};
  if (N.hasInput(2))
    P.Ep.push_back(EpStep{EpKind::Add, EpOperand{C.slot(N.Inputs[2]), {0, 0, Mg}, 1, 0}, {}, 1, 0});
  return Status::ok();
}

/// Gemm (2-D, transposes, alpha, beta, C) and MatMul (batched with whole or broadcast batches).
Status matrixProblem(LowerCtx &C, GemmProblem &P, Layout &L) {
  const ir::Node &N = C.node();
  bool IsGemm = baseOpType(N) == "Gemm";
  ValueId AV = N.Inputs[0], BV = N.Inputs[1];
  if (C.elem(BV) != ElemType::Float32)
    return noCodegen(C, "mixed types");
  Shape A = C.dims(AV), B = C.dims(BV);
  bool TA = IsGemm && N.getInt("transA", 0) != 0, TB = IsGemm && N.getInt("transB", 0) != 0;
  if (A.size() == 1)
    A.insert(A.begin(), 1);
  if (B.size() == 1)
    B.push_back(1);
  int64_t M = TA ? A[A.size() - 1] : A[A.size() - 2], Kk = TA ? A[A.size() - 2] : A.back();
  int64_t Nn = TB ? B[B.size() - 2] : B.back();
  Shape AB(A.begin(), A.end() - 2), BB(B.begin(), B.end() - 2);
  auto OutB = ir::broadcastShapes(AB, BB);
  if (!OutB)
    return OutB.error();
  int64_t Batch = ir::shapeNumElements(*OutB);
  int64_t ABatch = ir::shapeNumElements(AB), BBatch = ir::shapeNumElements(BB);
  if ((ABatch != 1 && AB != *OutB) || (BBatch != 1 && BB != *OutB))
    return noCodegen(C, "partially broadcast batch dims");
  P.M = M;
  P.N = Nn;
  P.K = Kk;
  P.B0 = Batch;
  P.ASlot = C.slot(AV);
  P.AOff = {0, ABatch == 1 ? 0 : M * Kk, 0};
  P.ARS = TA ? 1 : Kk;
  P.ACS = TA ? M : 1;
  int64_t BKS = TB ? 1 : Nn, BNS = TB ? Kk : 1;
  GemmBlocking Bl = gemmBlocking(C.E.T);
  if (const ir::Tensor *BT = C.known(BV)) {
    int64_t Each = packedSize(Nn, Kk, Bl.NR);
    P.BSlot = C.P.addRawSlot(static_cast<size_t>(Each * BBatch));
    for (int64_t I = 0; I < BBatch; ++I)
      packB(BT->data<float>() + I * Kk * Nn, Kk, Nn, BKS, BNS, Bl.NR, C.P.rawData(P.BSlot) + I * Each);
    P.BK = GemmProblem::BKind::Packed;
    P.BOff = {0, BBatch == 1 ? 0 : (Nn + Bl.NR - 1) / Bl.NR * Bl.NR * Kk, 0};
  } else {
    P.BK = GemmProblem::BKind::Dense;
    P.BSlot = C.slot(BV);
    P.BOff = {0, BBatch == 1 ? 0 : Kk * Nn, 0};
    P.BKS = BKS;
    P.BNS = BNS;
  }
  P.YOff = {0, M * Nn, 0};
  P.Ldc = Nn;
  L = Layout{false, M, Nn, M, Nn, C.dims(N.Outputs[0])};
  if (IsGemm) {
    float Alpha = N.getFloat("alpha", 1.0f), Beta = N.getFloat("beta", 1.0f);
    if (Alpha != 1.0f)
      P.Ep.push_back(EpStep{EpKind::Scale, {}, {}, Alpha, 0});
    if (N.hasInput(2)) {
      ValueId CV = N.Inputs[2];
      if (C.elem(CV) != ElemType::Float32)
        return noCodegen(C, "mixed types");
      const Shape &CS = C.dims(CV);
      EpOperand O;
      O.Slot = C.slot(CV);
      Shape Full = CS;
      while (Full.size() < 2)
        Full.insert(Full.begin(), 1);
      O.SM = Full[0] == 1 ? 0 : (Full[1] == 1 ? 1 : Nn);
      O.SN = Full[1] == 1 ? 0 : 1;
      P.Ep.push_back(EpStep{EpKind::Add, O, {}, Beta, 0});
    }
  }
  return Status::ok();
}

} // namespace

Status lowerFusedGemm(LowerCtx &C) {
  GemmProblem P;
  Layout L{};
  PadPlan Pad;
  const ir::Node &N = C.node();
  if (C.elem(N.Inputs[0]) != ElemType::Float32 || C.E.T.Gpu)
    return noCodegen(C, "not f32 on the CPU");
  NPU_TRY(baseOpType(N) == "Conv" ? convProblem(C, P, L, Pad) : matrixProblem(C, P, L));
  if (baseOpType(N) != N.OpType) { // a graph pass already fused an activation into the node
    std::string Kind = N.getString("activation", "");
    if (Kind == "relu")
      P.Ep.push_back(EpStep{EpKind::Relu, {}, {}, 1, 0});
    else if (Kind == "leaky_relu")
      P.Ep.push_back(EpStep{EpKind::LeakyRelu, {}, {}, N.getFloat("act_alpha", 0.01f), 0});
    else if (Kind == "clip")
      P.Ep.push_back(EpStep{EpKind::Clip, {}, {}, N.getFloat("act_min", -INFINITY), N.getFloat("act_max", INFINITY)});
    else
      return noCodegen(C, "activation '" + Kind + "'");
  }
  NPU_TRY(memberSteps(C, L, P));
  if (P.PosRows) {
    if (Pad.Needed)
      emitPad(C, Pad);
    return emitPosRowsGemm(C, P, Pad.Needed ? std::vector<int>{Pad.Slot} : std::vector<int>{});
  }
  if (P.PlaneConv) {
    if (Pad.Needed)
      emitPad(C, Pad);
    return emitPlaneConv(C, P, Pad.Needed ? std::vector<int>{Pad.Slot} : std::vector<int>{});
  }
  if (P.RowConv)
    return emitRowConv(C, P);
  if (Pad.Needed)
    emitPad(C, Pad);
  return emitGemm(C, P, Pad.Needed ? std::vector<int>{Pad.Slot} : std::vector<int>{});
}

} // namespace npu::host
