// The cycle-level SystemC model of the NPU: runs an isa::Program over a DRAM image with real data
// (bit-identical to the functional simulator) and times it by the rules of docs/timing.md. SystemC stays
// behind this header, so its users do not compile SystemC.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Program.h"
#include "npu/sim/FuncSim.h"
#include "npu/support/Status.h"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace npu::sim {

/// The model's units, in the order UnitStats are kept.
enum class Unit : uint8_t { Fetch, Load, Compute, Store };
constexpr unsigned NumUnits = 4;
const char *unitName(Unit U); ///< "fetch", "load", "compute", "store"
/// The unit that executes an instruction (its command queue's unit).
Unit unitOf(const isa::Instruction &I);
/// The trace track of an instruction: its unit, or track 7 (the ALU pipe) for ALU instructions with
/// alu.concurrent.
unsigned traceTrack(const HardwareConfig &C, const isa::Instruction &I);

/// When one instruction ran, in cycles from the start of the run.
struct InsnTiming {
  uint64_t Dispatch = 0; ///< fetch put it into its command queue
  uint64_t Head = 0;     ///< its unit took it up (head of the queue, unit free); token waits start here
  uint64_t Start = 0;    ///< its tokens were popped and it began executing
  uint64_t End = 0;      ///< it finished and pushed its tokens
  // LOAD/STORE with data only:
  uint64_t Bursts = 0;         ///< DRAM bursts moved
  uint64_t DramStart = 0;      ///< first cycle its transfer was eligible for the DRAM port
  uint64_t DramEnd = 0;        ///< its last burst left the port
  uint64_t DramWait = 0;       ///< cycles waiting for DRAM: latency plus contention
  uint64_t DramContention = 0; ///< the part of DramWait caused by other units' transfers
};

/// Where one unit's cycles went. Busy + StallToken + StallDram + Idle == total cycles.
struct UnitStats {
  uint64_t Instructions = 0;
  uint64_t Busy = 0;           ///< executing (for fetch: dispatching, pipeline.fetch per instruction)
  uint64_t StallToken = 0;     ///< head instruction waiting for a token or token-queue room (fetch: for
                               ///< room in a command queue)
  uint64_t StallDram = 0;      ///< waiting for DRAM data (latency and contention)
  uint64_t Idle = 0;           ///< nothing to do
  uint64_t DramContention = 0; ///< part of StallDram caused by the other units' transfers
};

/// One graph node's share of the run, through the program's node provenance.
struct NodeStats {
  std::string Name;    ///< "" collects the instructions without a node
  std::string Segment; ///< the model segment that ran it (concatenated runs only; else "")
  uint64_t Instructions = 0;
  uint64_t FirstStart = 0, LastEnd = 0; ///< from its first instruction's start to its last one's end
  /// The cycles by which it moves the run's end: LastEnd minus the latest LastEnd of the nodes before it
  /// (in order of first appearance; 0 if that is later), from cycle 0 for the first node. Layers of a
  /// pipelined schedule overlap, so spans do not add up; these do: the nodes' Cycles sum to TotalCycles.
  uint64_t Cycles = 0;
  std::array<uint64_t, NumUnits> Busy{}; ///< execution cycles per unit (fetch: 0)
  uint64_t Macs = 0;
  uint64_t DramRead = 0, DramWritten = 0; ///< data bytes its LOADs read and its STOREs wrote
  uint64_t span() const { return LastEnd - FirstStart; }
  /// MACs / (peak MACs per cycle x span()): the GEMM core's use while the layer runs.
  double macUtilization(const HardwareConfig &C) const;
};

