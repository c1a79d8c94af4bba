// Scheduling of NPU programs: dependency-driven token insertion (RAW/WAR/WAW on buffer rows and DRAM bytes
// between the load, compute and store queues), a static check of a program's tokens, and the per-layer
// schedule records (tile rows, buffering depth) that the cost model and the tuner choose.
#pragma once

#include "npu/backend/TileIR.h"

#include <array>
#include <string>
#include <vector>

namespace npu::backend {

/// The four VTA token FIFOs, in this order everywhere.
enum TokenFifo : unsigned { L2C = 0, C2L = 1, C2S = 2, S2C = 3 };
const char *tokenFifoName(unsigned F); ///< "l2c", "c2l", "c2s", "s2c"

struct TokenStats {
  std::array<uint64_t, 4> Tokens{};         ///< push/pop pairs per FIFO
  std::array<uint64_t, 4> MaxOutstanding{}; ///< most tokens a FIFO can hold at once (static bound)
  uint64_t Relays = 0;                      ///< compute no-ops relaying a load<->store dependency
  uint64_t Tightened = 0; ///< dependencies moved to a later producer to stay under token_depth
  uint64_t Unproven = 0;  ///< dependencies whose token bound could not be shown (the caller falls back)
};

/// Appends `finish` and sets the token flags of P so that every instruction waits exactly for the latest
/// earlier instructions of the other queues whose buffer rows or DRAM bytes it conflicts with (reads after
/// writes, writes after reads and writes; the out buffer as the accumulators' mirror; temporaries that the
/// DRAM planner may overlap by liveness), relaying load<->store dependencies through compute no-ops. Tokens
/// always point forward in program order and never exceed queues.token_depth outstanding, so the program
/// cannot deadlock; its results equal those of the serial order. When the bound cannot be shown for some
/// dependency (Unproven > 0), P is left unchanged: the caller falls back to insertSerialTokens.
TokenStats insertDependencyTokens(TileProgram &P, const HardwareConfig &C);

/// VTA-style serial tokens: each instruction waits for the one before it in program order (a compute no-op
/// relays where load and store meet); appends `finish`. The fallback when the bound above cannot be shown.
void insertSerialTokens(TileProgram &P);

/// The token FIFO from queue From to queue To (TokenFifo), -1 when they share none (load and store).
int tokenFifoBetween(isa::Queue From, isa::Queue To);

/// Checks the tokens of a finished program: each pop matches an earlier push, every pair of instructions of
/// different queues that touch the same buffer row or DRAM byte (one of them writing) is ordered by a token
/// chain, and no FIFO can need more than token_depth tokens. Returns the token statistics.
Expected<TokenStats> checkProgramTokens(const isa::Program &P);

/// How one layer was tiled and buffered; recorded in the artifact (meta "schedule.SEGMENT") and printed by
/// `npuc compile --report`.
struct LayerSchedule {
  std::string Node;
  int64_t TileRows = 0;  ///< output rows (conv/pool) or buffer rows (matmul/elementwise) per tile
  int64_t Buffers = 1;   ///< N-way buffering of the layer's on-chip tiles
  int64_t Groups = 0;    ///< convolution: output blocks whose weights are on chip together (0: n/a)
  uint64_t Estimate = 0; ///< the cost model's pipelined cycles for this layer alone
  bool Tuned = false;    ///< chosen by --tune (measured on the emitted program) rather than the formula
};

/// "node:rows=R,buffers=N[,groups=G],est=E[,tuned]" joined by ';' (the artifact meta value).
std::string formatScheduleRecord(const std::vector<LayerSchedule> &S);

} // namespace npu::backend
