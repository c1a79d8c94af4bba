// Static cost model of NPU programs: per graph node MACs, DRAM bytes, estimated cycles of the pipelined
// (token-scheduled) program and the roofline bound max(MACs / peak MACs per cycle, bytes / DRAM bandwidth);
// plus the per-tile formula the lowerings use to choose tile sizes and buffering depth.
#pragma once

#include "npu/backend/Artifact.h"
#include "npu/isa/Program.h"

#include <string>
#include <vector>

namespace npu::backend {

struct LayerCost {
  std::string Node;
  uint64_t Macs = 0;
  uint64_t DramBytes = 0;     ///< loaded + stored (micro-ops included)
  uint64_t ComputeCycles = 0; ///< busy cycles of the compute unit (GEMM, ALU, its uop/acc loads)
  uint64_t DmaCycles = 0;     ///< busy cycles of the load and store units (latency included)
  uint64_t Cycles = 0; ///< the layer's share of the pipelined schedule (the layers add up to the total)
  uint64_t Span = 0;   ///< from its first instruction's start to its last one's end
  double Roofline = 0; ///< max(MACs / peak, bytes / bandwidth)
};

/// Times P by the rules of docs/timing.md, simplified: in-order units, tokens, fetch and command queues,
/// DRAM latency, whole bursts and one shared DRAM port (gaps filled first come, first served); token FIFO
/// room is not modelled. One entry per node of P (in order of first instruction); instructions without a
/// node count in the node before them. A layer's Cycles is how much it extends the program's end.
std::vector<LayerCost> estimateProgram(const isa::Program &P);
/// The estimated total cycles of P (the sum of estimateProgram's Cycles).
uint64_t estimateTotalCycles(const isa::Program &P);

/// The --report table: one line per layer and a total line.
std::string formatCostTable(const std::vector<LayerCost> &Layers, const HardwareConfig &C);

/// A compiled model's whole-program estimate: estimateProgram's cycles and DRAM bytes summed over every NPU
/// segment (host segments have no estimate), and how many NPU segments there are.
struct ModelCost {
  uint64_t Cycles = 0, DramBytes = 0;
  uint64_t NpuSegments = 0;
};
ModelCost estimateModelCost(const ModelArtifact &A);

/// The budget of issue 12: a fidelity option may cost at most this many percent of the model's cycles.
constexpr uint64_t FidelityCycleBudgetPercent = 10;
/// The --report line pricing fidelity options: WithOptions' cycles and DRAM bytes against Default's (the same
/// model and calibration with the default quantization options), the change in percent, saying so when the
/// cycles grow by more than FidelityCycleBudgetPercent, and both NPU segment counts when they differ.
std::string formatFidelityCost(const ModelCost &WithOptions, const ModelCost &Default);

/// Per-tile stage costs for choosing tiles before any code exists: transfers on the load unit, compute
/// cycles, transfers on the store unit.
struct TileCost {
  uint64_t Load = 0, Compute = 0, Store = 0; ///< unit busy cycles of one tile
  uint64_t Alu = 0; ///< ALU cycles of one tile (part of the compute stage)
  /// The lowering runs a tile's ALU work beside the next tile's GEMMs (alu.concurrent, software-pipelined
  /// with enough accumulator slots): the compute stage is the larger of Compute and Alu, not their sum.
  bool AluOverlaps = false;
  uint64_t DramBytes = 0;                    ///< bytes over the DRAM port for one tile
};
/// Cycles of one LOAD or STORE of Bytes in Transfers separate transfers (latency, whole bursts).
uint64_t transferCycles(const HardwareConfig &C, uint64_t Bytes, uint64_t Transfers, bool Store);
/// Estimated cycles of Tiles tiles of cost T with N-way buffering: the fill and drain of the pipeline plus
/// (Tiles - 1) times the slowest stage (the DRAM port counting as a stage; compute is the GEMM and ALU work,
/// the larger of the two when T.AluOverlaps) when N > 1; every stage in turn when N == 1. Fixed adds the once-per-layer work (weights, constants).
uint64_t pipelinedCycles(const HardwareConfig &C, const TileCost &T, uint64_t Tiles, int64_t N,
                         uint64_t Fixed);

} // namespace npu::backend
