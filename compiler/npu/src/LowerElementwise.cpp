// Lowering of elementwise int8 operators on blocked tensors (Relu, npu.Requantize to i8, npu.QAdd of equal
// shapes): rows are widened into the accumulators by an identity GEMM, combined by the ALU with immediates,
// requantized and stored. Layout does not matter row by row, but the segment I/O relanes n, so the operand
// must be a blocked value.
#include "AluRows.h"
#include "BlockedValue.h"
#include "Emitter.h"
#include "Reblock.h"
#include "DeferredTail.h"
#include "Window.h"

#include "npu/backend/CostModel.h"

#include "npu/compiler/ops/BlockedLayout.h"

#include <algorithm>
#include "npu/timing/TimingRules.h"

namespace npu::backend {

using isa::AluOp;
using isa::MemType;
using isa::MicroOp;

namespace {

/// requant by an immediate multiplier over Rows rows from Dst, then the node's clip.
Status requantRowsImm(Emitter &E, const ir::Node &N, int64_t Dst, int64_t Rows, int64_t Multiplier) {
  isa::AluFields F;
  F.LoopOut = Rows, F.LoopIn = 1, F.DstOut = 1, F.UseImm = 1, F.Imm = Multiplier;
  F.Shift = N.getInt("shift", 1), F.Imm2 = N.getInt("y_zero_point", 0);
  NPU_TRY(E.alu(AluOp::Requant, {MicroOp{Dst, 0, 0}}, F));
  if (!needsClip(N, E.config()))
    return Status::ok();
  const auto [Lo, Hi] = actBounds(N, E.config());
  isa::AluFields Cf;
  Cf.LoopOut = Rows, Cf.LoopIn = 1, Cf.DstOut = 1, Cf.UseImm = 1, Cf.Imm = Lo, Cf.Imm2 = Hi;
  return E.alu(AluOp::Clip, {MicroOp{Dst, 0, 0}}, Cf);
}

} // namespace

Status canLowerElementwise(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_TRY(checkSubRows(C));
  const size_t Operands = N.OpType == "npu.QAdd" ? 2 : 1;
  for (size_t K = 0; K < Operands; ++K) {
    if (!N.hasInput(K) || G.value(N.Inputs[K]).Kind == ir::ValueKind::Constant ||
        !isBlockedProducer(G, N.Inputs[K]))
      return makeError("operand ", K, " is not a blocked activation");
    NPU_TRY(checkBlockedAct(G, N.Inputs[K], C, int64_t(C.BlockOut)));
  }
  if (Operands == 2 && G.type(N.Inputs[0]).Dims != G.type(N.Inputs[1]).Dims)
    return makeError("broadcasting npu.QAdd is not lowered yet");
  NPU_TRY(checkActType(G, N.Outputs[0], C)); // npu.Requantize between types stays on the host
  return Status::ok();
}

Status lowerElementwise(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerElementwise(G, N, C));
  const bool Add = N.OpType == "npu.QAdd";
  const int64_t K = Add ? 2 : 1;
  const RowTensor A = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  const RowTensor B = Add ? E.Values.at(N.Inputs[1]) : A;
  const int64_t Rows = Y.rows(), Sub = subRows(C);
  // N-way buffered tiles of T rows: operands in input slot s at s*K*T*Sub (b at +T*Sub); accumulator slot s
  // at s*K*T holds the result rows (mirrored in the out buffer) and b's widened rows at +T, so a slot's rows
  // are one interval. With alu.concurrent, three accumulator slots and a one-tile software pipeline (the ALU
  // work and store of tile i after tile i+1's GEMMs) let the ALU run beside the GEMM core, as in lowerConv.
  const uint64_t AluPerRow = Add ? 4 + (N.getInt("a_zero_point", 0) != 0 || N.getInt("b_zero_point", 0) != 0) : 2;
  auto AccSlots = [&](int64_t T, int64_t Nn) {
    const int64_t NA = std::max<int64_t>(Nn, 3);
    return C.AluConcurrent && E.maxBuffers() > 1 && (NA - 1) * K * T + T <= int64_t(C.D.OutputDepth) &&
                   NA * K * T <= int64_t(C.D.AccDepth)
               ? NA
               : Nn;
  };
  auto Fits = [&](int64_t T, int64_t Nn) {
    return T >= 1 && Nn * K * T * Sub <= int64_t(C.D.InputDepth) &&
           (Nn - 1) * K * T + T <= int64_t(C.D.OutputDepth) && Nn * K * T <= int64_t(C.D.AccDepth) &&
           T < (int64_t(1) << C.LoopBits);
  };
  auto Estimate = [&](int64_t T, int64_t Nn) {
    TileCost Tc;
    Tc.Load = transferCycles(C, uint64_t(K * T) * C.D.OutputRowBytes, uint64_t(K), false);
    Tc.Compute = 2 * timing::gemmLoopCycles(C, uint64_t(K * T * Sub));
    Tc.Alu = AluPerRow * timing::aluLoopCycles(C, uint64_t(T));
    Tc.AluOverlaps = AccSlots(T, Nn) >= 3 && C.AluConcurrent;
    Tc.Store = transferCycles(C, uint64_t(T) * C.D.OutputRowBytes, 1, true);
    Tc.DramBytes = uint64_t((K + 1) * T) * C.D.OutputRowBytes;
    return pipelinedCycles(C, Tc, uint64_t((Rows + T - 1) / T), Nn, 0);
  };
  int64_t T = 0, NBuf = 1;
  uint64_t Best = UINT64_MAX;
  if (const LayerSchedule *F = E.forcedSchedule(); F && Fits(std::min(F->TileRows, Rows), F->Buffers))
    T = std::min(F->TileRows, Rows), NBuf = F->Buffers, Best = Estimate(T, NBuf);
  const bool Search = T == 0;
  for (int64_t Nn = 1; Search && Nn <= E.maxBuffers(); ++Nn)
    for (int64_t Tt : tileRowCandidates(Rows))
      if (Fits(Tt, Nn) && Estimate(Tt, Nn) < Best)
        Best = Estimate(Tt, Nn), T = Tt, NBuf = Nn;
  if (T == 0)
    return makeError("no tiling of the elementwise operator fits the on-chip buffers");
  E.recordSchedule({"", T, NBuf, 0, Best, !Search});
  loadPlacementTiles(E);
  const uint64_t Orb = C.D.OutputRowBytes;
  const int64_t NA = AccSlots(T, NBuf);
  const bool Overlap = C.AluConcurrent && NA >= 3;
  struct Tail {
    int64_t R0 = 0, Rows = 0, Out = 0;
  };
  DeferredTail Tails(Overlap);
  auto EmitTail = [&](const Tail &Tl) -> Status {
    const auto [R0, Tt, Out] = Tl;
    if (N.OpType == "Relu") {
      NPU_TRY(rowsAlu(E, AluOp::Max, Out, Tt, 0));
    } else if (N.OpType == "npu.Requantize") {
      if (int64_t Zp = N.getInt("x_zero_point", 0))
        NPU_TRY(rowsAlu(E, AluOp::Add, Out, Tt, -Zp));
      NPU_TRY(requantRowsImm(E, N, Out, Tt, N.getInt("multiplier", 0)));
    } else {
      // t = (a - a_zp) * Ma + (b - b_zp) * Mb stays inside int32 (docs/quantization.md), then requant by 1.
      // Computed as a * Ma + b * Mb - (a_zp * Ma + b_zp * Mb): the ALU wraps modulo 2^32 and t is in range,
      // so the result is the same with one ALU pass fewer per row (the constant is one 32-bit immediate).
      const int64_t Za = N.getInt("a_zero_point", 0), Zb = N.getInt("b_zero_point", 0);
      const int64_t Ma = N.getInt("a_multiplier", 0), Mb = N.getInt("b_multiplier", 0), Cst = -(Za * Ma + Zb * Mb);
      const int64_t ImmMax = (int64_t(1) << (C.D.ImmBits - 1)) - 1;
      const bool Fold = Cst >= -ImmMax && Cst <= ImmMax;
      for (auto [Base, Zp, M] : {std::tuple{Out, Za, Ma}, std::tuple{Out + T, Zb, Mb}}) {
        if (Zp && !Fold)
          NPU_TRY(rowsAlu(E, AluOp::Add, Base, Tt, -Zp));
        NPU_TRY(rowsAlu(E, AluOp::Mul, Base, Tt, M));
      }
      NPU_TRY(rowsAlu(E, AluOp::Add, Out, Tt, std::nullopt, Out + T));
      if (Fold && Cst)
        NPU_TRY(rowsAlu(E, AluOp::Add, Out, Tt, Cst));
      NPU_TRY(requantRowsImm(E, N, Out, Tt, 1));
    }
    E.storeOut(Out, Y.Tensor, uint64_t(R0) * Orb, 1, Tt, Tt);
    return Status::ok();
  };
  int64_t Tile = 0;
  for (int64_t R0 = 0; R0 < Rows; R0 += T, ++Tile) {
    const int64_t Tt = std::min(T, Rows - R0), InBase = (Tile % NBuf) * K * T * Sub, Out = (Tile % NA) * K * T;
    // Sub input rows per row (block_out = Sub x block_in): one placement micro-op each.
    std::vector<MicroOp> Widen = widenUops(C, Out, InBase), Reset = {{Out, 0, 0}};
    if (Add) {
      for (const MicroOp &U : widenUops(C, Out + T, InBase + T * Sub))
        Widen.push_back(U);
      Reset.push_back({Out + T, 0, 0});
    }
    loadActRows(E, InBase, A.Tensor, R0, Tt);
    if (Add)
      loadActRows(E, InBase + T * Sub, B.Tensor, R0, Tt);
    isa::GemmFields F;
    F.LoopOut = Tt, F.LoopIn = 1, F.DstOut = 1, F.SrcOut = 1, F.Reset = 1;
    NPU_TRY(E.gemm(Reset, F));
    F.Reset = 0, F.SrcOut = Sub;
    NPU_TRY(E.gemm(Widen, F));
    NPU_TRY(Tails.push([&, Tl = Tail{R0, Tt, Out}] { return EmitTail(Tl); }));
  }
  NPU_TRY(Tails.flush());
  return Status::ok();
}

} // namespace npu::backend