struct TimingStats {
  uint64_t TotalCycles = 0; ///< the last instruction's end
  SimStats Counts;          ///< operation counts, identical to the functional simulator's
  std::array<UnitStats, NumUnits> Units{};
  uint64_t DramBursts = 0;       ///< bursts moved over the DRAM port
  uint64_t DramBusyCycles = 0;   ///< cycles the port moved data
  /// Cycles the GEMM core and the tensor ALU each executed (with alu.concurrent they overlap; their sum can
  /// exceed the compute unit's busy time).
  uint64_t GemmBusy = 0, AluBusy = 0;
  std::vector<InsnTiming> Insns; ///< per instruction, in program order
  std::vector<NodeStats> Nodes;  ///< per node in order of first appearance; empty without provenance
  /// One run of a sequence (a model's NPU segments, see concatenateRuns): where it lies on the common
  /// timeline. Empty for a single program's run.
  struct Part {
    std::string Name;
    uint64_t Offset = 0, Cycles = 0;
  };
  std::vector<Part> Parts;

  /// MACs / (peak MACs per cycle x TotalCycles).
  double macUtilization(const HardwareConfig &C) const;
  uint64_t dramBytesRead() const;
  uint64_t dramBytesWritten() const;
  /// Data bytes moved per cycle over the whole run.
  double dramBytesPerCycle() const;

  /// Everything above except the per-instruction list, as a JSON object with the config's name and hash.
  std::string toJson(const HardwareConfig &C) const;
  /// A few lines for people: cycles and time, per-unit breakdown, utilization, DRAM, and the layer table.
  std::string summary(const HardwareConfig &C) const;
  /// One line per node (through provenance; with its segment for concatenated runs): instructions, Cycles
  /// and their share of TotalCycles, span, MAC utilization and DRAM bytes, and a total line.
  std::string layerTable(const HardwareConfig &C, size_t MaxRows = 500) const;
  /// Chrome/Perfetto trace-event JSON: one track per unit (and one per unit's DRAM transfers), spans named by
  /// node and instruction (isa::formatInstruction), token stalls as their own spans; times in microseconds
  /// at clock.mhz.
  std::string traceJson(const isa::Program &P) const;
};

/// Runs made one after the other (a model's NPU segments, in order) as one TimingStats: TotalCycles, unit,
/// DRAM and operation counts added; Nodes of every run with their Segment set and their cycles moved by the
/// runs before them (Part::Offset); Parts filled; Insns left empty.
TimingStats concatenateRuns(const std::vector<std::pair<std::string, const TimingStats *>> &Runs);

/// One run in a trace of several: its program, its timing, the process name its tracks appear under and
/// where its cycle 0 lies on the common timeline.
struct TraceRun {
  const isa::Program *P = nullptr;
  const TimingStats *T = nullptr;
  std::string Name;
  uint64_t OffsetCycles = 0;
  /// Time before its cycle 0 that is not NPU cycles (a model's host segments run before it), in microseconds.
  double OffsetUs = 0;
};
/// A span of a trace that is no NPU run (a model's host segment), on the common timeline in microseconds.
struct TraceSpan {
  std::string Name;
  double StartUs = 0, DurUs = 0;
  std::string Args; ///< its args as JSON object text (`{"flops": 20}`), or empty
};
/// Chrome/Perfetto trace-event JSON of several runs: one process per run (pid 1, 2, ...) with the tracks of
/// TimingStats::traceJson, its spans shifted by OffsetCycles and OffsetUs, so sequential runs follow each other
/// in time; the Host spans, if any, on a track "host" of one more process, "host", listed first.
std::string traceJson(const std::vector<TraceRun> &Runs, const std::vector<TraceSpan> &Host = {});

/// The cost-model hook: cycles per node (NodeStats::Cycles, which add up to TotalCycles), in order of first
/// appearance. The compiler's per-layer estimates (backend::LayerCost::Cycles) are compared with these.
std::vector<std::pair<std::string, uint64_t>> nodeCycles(const TimingStats &S);

class SystemCSim {
public:
  explicit SystemCSim(const HardwareConfig &C) : C(C) {}
  /// Runs P over Dram (modified in place, exactly as FuncSim::run would) and times it. Errors are those of
  /// FuncSim::run (illegal instruction, out of bounds, deadlock with the blocked instructions named). Several
  /// runs in one process are fine; they are serialized (SystemC's kernel is one per process).
  Expected<TimingStats> run(const isa::Program &P, std::vector<uint8_t> &Dram);

private:
  const HardwareConfig &C;
};

} // namespace npu::sim
