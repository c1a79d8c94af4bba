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

namespace {

/// One elementwise node's lowering. N-way buffered tiles of T rows: operands in input slot s at s*K*T*Sub (b at
/// +T*Sub); accumulator slot s at s*K*T holds the result rows (mirrored in the out buffer) and b's widened rows
/// at +T, so a slot's rows are one interval. With alu.concurrent, three accumulator slots and a one-tile software
/// pipeline (the ALU work and store of tile i after tile i+1's GEMMs) let the ALU run beside the GEMM core, as
/// in lowerConv.
class ElementwiseLowering {
public:
  ElementwiseLowering(Emitter &E, const ir::Node &N)
      : E(E), C(E.config()), N(N), Add(N.OpType == "npu.QAdd"), K(Add ? 2 : 1), A(E.Values.at(N.Inputs[0])),
        B(Add ? E.Values.at(N.Inputs[1]) : A), Y(E.Values.at(N.Outputs[0])), Rows(Y.rows()), Sub(subRows(C)) {}

  Status run();

private:
  struct Tail {
    int64_t R0 = 0, Rows = 0, Out = 0;
  };

  int64_t accSlots(int64_t T, int64_t Nn) const {
    const int64_t NA = std::max<int64_t>(Nn, 3);
    return C.AluConcurrent && E.maxBuffers() > 1 && (NA - 1) * K * T + T <= int64_t(C.D.OutputDepth) &&
                   NA * K * T <= int64_t(C.D.AccDepth)
               ? NA
               : Nn;
  }
  bool fits(int64_t T, int64_t Nn) const {
    return T >= 1 && Nn * K * T * Sub <= int64_t(C.D.InputDepth) &&
           (Nn - 1) * K * T + T <= int64_t(C.D.OutputDepth) && Nn * K * T <= int64_t(C.D.AccDepth) &&
           T < (int64_t(1) << C.LoopBits);
  }
  uint64_t estimate(int64_t T, int64_t Nn) const;
  Status choosePlan();
  Status addTail(const Tail &Tl);
  Status emitTail(const Tail &Tl);
  Status widenTile(int64_t R0, int64_t Tile, DeferredTail &Tails);

