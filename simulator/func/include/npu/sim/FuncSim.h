// The functional simulator: the bit-exact oracle that executes an isa::Program over a DRAM image.
// The semantics it implements (data formats, padding, GEMM/ALU arithmetic, queues and tokens, errors) are the
// contract written down in docs/functional-simulator.md.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Program.h"
#include "npu/support/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace npu::sim {

/// The four dependency-token FIFOs, in the order SimStats::TokensPushed counts them.
enum class TokenQueue : uint8_t { L2C, C2L, C2S, S2C };
const char *tokenQueueName(TokenQueue T); ///< "l2c", "c2l", ...

/// What a run did. Counts are exact and identical for every run of the same program and data.
struct SimStats {
  uint64_t Instructions = 0;
  uint64_t Loads = 0, Stores = 0, Gemms = 0, Alus = 0, Finishes = 0;
  uint64_t GemmUops = 0;   ///< micro-op executions by GEMM, reset ones included
  uint64_t Macs = 0;       ///< multiply-accumulates: non-reset GEMM micro-ops x batch x block_in x block_out
  uint64_t AluUops = 0;    ///< micro-op executions by ALU
  uint64_t AluLaneOps = 0; ///< lane operations (AluUops x batch x block_out)
  /// DRAM bytes moved per buffer (indexed by isa::MemType): LOAD reads from DRAM, STORE writes to DRAM.
  uint64_t BytesLoaded[isa::NumMemTypes] = {};
  uint64_t BytesStored[isa::NumMemTypes] = {};
  uint64_t PaddingRowsWritten = 0;         ///< buffer rows zero-filled by LOAD padding
  uint64_t TokensPushed[4] = {0, 0, 0, 0}; ///< indexed by TokenQueue: l2c, c2l, c2s, s2c

  /// JSON object with every field above, the config name and hash.
  std::string toJson(const HardwareConfig &C) const;
  bool operator==(const SimStats &) const = default;
};

class FuncSim {
public:
  explicit FuncSim(const HardwareConfig &C) : C(C) {}
  /// Runs P over Dram (its initial image, e.g. from Program::dramImage(), modified in place). On-chip buffers
  /// start zeroed on every run. Units are scheduled in a fixed order (fetch, load, compute, store), so a run
  /// is deterministic even for a program whose tokens leave a race.
  /// Errors: an illegal instruction, an SRAM or DRAM access out of bounds (naming the instruction index,
  /// opcode and the buffer), or a token deadlock (naming the instruction each blocked queue waits on).
  /// Never hangs: every run terminates.
  Expected<SimStats> run(const isa::Program &P, std::vector<uint8_t> &Dram);

  /// Bounds a run's work: the micro-op executions plus buffer rows transferred (padding included) of all its
  /// instructions. An instruction that would take the total above Limit is refused before it runs, with an
  /// error naming it. 0 (the default) means no bound.
  void setWorkLimit(uint64_t Limit) { WorkLimit = Limit; }

  /// The work one instruction does in the units setWorkLimit counts (saturating).
  static uint64_t instructionWork(const isa::Instruction &I);

private:
  const HardwareConfig &C;
  uint64_t WorkLimit = 0;
};

} // namespace npu::sim
