// Lowering of blocked npu.QMatMul (Gemm / MatMul / dense layers), with K (reduction) splitting: accumulators
// start from the bias, chunks of K blocks of X and of the weights are streamed through N-way buffered slots
// and their GEMMs add partial sums, then requant, clip and store; tiling chosen by the per-tile cost model.
#include "ConvCommon.h"

#include "npu/backend/CostModel.h"

#include <algorithm>
#include "npu/timing/TimingRules.h"
#include "npu/support/Math.h"

namespace npu::backend {

using isa::AluOp;
using isa::MemType;
using isa::MicroOp;
using namespace conv;

namespace {

/// X [Mb, Kb, n, bi] rows m * Kb + k; W [Nb, Kb, bo, bi] rows o * Kb + k; Y [Mb, Nb, n, bo] rows m * Nb + o.
struct MatMulShape {
  int64_t Mb = 1, Kb = 1, Nb = 1;
  bool Clip = false, Int32 = false;
};

/// A matmul schedule. Output blocks go in groups of GO whose accumulators (TM rows of M each, laid out
/// m * GO + o so that one 2-D STORE writes the tile) live through all K chunks of KB blocks. Per chunk the
/// X rows (TM x KB) and then the weights in pieces of GS output blocks (GS x KB) are loaded into N rotating
/// slots; with WRes a group's weights of all of K stay on chip for every M tile instead (NW slots), with
/// XAll all of X is loaded once. KB = Kb is the unsplit case.
struct MatMulPlan {
  int64_t TM = 1, GO = 1, GS = 1, KB = 1, N = 1, NW = 1;
  bool XAll = false, WRes = false;
  bool ConstAll = false; ///< bias and multiplier rows of every output block loaded once (else per group)
  uint64_t Estimate = UINT64_MAX, Bytes = 0;
};


int64_t constRows(const MatMulShape &S, const MatMulPlan &P) { return 2 * (P.ConstAll ? S.Nb : P.GO); }

/// Whether P fits the buffers and the instruction fields; completes GS and NW.
bool planFits(const HardwareConfig &C, const MatMulShape &S, MatMulPlan &P) {
  const int64_t MaxLoop = (int64_t(1) << C.LoopBits) - 1, MaxSize = (int64_t(1) << C.SizeBits) - 1;
  const int64_t WDepth = int64_t(C.D.WeightDepth), InDepth = int64_t(C.D.InputDepth);
  if (P.TM < 1 || P.GO < 1 || P.KB < 1 || P.N < 1 || P.TM > MaxLoop || P.GO > MaxLoop || P.KB > MaxLoop ||
      P.TM > MaxSize || P.GO > MaxSize || P.KB > MaxSize)
    return false;
  if ((P.ConstAll && S.Nb > MaxSize) || P.N * P.TM * P.GO > int64_t(C.D.OutputDepth) ||
      P.N * P.TM * P.GO + constRows(S, P) > int64_t(C.D.AccDepth))
    return false;
  if (P.XAll ? S.Mb * S.Kb > InDepth || S.Mb > MaxSize || S.Kb > MaxSize : P.N * P.TM * P.KB > InDepth)
    return false;
  if (P.WRes) {
    P.GS = P.GO;
    P.NW = std::min(P.N, WDepth / (P.GO * S.Kb));
    return P.NW >= 1 && S.Kb <= MaxSize && (P.TM == 1 || P.GS <= int64_t(C.D.UopDepth));
  }
  P.NW = P.N;
  P.GS = std::min(P.GO, WDepth / (P.N * P.KB));
  return P.GS >= 1 && (P.TM == 1 || P.GS <= int64_t(C.D.UopDepth));
}

/// Micro-op rows the plan's distinct GEMM kernels take (an upper bound: each slot combination once).
int64_t kernelUops(const MatMulShape &S, const MatMulPlan &P) {
  const int64_t Chunks = ceilDiv(S.Kb, P.KB), Pieces = ceilDiv(P.GO, P.GS);
  const int64_t Src = P.XAll ? ceilDiv(S.Mb, P.TM) * Chunks : P.N;
  const int64_t Wgt = P.WRes ? P.NW * Pieces * Chunks : P.N;
  return P.N * Pieces * Src * Wgt * (P.TM == 1 ? 1 : P.GS);
}

/// The per-tile formula, per piece (the unit that rotates through the slots): its weight load, its share of
/// the chunk's X load, its GEMM, and its share of the tile's bias/requant/clip and store.
void estimatePlan(const HardwareConfig &C, const MatMulShape &S, MatMulPlan &P) {
  const uint64_t Irb = C.D.InputRowBytes, Wrb = C.D.WeightRowBytes;
  const uint64_t Arb = C.D.AccRowBytes;
  const uint64_t Groups = uint64_t(ceilDiv(S.Nb, P.GO)), MTiles = uint64_t(ceilDiv(S.Mb, P.TM));
  const uint64_t Chunks = uint64_t(ceilDiv(S.Kb, P.KB)), Pieces = uint64_t(ceilDiv(P.GO, P.GS));
  const uint64_t Tiles = Groups * MTiles, Steps = Tiles * Chunks * Pieces, PerTile = Chunks * Pieces;
  const uint64_t TM = uint64_t(P.TM), GO = uint64_t(P.GO), KB = uint64_t(P.KB);
  TileCost T;
  uint64_t Fixed = 0, Bytes = 0;
  // Weights: per piece, or per group (overlapped with the previous group when NW > 1).
  if (P.WRes) {
    const uint64_t WB = GO * uint64_t(S.Kb) * Wrb, WLoad = transferCycles(C, WB, 1, false);
    Bytes += Groups * WB;
    if (P.NW > 1) {
      T.Load += WLoad / (MTiles * PerTile), T.DramBytes += WB / (MTiles * PerTile);
      Fixed += WLoad;
    } else {
      Fixed += Groups * WLoad;
    }
  } else {
    const uint64_t WB = uint64_t(P.GS) * KB * Wrb;
    T.Load += transferCycles(C, WB, 1, false), T.DramBytes += WB, Bytes += Steps * WB;
  }
  if (P.XAll) {
    Fixed += transferCycles(C, uint64_t(S.Mb * S.Kb) * Irb, 1, false);
    Bytes += uint64_t(S.Mb * S.Kb) * Irb;
  } else {
    const uint64_t XB = TM * KB * Irb;
    T.Load += transferCycles(C, XB, 1, false) / Pieces, T.DramBytes += XB / Pieces;
    Bytes += Tiles * Chunks * XB;
  }
  // Constant rows on the compute unit: two acc loads per layer or per group.
  const uint64_t ConstLoads = transferCycles(C, 2 * GO * Arb, 2, false);
  if (P.ConstAll)
    Fixed += transferCycles(C, 2 * uint64_t(S.Nb) * Arb, 2, false);
  else
    T.Compute += ConstLoads / (MTiles * PerTile);
  T.Compute += timing::gemmLoopCycles(C, uint64_t(P.GS) * TM * KB);
  T.Alu = (tailAluPasses(S.Int32, S.Clip) * timing::aluLoopCycles(C, TM * GO)) / PerTile;
  // Kernels beyond the micro-op buffer are reloaded before their GEMM.
  const int64_t PerKernel = P.TM == 1 ? 1 : P.GS, Kernels = kernelUops(S, P) / PerKernel;
  const uint64_t UopLoad = transferCycles(C, uint64_t(PerKernel) * C.D.UopRowBytes, 1, false);
  if (Kernels * PerKernel > int64_t(C.D.UopDepth))
    T.Compute += UopLoad;
  else
    Fixed += uint64_t(std::min<int64_t>(Kernels, int64_t(Steps))) * UopLoad;
  const uint64_t YB = TM * GO * resultRowBytes(C, S.Int32);
  T.Store = transferCycles(C, YB, 1, true) / PerTile, T.DramBytes += YB / PerTile;
  Bytes += Tiles * YB;
  P.Estimate = pipelinedCycles(C, T, Steps, P.N, Fixed);
  P.Bytes = Bytes;
}

MatMulShape matMulShape(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  const ir::Shape &XD = G.type(N.Inputs[0]).Dims, &WD = G.type(N.Inputs[1]).Dims;
  return {XD[0], XD[1], WD[0], needsClip(N, C), int32Result(N)};
}

/// The cheapest plan by the formula (within 1 % of the fastest: the fewest DRAM bytes); a forced schedule
/// (--tune) fixes the M tile rows, the buffering depth and the output group.
Expected<MatMulPlan> chooseMatMulPlan(const HardwareConfig &C, const MatMulShape &S, int64_t MaxN,
                                      const LayerSchedule *Forced) {
  // Only the plans within 1 % of the fastest so far are kept (the search space can be large).
  std::vector<MatMulPlan> All;
  uint64_t Fastest = UINT64_MAX;
  auto Consider = [&](MatMulPlan P) {
    if (!planFits(C, S, P))
      return;
    estimatePlan(C, S, P);
    if (Fastest != UINT64_MAX && P.Estimate > Fastest + Fastest / 100)
      return;
    if (P.Estimate < Fastest) {
      Fastest = P.Estimate;
      std::erase_if(All, [&](const MatMulPlan &Q) { return Q.Estimate > Fastest + Fastest / 100; });
    }
    All.push_back(P);
  };
  const std::vector<int64_t> TMs = tileRowCandidates(S.Mb), GOs = tileRowCandidates(S.Nb),
                             KBs = tileRowCandidates(S.Kb);
  auto Search = [&](int64_t NLo, int64_t NHi, const std::vector<int64_t> &TMc,
                    const std::vector<int64_t> &GOc) {
    for (int64_t N = NLo; N <= NHi; ++N)
      for (int64_t TM : TMc)
        for (int64_t GO : GOc)
          for (bool ConstAll : {true, false})
            for (bool XAll : {true, false})
              for (bool WRes : {false, true})
                for (int64_t KB : KBs) {
                  // Chunks only matter for what is streamed: with X and the weights resident, K is whole.
                  if (XAll && WRes && KB != S.Kb)
                    continue;
                  MatMulPlan P;
                  P.TM = TM, P.GO = GO, P.KB = KB, P.N = N, P.XAll = XAll, P.WRes = WRes,
                  P.ConstAll = ConstAll;
                  Consider(P);
                }
  };
  if (Forced && Forced->Buffers >= 1 && Forced->Buffers <= MaxN)
    Search(Forced->Buffers, Forced->Buffers, {std::min(std::max<int64_t>(1, Forced->TileRows), S.Mb)},
           Forced->Groups > 0 ? std::vector<int64_t>{std::min(Forced->Groups, S.Nb)} : GOs);
  if (All.empty())
    Search(1, MaxN, TMs, GOs);
  if (All.empty())
    return makeError("no tiling of the matmul (K of ", S.Kb, " blocks, N of ", S.Nb,
                     " blocks) fits the on-chip buffers");
  const MatMulPlan *Best = nullptr;
  for (const MatMulPlan &P : All)
    if (P.Estimate <= Fastest + Fastest / 100 && (!Best || P.Bytes < Best->Bytes))
      Best = &P;
  return *Best;
}

/// ALU op over a Tm x Gn accumulator tile (rows m * Gn + o from Dst) with source row Src + o (src factors:
/// one row per output block, the same for every m).
Status tileAlu(Emitter &E, AluOp Op, int64_t Dst, int64_t Src, int64_t Tm, int64_t Gn, isa::AluFields F) {
  F.LoopOut = Tm, F.LoopIn = Gn, F.DstOut = Tm > 1 ? Gn : 0, F.DstIn = 1, F.SrcOut = 0,
  F.SrcIn = Op == AluOp::Clip ? 0 : 1;
  return E.alu(Op, {MicroOp{Dst, Op == AluOp::Clip ? 0 : Src, 0}}, F);
}

} // namespace

Status canLowerMatMul(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_TRY(checkGemmNode(G, N, C));
  if (G.type(N.Inputs[0]).rank() != 4 || !G.value(N.Inputs[1]).Data ||
      (N.hasInput(2) && !G.value(N.Inputs[2]).Data))
    return makeError("blocked X [M/n, K/bi, n, bi] with constant weights and bias expected");
  const MatMulShape S = matMulShape(G, N, C);
  const int64_t MaxStride = (int64_t(1) << C.StrideBits) - 1;
  if (S.Kb > MaxStride || S.Nb > MaxStride)
    return makeError("K of ", S.Kb, " blocks or N of ", S.Nb, " blocks exceeds the LOAD/STORE stride field (",
                     MaxStride, ")");
  // The smallest plan (one row, one output block, one K block, single-buffered) decides feasibility.
  MatMulPlan P;
  if (!planFits(C, S, P))
    return makeError("even one K block of one output block does not fit the on-chip buffers");
  return Status::ok();
}

namespace {

/// One matmul's emission with plan P: per group of GO output blocks its weights and constant rows (unless all
/// stay), then per tile of TM rows the bias, per chunk of KB K blocks the chunk's rows and one GEMM per piece
/// of GS output blocks, and the requant, clip and store.
class MatMulLowering {
public:
  MatMulLowering(Emitter &E, const ir::Node &N, const MatMulShape &S, const MatMulPlan &P, int WT)
      : E(E), C(E.config()), N(N), S(S), P(P), XT(E.Values.at(N.Inputs[0]).Tensor),
        YT(E.Values.at(N.Outputs[0]).Tensor), WT(WT), ConstN(P.ConstAll ? S.Nb : P.GO),
        BiasBase(int64_t(C.D.AccDepth) - 2 * ConstN), MulBase(BiasBase + ConstN), AccSlot(P.TM * P.GO),
        InSlot(P.TM * P.KB), WSlot(P.WRes ? P.GO * S.Kb : P.GS * P.KB) {}