  Emitter &E;
  const HardwareConfig &C;
  const ir::Node &N;
  const bool Add;
  const int64_t K; ///< operands
  const RowTensor A, B, Y;
  const int64_t Rows, Sub;
  int64_t T = 0, NBuf = 1, NA = 1; ///< tile rows, buffers, accumulator slots
};

uint64_t ElementwiseLowering::estimate(int64_t Tt, int64_t Nn) const {
  const uint64_t AluPerRow = Add ? 4 + (N.getInt("a_zero_point", 0) != 0 || N.getInt("b_zero_point", 0) != 0) : 2;
  TileCost Tc;
  Tc.Load = transferCycles(C, uint64_t(K * Tt) * C.D.OutputRowBytes, uint64_t(K), false);
  Tc.Compute = 2 * timing::gemmLoopCycles(C, uint64_t(K * Tt * Sub));
  Tc.Alu = AluPerRow * timing::aluLoopCycles(C, uint64_t(Tt));
  Tc.AluOverlaps = accSlots(Tt, Nn) >= 3 && C.AluConcurrent;
  Tc.Store = transferCycles(C, uint64_t(Tt) * C.D.OutputRowBytes, 1, true);
  Tc.DramBytes = uint64_t((K + 1) * Tt) * C.D.OutputRowBytes;
  return pipelinedCycles(C, Tc, uint64_t((Rows + Tt - 1) / Tt), Nn, 0);
}

Status ElementwiseLowering::choosePlan() {
  uint64_t Best = UINT64_MAX;
  if (const LayerSchedule *F = E.forcedSchedule(); F && fits(std::min(F->TileRows, Rows), F->Buffers))
    T = std::min(F->TileRows, Rows), NBuf = F->Buffers, Best = estimate(T, NBuf);
  const bool Search = T == 0;
  for (int64_t Nn = 1; Search && Nn <= E.maxBuffers(); ++Nn)
    for (int64_t Tt : tileRowCandidates(Rows))
      if (fits(Tt, Nn) && estimate(Tt, Nn) < Best)
        Best = estimate(Tt, Nn), T = Tt, NBuf = Nn;
  if (T == 0)
    return makeError("no tiling of the elementwise operator fits the on-chip buffers");
  E.recordSchedule({"", T, NBuf, 0, Best, !Search});
  NA = accSlots(T, NBuf);
  return Status::ok();
}

// t = (a - a_zp) * Ma + (b - b_zp) * Mb stays inside int32 (docs/quantization.md), then requant by 1. Computed as
// a * Ma + b * Mb - (a_zp * Ma + b_zp * Mb): the ALU wraps modulo 2^32 and t is in range, so the result is the
// same with one ALU pass fewer per row (the constant is one 32-bit immediate).
Status ElementwiseLowering::addTail(const Tail &Tl) {
  const int64_t Za = N.getInt("a_zero_point", 0), Zb = N.getInt("b_zero_point", 0);
  const int64_t Ma = N.getInt("a_multiplier", 0), Mb = N.getInt("b_multiplier", 0), Cst = -(Za * Ma + Zb * Mb);
  const int64_t ImmMax = (int64_t(1) << (C.D.ImmBits - 1)) - 1;
  const bool Fold = Cst >= -ImmMax && Cst <= ImmMax;
  for (auto [Base, Zp, M] : {std::tuple{Tl.Out, Za, Ma}, std::tuple{Tl.Out + T, Zb, Mb}}) {
    if (Zp && !Fold)
      NPU_TRY(rowsAlu(E, AluOp::Add, Base, Tl.Rows, -Zp));
    NPU_TRY(rowsAlu(E, AluOp::Mul, Base, Tl.Rows, M));
  }
  NPU_TRY(rowsAlu(E, AluOp::Add, Tl.Out, Tl.Rows, std::nullopt, Tl.Out + T));
  if (Fold && Cst)
    NPU_TRY(rowsAlu(E, AluOp::Add, Tl.Out, Tl.Rows, Cst));
  return requantRowsImm(E, N, Tl.Out, Tl.Rows, 1);
}

Status ElementwiseLowering::emitTail(const Tail &Tl) {
  if (N.OpType == "Relu") {
    NPU_TRY(rowsAlu(E, AluOp::Max, Tl.Out, Tl.Rows, 0));
  } else if (N.OpType == "npu.Requantize") {
    if (int64_t Zp = N.getInt("x_zero_point", 0))
      NPU_TRY(rowsAlu(E, AluOp::Add, Tl.Out, Tl.Rows, -Zp));
    NPU_TRY(requantRowsImm(E, N, Tl.Out, Tl.Rows, N.getInt("multiplier", 0)));
  } else {
    NPU_TRY(addTail(Tl));
  }
  E.storeOut(Tl.Out, Y.Tensor, uint64_t(Tl.R0) * C.D.OutputRowBytes, 1, Tl.Rows, Tl.Rows);
  return Status::ok();
}

/// Tile number Tile (rows R0..): the operands loaded and widened into the accumulators, the tail queued.
Status ElementwiseLowering::widenTile(int64_t R0, int64_t Tile, DeferredTail &Tails) {
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
  return Tails.push([this, Tl = Tail{R0, Tt, Out}] { return emitTail(Tl); });
}

Status ElementwiseLowering::run() {
  NPU_TRY(choosePlan());
  loadPlacementTiles(E);
  DeferredTail Tails(C.AluConcurrent && NA >= 3);
  int64_t Tile = 0;
  for (int64_t R0 = 0; R0 < Rows; R0 += T, ++Tile)
    NPU_TRY(widenTile(R0, Tile, Tails));
  return Tails.flush();
}

} // namespace

Status lowerElementwise(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  NPU_TRY(canLowerElementwise(G, N, E.config()));
  return ElementwiseLowering(E, N).run();
}

} // namespace npu::backend
