// Synthetic benchmark programs for the SystemC model, built with the isa::Program API: a token-pipelined
// tiled matmul, a compute-bound GEMM, a DMA-bound load/store chain and an ALU-bound program.
#pragma once

#include "npu/isa/Program.h"

#include <cstdint>
#include <string>
#include <vector>

namespace npubench {

struct BenchProgram {
  std::string Name;
  npu::isa::Program P;
};

/// Double-buffered load -> GEMM (K weight tiles) -> requantize -> store over Tiles tiles of Rows rows, with
/// RAW and WAR tokens on all four FIFOs: every unit and the DRAM port are busy at once.
npu::isa::Program pipelinedMatmul(const npu::HardwareConfig &C, int64_t Tiles, int64_t Rows, int64_t K);
/// One large GEMM loop repeated: the compute unit runs flat out (about Macs MACs in all).
npu::isa::Program gemmBound(const npu::HardwareConfig &C, uint64_t Macs);
/// N rounds of load.inp (load unit), load.acc (compute unit), store.out (store unit), chained by tokens.
npu::isa::Program dmaBound(const npu::HardwareConfig &C, int64_t N);
/// N ALU instructions (add, max, requantize) over a block of accumulator rows.
npu::isa::Program aluBound(const npu::HardwareConfig &C, int64_t N);

} // namespace npubench