  Status run(int BiasT, int MulT);

private:
  Status tile(int64_t G0, int64_t Gn, int64_t GroupW, int64_t M0);
  /// The GEMMs of K blocks C0.. (Kn of them, rows at Src, SrcStep apart) into the tile's accumulators.
  Status chunkGemms(int64_t G0, int64_t Gn, int64_t GroupW, int64_t Tm, int64_t AccBase, int64_t C0, int64_t Kn,
                    int64_t Src, int64_t SrcStep);
  Status tail(int64_t G0, int64_t Gn, int64_t M0, int64_t Tm, int64_t AccBase);

  Emitter &E;
  const HardwareConfig &C;
  const ir::Node &N;
  const MatMulShape &S;
  const MatMulPlan &P;
  const int XT, YT, WT;
  const int64_t ConstN, BiasBase, MulBase, AccSlot, InSlot, WSlot;
  int64_t Unit = 0, Chunk = 0, WSet = 0; ///< tiles, chunks and weight sets so far: their slots rotate
};

Status MatMulLowering::chunkGemms(int64_t G0, int64_t Gn, int64_t GroupW, int64_t Tm, int64_t AccBase, int64_t C0,
                                  int64_t Kn, int64_t Src, int64_t SrcStep) {
  const int64_t Kb = S.Kb;
  for (int64_t S0 = 0; S0 < Gn; S0 += P.GS) {
    const int64_t Gs = std::min(P.GS, Gn - S0);
    int64_t Wgt = GroupW + S0 * Kb + C0, WStep = Kb;
    if (!P.WRes) {
      Wgt = (WSet++ % P.NW) * WSlot, WStep = Kn;
      E.load(MemType::Weight, Wgt, WT, uint64_t((G0 + S0) * Kb + C0) * C.D.WeightRowBytes, Gs, Kn, Kb);
    }
    // The K blocks run in the inner loop into one accumulator row (dst factor 0), so a kernel is one micro-op
    // per output block (per piece when M has one row: the outer loop walks the blocks).
    isa::GemmFields F;
    F.LoopIn = Kn, F.DstIn = 0, F.SrcIn = 1, F.WgtIn = 1;
    std::vector<MicroOp> Kernel;
    // A loop of one iteration gets factor 0 (a step of a whole buffer may not fit the field).
    if (Tm == 1) {
      F.LoopOut = Gs, F.DstOut = 1, F.SrcOut = 0, F.WgtOut = Gs > 1 ? WStep : 0;
      Kernel.push_back({AccBase + S0, Src, Wgt});
    } else {
      F.LoopOut = Tm, F.DstOut = Gn, F.SrcOut = SrcStep, F.WgtOut = 0;
      for (int64_t O = 0; O < Gs; ++O)
        Kernel.push_back({AccBase + S0 + O, Src, Wgt + O * WStep});
    }
    NPU_TRY(E.gemm(Kernel, F));
  }
  return Status::ok();
}

Status MatMulLowering::tail(int64_t G0, int64_t Gn, int64_t M0, int64_t Tm, int64_t AccBase) {
  const int64_t ConstRow = P.ConstAll ? G0 : 0;
  isa::AluFields Rq;
  Rq.Shift = N.getInt("shift", 1);
  Rq.Imm2 = N.getInt("y_zero_point", 0);
  if (!S.Int32)
    NPU_TRY(tileAlu(E, AluOp::Requant, AccBase, MulBase + ConstRow, Tm, Gn, Rq));
  if (S.Clip) {
    isa::AluFields Cf;
    Cf.UseImm = 1;
    std::tie(Cf.Imm, Cf.Imm2) = actBounds(N, C);
    NPU_TRY(tileAlu(E, AluOp::Clip, AccBase, 0, Tm, Gn, Cf));
  }
  storeResult(E, N, AccBase, YT, uint64_t(M0 * S.Nb + G0), Tm, Gn, S.Nb);
  return Status::ok();
}

/// Rows M0.. of the output blocks G0.. (Gn of them): bias, the K chunks, the tail.
Status MatMulLowering::tile(int64_t G0, int64_t Gn, int64_t GroupW, int64_t M0) {
  const int64_t Kb = S.Kb, ConstRow = P.ConstAll ? G0 : 0;
  const int64_t Tm = std::min(P.TM, S.Mb - M0), AccBase = (Unit++ % P.N) * AccSlot;
  NPU_TRY(tileAlu(E, AluOp::Mov, AccBase, BiasBase + ConstRow, Tm, Gn, {}));
  for (int64_t C0 = 0; C0 < Kb; C0 += P.KB) {
    const int64_t Kn = std::min(P.KB, Kb - C0);
    int64_t Src = M0 * Kb + C0, SrcStep = Kb;
    if (!P.XAll) {
      Src = (Chunk++ % P.N) * InSlot, SrcStep = Kn;
      E.load(MemType::Input, Src, XT, uint64_t(M0 * Kb + C0) * C.D.InputRowBytes, Tm, Kn, Kb);
    }
    NPU_TRY(chunkGemms(G0, Gn, GroupW, Tm, AccBase, C0, Kn, Src, SrcStep));
  }
  return tail(G0, Gn, M0, Tm, AccBase);
}

Status MatMulLowering::run(int BiasT, int MulT) {
  const int64_t Kb = S.Kb, Nb = S.Nb;
  const uint64_t Arb = C.D.AccRowBytes;
  if (P.XAll)
    E.load(MemType::Input, 0, XT, 0, S.Mb, Kb, Kb);
  if (P.ConstAll) {
    E.load(MemType::Acc, BiasBase, BiasT, 0, 1, Nb, Nb);
    E.load(MemType::Acc, MulBase, MulT, 0, 1, Nb, Nb);
  }
  for (int64_t G0 = 0; G0 < Nb; G0 += P.GO) {
    const int64_t Gn = std::min(P.GO, Nb - G0);
    int64_t GroupW = 0;
    if (P.WRes) {
      GroupW = (WSet++ % P.NW) * WSlot;
      E.load(MemType::Weight, GroupW, WT, uint64_t(G0 * Kb) * C.D.WeightRowBytes, Gn, Kb, Kb);
    }
    if (!P.ConstAll) {
      E.load(MemType::Acc, BiasBase, BiasT, uint64_t(G0) * Arb, 1, Gn, Gn);
      E.load(MemType::Acc, MulBase, MulT, uint64_t(G0) * Arb, 1, Gn, Gn);
    }
    for (int64_t M0 = 0; M0 < S.Mb; M0 += P.TM)
      NPU_TRY(tile(G0, Gn, GroupW, M0));
  }
  return Status::ok();
}

} // namespace

Status lowerMatMul(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerMatMul(G, N, C));
  const MatMulShape S = matMulShape(G, N, C);
  auto Chosen = chooseMatMulPlan(C, S, E.maxBuffers(), E.forcedSchedule());
  if (!Chosen)
    return Chosen.error();
  const MatMulPlan P = *Chosen;
  E.recordSchedule({"", P.TM, P.N, P.GO, P.Estimate, E.forcedSchedule() != nullptr});
  const int WT = E.weightTiles(N.Name + ".weights", G.value(N.Inputs[1]).Data->byteVector());
  auto [BiasT, MulT] = channelConstants(E, G, N, S.Nb);
  return MatMulLowering(E, N, S, P, WT).run(BiasT, MulT);
}

} // namespace npu::backend
