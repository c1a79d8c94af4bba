// The per-instruction timing rules (docs/timing.md): DMA bursts, padding, GEMM and ALU loop costs.
#include "npu/timing/TimingRules.h"
#include "npu/support/Math.h"

#include <algorithm>

namespace npu::timing {

uint64_t burstCycles(const HardwareConfig &C) { return ceilDiv(C.DramBurst, C.DramBandwidth); }

uint64_t dmaBursts(const HardwareConfig &C, const isa::MemFields &M) {
  if (M.YSize == 0 || M.XSize == 0)
    return 0;
  const uint64_t Rb = isa::rowBytes(C, isa::MemType(M.Mem)), Burst = C.DramBurst, Cb = burstCycles(C);
  const uint64_t RowBytes = uint64_t(M.XSize) * Rb, StrideBytes = uint64_t(M.XStride) * Rb;
  const uint64_t Base = uint64_t(M.DramBase);
  // Rows contiguous in DRAM and in the buffer (no left/right padding between them) are one row: one
  // (row, block) pair per block.
  if (M.YSize == 1 || (StrideBytes == RowBytes && M.PadLeft == 0 && M.PadRight == 0)) {
    const uint64_t Last = Base + uint64_t(M.YSize) * RowBytes - 1;
    return Last / Burst - Base / Burst + 1;
  }
  // Row by row: a row whose first block is the previous row's last block continues that block's run of
  // pairs; a run of p pairs is ceil(p / Cb) bursts, since the engine moves one pair per cycle and holds a
  // block only for the Cb cycles of its burst.
  uint64_t Bursts = 0, PrevLast = ~uint64_t(0), Run = 0;
  for (uint64_t R = 0; R < uint64_t(M.YSize); ++R) {
    const uint64_t First = (Base + R * StrideBytes) / Burst;
    const uint64_t Last = (Base + R * StrideBytes + RowBytes - 1) / Burst;
    if (First == PrevLast && Run < Cb) {
      ++Run;
    } else {
      ++Bursts;
      Run = 1;
    }
    if (Last != First) {
      Bursts += Last - First;
      Run = 1;
    }
    PrevLast = Last;
  }
  return Bursts;
}

uint64_t paddingRows(const isa::MemFields &M) {
  if (M.YSize == 0)
    return 0;
  const uint64_t Rows = uint64_t(M.PadTop + M.YSize + M.PadBottom);
  const uint64_t Cols = uint64_t(M.PadLeft + M.XSize + M.PadRight);
  return Rows * Cols - uint64_t(M.YSize) * uint64_t(M.XSize);
}

uint64_t dmaIssueLatency(const HardwareConfig &C, const isa::Instruction &I) {
  return I.opcode() == isa::Opcode::Store ? C.StoreLatency : C.LoadLatency;
}

uint64_t loopUops(const isa::Instruction &I) {
  if (I.opcode() == isa::Opcode::Gemm)
    return uint64_t(I.Gemm.UopEnd - I.Gemm.UopBegin) * uint64_t(I.Gemm.LoopOut) * uint64_t(I.Gemm.LoopIn);
  if (I.opcode() == isa::Opcode::Alu)
    return uint64_t(I.Alu.UopEnd - I.Alu.UopBegin) * uint64_t(I.Alu.LoopOut) * uint64_t(I.Alu.LoopIn);
  return 0;
}

uint64_t aluPasses(const HardwareConfig &C) { return ceilDiv(C.Batch * C.BlockOut, C.AluLanes); }

uint64_t gemmLoopCycles(const HardwareConfig &C, uint64_t Uops) { return Uops == 0 ? 1 : Uops + C.GemmLatency; }

uint64_t aluLoopCycles(const HardwareConfig &C, uint64_t Uops) {
  return Uops == 0 ? 1 : Uops * aluPasses(C) + C.AluLatency;
}

uint64_t gemmCycles(const HardwareConfig &C, const isa::Instruction &I) { return gemmLoopCycles(C, loopUops(I)); }

uint64_t aluCycles(const HardwareConfig &C, const isa::Instruction &I) { return aluLoopCycles(C, loopUops(I)); }

uint64_t uncontendedCycles(const HardwareConfig &C, const isa::Instruction &I) {
  switch (I.opcode()) {
  case isa::Opcode::Load:
  case isa::Opcode::Store: {
    const uint64_t Bursts = dmaBursts(C, I.Mem);
    if (Bursts == 0)
      return 1;
    const uint64_t Issue = dmaIssueLatency(C, I);
    return Issue + std::max(C.DramLatency + Bursts * burstCycles(C), paddingRows(I.Mem));
  }
  case isa::Opcode::Gemm:
    return gemmCycles(C, I);
  case isa::Opcode::Alu:
    return aluCycles(C, I);
  case isa::Opcode::Finish:
    return 1;
  }
  return 1;
}

uint64_t FootprintScanner::known(const isa::Instruction &I, uint64_t Dispatch) const {
  const uint64_t Uops = loopUops(I);
  if (Uops == 0)
    return 0;
  const uint64_t Range = I.opcode() == isa::Opcode::Gemm ? I.Gemm.UopEnd - I.Gemm.UopBegin
                                                         : I.Alu.UopEnd - I.Alu.UopBegin;
  return std::max({Dispatch + 1, Free, UopEnd}) + ceilDiv(Range, FootprintScanLanes);
}

void FootprintScanner::ended(uint64_t Known, uint64_t End) {
  if (Known != 0)
    Free = std::max(Free, std::min(Known, End));
}

void FootprintScanner::uopLoadEnded(uint64_t End) { UopEnd = std::max(UopEnd, End); }

uint64_t besideOtherPipe(const isa::AccFootprint &Mine, uint64_t MineKnown, const isa::AccFootprint &Other,
                         uint64_t OtherKnown, uint64_t OtherEnd) {
  if (MineKnown == 0 || OtherKnown == 0)
    return 0;
  if (Mine.conflicts(Other))
    return OtherEnd;
  return std::min(OtherEnd, std::max(MineKnown, OtherKnown));
}

} // namespace npu::timing
