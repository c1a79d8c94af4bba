// Accumulator footprints of GEMM and ALU instructions (the alu.concurrent issue rule).
#include "npu/isa/Footprint.h"

#include <algorithm>

namespace npu::isa {

namespace {

bool meets(int64_t ALo, int64_t AHi, int64_t BLo, int64_t BHi) {
  return ALo <= AHi && BLo <= BHi && ALo <= BHi && BLo <= AHi;
}

} // namespace

bool AccFootprint::conflicts(const AccFootprint &O) const {
  return meets(DstLo, DstHi, O.DstLo, O.DstHi) || meets(DstLo, DstHi, O.SrcLo, O.SrcHi) ||
         meets(SrcLo, SrcHi, O.DstLo, O.DstHi);
}

ComputePipe computePipe(const Instruction &I) {
  switch (I.opcode()) {
  case Opcode::Gemm:
    return ComputePipe::Gemm;
  case Opcode::Alu:
    return ComputePipe::Alu;
  default:
    return ComputePipe::None;
  }
}

AccFootprint accFootprint(const Instruction &I, const std::vector<MicroOp> &Uops) {
  AccFootprint F;
  const bool Gemm = I.opcode() == Opcode::Gemm;
  if (!Gemm && I.opcode() != Opcode::Alu)
    return F;
  const int64_t Begin = Gemm ? I.Gemm.UopBegin : I.Alu.UopBegin, End = Gemm ? I.Gemm.UopEnd : I.Alu.UopEnd;
  const int64_t LoopOut = Gemm ? I.Gemm.LoopOut : I.Alu.LoopOut, LoopIn = Gemm ? I.Gemm.LoopIn : I.Alu.LoopIn;
  if (LoopOut == 0 || LoopIn == 0)
    return F;
  const int64_t DstSpan = (LoopOut - 1) * (Gemm ? I.Gemm.DstOut : I.Alu.DstOut) +
                          (LoopIn - 1) * (Gemm ? I.Gemm.DstIn : I.Alu.DstIn);
  const bool Src = !Gemm && !I.Alu.UseImm;
  const int64_t SrcSpan = Src ? (LoopOut - 1) * I.Alu.SrcOut + (LoopIn - 1) * I.Alu.SrcIn : 0;
  for (int64_t U = std::max<int64_t>(0, Begin); U < std::min<int64_t>(End, int64_t(Uops.size())); ++U) {
    const MicroOp &M = Uops[size_t(U)];
    if (F.DstHi < F.DstLo)
      F.DstLo = M.Dst, F.DstHi = M.Dst + DstSpan;
    else
      F.DstLo = std::min(F.DstLo, M.Dst), F.DstHi = std::max(F.DstHi, M.Dst + DstSpan);
    if (!Src)
      continue;
    if (F.SrcHi < F.SrcLo)
      F.SrcLo = M.Src, F.SrcHi = M.Src + SrcSpan;
    else
      F.SrcLo = std::min(F.SrcLo, M.Src), F.SrcHi = std::max(F.SrcHi, M.Src + SrcSpan);
  }
  return F;
}

} // namespace npu::isa
