// Tile-level IR of one NPU segment: DRAM tensors, micro-op kernels and ISA instructions whose DRAM operands
// are still symbolic (tensor + byte offset), so DRAM planning and token scheduling can run after lowering.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Program.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
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
  std::string DType = "int8"; ///< Input/Output: the binding's element type (int32: accumulators stored)
  uint64_t Address = 0;       ///< set by the DRAM planner
  /// A temporary that lives inside another tensor (a Concat input stored straight into its slice of the
  /// output): Address = that tensor's address + AliasOffset; its uses keep the other tensor alive.
  int AliasOf = -1;
  uint64_t AliasOffset = 0;
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
  std::vector<isa::MicroOp> Uops; ///< the micro-op table in DRAM (every kernel once after dedup-uops)
  uint64_t UopAddress = 0;        ///< the table's DRAM address, set by the DRAM planner
  std::vector<TileInsn> Insns;

  int addTensor(TileTensor T) {
    Tensors.push_back(std::move(T));
    return int(Tensors.size()) - 1;
  }
};

/// Text form of the tile IR: tensors, kernels (`uops N at 0xADDR {`), then one instruction per line with
/// symbolic DRAM operands
/// (`dram=%name+OFFSET`, `dram=@uops+OFFSET` for the micro-op table), grouped under `node "NAME"` headers.
/// Constant data is printed as hex with WithData, else as `elided` (such text parses only with
/// AllowElided).
std::string printTileProgram(const TileProgram &P, const HardwareConfig &C, bool WithData = false);

/// Reads printTileProgram's text back (for the config it was printed for): printing the result gives the same
/// text. `#` starts a comment line. AllowElided accepts `elided` constants, whose data become zeros of their
/// size. Errors name the line.
Expected<TileProgram> parseTileProgram(std::string_view Text, const HardwareConfig &C,
                                       bool AllowElided = false);

/// The backend passes after token insertion (plan-dram, emit; npu/backend/BackendPass.h) on a program whose
/// tokens are in place: places the tensors in DRAM and builds the program.
Expected<isa::Program> emitProgram(TileProgram &P, const HardwareConfig &C);

} // namespace npu::backend
