// Tile-level IR of one NPU segment: DRAM tensors, micro-op kernels and ISA instructions whose DRAM operands
// are still symbolic (tensor + byte offset), so DRAM planning and token scheduling can run after lowering.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Program.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace npu::backend {

/// A region of DRAM the segment's instructions address.
struct TileTensor {
  enum Kind { Input, Output, Const, Temp };
  std::string Name;
  Kind K = Temp;
  uint64_t Bytes = 0;
  std::vector<uint8_t> Data;  ///< Const only
  std::vector<int64_t> Shape; ///< Input/Output: the binding's shape (blocked, n padded to core.batch)
  uint64_t Address = 0;       ///< set by the DRAM planner
};

/// Marks a LOAD of micro-ops: the instruction's DRAM operand is the packed micro-op table.
constexpr int UopTable = -2;

/// One instruction. Dram = Tensor's address + Offset (Tensor -1: no DRAM operand).
struct TileInsn {
  isa::Instruction I;
  int Tensor = -1;
  uint64_t Offset = 0;
  std::string Node; ///< graph node the instruction was generated for
};

struct TileProgram {
  std::vector<TileTensor> Tensors;
  std::vector<isa::MicroOp> Uops; ///< the micro-op table in DRAM: every kernel once
  std::vector<TileInsn> Insns;

  int addTensor(TileTensor T) {
    Tensors.push_back(std::move(T));
    return int(Tensors.size()) - 1;
  }
};

/// Text form of the tile IR: tensors, kernels, then one instruction per line with symbolic DRAM operands
/// (`dram=%name+OFFSET`), grouped under `node "NAME"` headers.
std::string printTileProgram(const TileProgram &P, const HardwareConfig &C);

/// VTA-style dependency tokens: serializes the three queues so each instruction waits for the one before it
/// in program order (a compute no-op is inserted where load and store meet), then appends `finish`.
void insertSerialTokens(TileProgram &P);

/// Places tensors in DRAM (constants, I/O, then temporaries sharing space by liveness) and builds the
/// program.
Expected<isa::Program> emitProgram(TileProgram &P, const HardwareConfig &C);

} // namespace npu::backend
