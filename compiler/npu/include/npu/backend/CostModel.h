// Static cost model of NPU programs: per graph node MACs, DRAM bytes, estimated cycles of the emitted
// schedule and the roofline bound max(MACs / peak MACs per cycle, bytes / DRAM bandwidth).
#pragma once

#include "npu/isa/Program.h"

#include <string>
#include <vector>

namespace npu::backend {

struct LayerCost {
  std::string Node;
  uint64_t Macs = 0;
  uint64_t DramBytes = 0;     ///< loaded + stored (micro-ops included)
  uint64_t ComputeCycles = 0; ///< GEMM micro-op iterations + ALU passes
  uint64_t DmaCycles = 0;     ///< per transfer: latency + bytes / bandwidth (bursts rounded up)
  uint64_t Cycles = 0;        ///< estimate for the program's schedule (serial: compute + DMA)
  double Roofline = 0;        ///< max(MACs / peak, bytes / bandwidth)
};

/// One entry per node of P (in order of first instruction), plus nothing for untagged instructions (counted
/// in the node before them). The schedule is the serial token chain, so cycles add up.
std::vector<LayerCost> estimateProgram(const isa::Program &P);

/// The --report table: one line per layer and a total line.
std::string formatCostTable(const std::vector<LayerCost> &Layers, const HardwareConfig &C);

} // namespace npu::backend
