// Accumulator footprints of GEMM and ALU instructions: the rows they may touch, which decide whether an ALU
// instruction can run beside a GEMM (alu.concurrent, docs/timing.md). Shared by the simulators' timing and
// the compiler's cost model so both apply the same rule.
#pragma once

#include "npu/isa/Isa.h"

#include <vector>

namespace npu::isa {

/// Interval hulls of accumulator rows: the rows written (GEMM and ALU destinations) and read (ALU sources
/// unless use_imm). GEMM inputs and weights live in other buffers and cannot conflict with the ALU.
struct AccFootprint {
  int64_t DstLo = 0, DstHi = -1; ///< empty when DstHi < DstLo
  int64_t SrcLo = 0, SrcHi = -1;
  /// Whether running the two at once could change the result: one writes a row the other touches.
  bool conflicts(const AccFootprint &O) const;
};

/// Which compute pipe an instruction occupies under alu.concurrent: the GEMM core, the ALU, or neither
/// (micro-op and accumulator LOADs, FINISH and token-only no-ops, which wait for both pipes to drain).
enum class ComputePipe : uint8_t { Gemm, Alu, None };
ComputePipe computePipe(const Instruction &I);

/// The footprint of a GEMM or ALU instruction over the micro-op buffer Uops (rows outside it are ignored:
/// the executors reject such instructions).
AccFootprint accFootprint(const Instruction &I, const std::vector<MicroOp> &Uops);

} // namespace npu::isa
