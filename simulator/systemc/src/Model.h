// The SystemC modules of the NPU model: fetch and the load/compute/store units as threads, joined by command
// queues, the four token FIFOs and the shared DRAM port. Time advances per transaction (docs/timing.md).
#pragma once

#include "npu/sim/Dispatch.h"
#include "npu/timing/DramPort.h"
#include "npu/sim/Exec.h"
#include "npu/sim/SystemCSim.h"

#include <systemc>

#include <array>
#include <deque>
#include <optional>
#include <vector>

namespace npu::sim::model {

/// A command queue: instructions dispatched by fetch, each with the cycle it entered the queue. Its events
/// are notified only while someone waits on them (the flags), which keeps the kernel's work per instruction
/// small.
struct CommandQueue {
  struct Entry {
    uint64_t Index = 0, Dispatch = 0;
  };
  std::deque<Entry> Entries;
  sc_core::sc_event Pushed, Popped;
  bool UnitWaits = false, FetchWaits = false;
};

/// A dependency-token FIFO: tokens carry no data, so a count is the whole state.
struct TokenFifo {
  uint64_t Count = 0;
};

/// Everything one run shares between the modules, and what it leaves behind. Holds SystemC events: it must
/// live inside the run's simulation context.
struct RunState {
  RunState(const HardwareConfig &C, const isa::IsaLayout &L, const isa::Program &P,
           std::vector<uint8_t> &Dram);

  const HardwareConfig &C;
  const isa::IsaLayout &L;
  const isa::Program &P;
  SimStats Counts;
  SramState Sram;
  ExecContext X; ///< the functional executors' view of Sram, DRAM and Counts
  std::vector<TokenUse> Uses;
  std::vector<InsnTiming> Timing;
  std::array<CommandQueue, 3> Queues; ///< by isa::Queue
  std::array<TokenFifo, 4> Tokens;    ///< by TokenQueue
  /// Per unit (by isa::Queue): wakes it when a FIFO it waits on changes, while WaitsForTokens is set.
  std::array<sc_core::sc_event, 3> TokensChanged;
  std::array<bool, 3> WaitsForTokens{};
  timing::DramPort Port;
  std::array<sc_core::sc_event, timing::DramPort::NumClients> DramDone;
  /// alu.concurrent: tokens that issued GEMM/ALU instructions push when they retire (counted as taken for
  /// FIFO room), and those instructions with their retirement cycles, in order.
  std::array<uint64_t, 4> PendingPush{};
  std::deque<std::pair<uint64_t, uint64_t>> Retiring; ///< (cycle, instruction)
  sc_core::sc_event RetireQueued;
  bool RetireWaits = false;
  uint64_t Completed = 0;
  uint64_t NextFetch = 0;  ///< the first instruction fetch has not dispatched
  uint64_t FetchStall = 0; ///< cycles fetch waited for room in a command queue
  std::optional<Error> Failure;
};

class NpuModel : public sc_core::sc_module {
public:
  SC_HAS_PROCESS(NpuModel);
  NpuModel(sc_core::sc_module_name Name, RunState &S);

private:
  void fetchThread();
  void loadThread() { unitLoop(isa::Queue::Load); }
  void computeThread();
  /// alu.concurrent: the compute unit with a GEMM pipe and an ALU pipe (docs/timing.md), and the in-order
  /// retirement that pushes their tokens.
  void dualPipeLoop();
  void retireThread();
  void storeThread() { unitLoop(isa::Queue::Store); }
  void unitLoop(isa::Queue Q);
  /// Waits for an instruction in Q's command queue (until its dispatch cycle); false when the run failed.
  bool nextEntry(CommandQueue &Q);
  /// Start: leaves the command queue and pops the instruction's tokens.
  void startInstruction(isa::Queue Which, CommandQueue &Q, const TokenUse &U);
  void pushTokens(isa::Queue Which, const TokenUse &U);
  bool ready(const TokenUse &T) const;
  void waitForTokens(isa::Queue Q, const TokenUse &T);
  /// Tells the unit at the other end of FIFO T (not Self) that its count changed.
  void tokensChanged(isa::Queue Self, TokenQueue T);
  /// Applies the instruction's data effect and waits for its duration; false after an execution error.
  bool execute(uint64_t Index, isa::Queue Q);
  /// A LOAD/STORE's DRAM transfer through the shared port.
  void transfer(uint64_t Index, unsigned Client);
  void fail(const Error &E);

  RunState &S;
};

/// The current cycle (the model runs at a time resolution of 1 ns, one cycle per ns).
inline uint64_t now() { return sc_core::sc_time_stamp().value(); }
inline void waitCycles(uint64_t N) { sc_core::wait(sc_core::sc_time::from_value(N)); }

} // namespace npu::sim::model
