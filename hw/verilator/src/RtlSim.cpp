// RtlSim::run: checks, then the cycle loop around the Verilated npu_top: instruction memory, DRAM through the
// shared port rule (timing::DramArbiter), the dispatch/start/end events, the watchdog, the waveform and the
// statistics (the performance counters, checked against the events').
#include "ModelLoader.h"
#include "Stats.h"

#include "npu/sim/Dispatch.h"
#include "npu/sim/Exec.h"
#include "npu/sim/RunStats.h"
#include "npu/timing/DramArbiter.h"
#include "npu/timing/TimingRules.h"

#include <algorithm>
#include <cstring>

namespace npu::rtl {

using isa::Instruction;
using isa::Opcode;
using sim::InsnTiming;

namespace {

constexpr uint64_t NotYet = ~uint64_t(0);
constexpr unsigned LaneLoad = 0, LaneCompute = 1, LaneAlu = 2, LaneStore = 3;
const char *const LaneNames[NPU_RTL_LANES] = {"load", "compute", "alu pipe", "store"};
const char *const ClientNames[NPU_RTL_CLIENTS] = {"load", "compute", "store"};

/// The event lane an instruction's start and end appear on (docs/rtl.md).
unsigned laneOf(const Instruction &I) {
  switch (I.queue()) {
  case isa::Queue::Load:
    return LaneLoad;
  case isa::Queue::Store:
    return LaneStore;
  case isa::Queue::Compute:
    return I.opcode() == Opcode::Alu ? LaneAlu : LaneCompute;
  }
  return LaneCompute;
}

/// The DRAM client of a LOAD/STORE that moves data, or -1.
int clientOf(const HardwareConfig &C, const Instruction &I) {
  if ((I.opcode() != Opcode::Load && I.opcode() != Opcode::Store) || timing::dmaBursts(C, I.Mem) == 0)
    return -1;
  switch (I.queue()) {
  case isa::Queue::Load:
    return 0;
  case isa::Queue::Compute:
    return 1;
  case isa::Queue::Store:
    return 2;
  }
  return -1;
}

/// The functional simulator's LOAD/STORE bounds check (a transfer's buffer rows and DRAM bytes), made before
/// the run: the RTL ignores accesses outside a buffer instead of failing.
Status checkTransfers(const HardwareConfig &C, const isa::IsaLayout &L, const isa::Program &P,
                      uint64_t DramBytes) {
  for (size_t K = 0; K < P.Insns.size(); ++K) {
    const Instruction &I = P.Insns[K];
    if ((I.opcode() != Opcode::Load && I.opcode() != Opcode::Store) || I.Mem.YSize == 0)
      continue;
    const isa::MemFields &M = I.Mem;
    const isa::MemType T = I.memType();
    const uint64_t Count = I.opcode() == Opcode::Load
                               ? sim::mulAddSat(uint64_t(M.PadTop + M.YSize + M.PadBottom),
                                                uint64_t(M.PadLeft + M.XSize + M.PadRight), 0)
                               : sim::mulAddSat(uint64_t(M.YSize), uint64_t(M.XSize), 0);
    const uint64_t Depth = isa::bufferDepth(C, T), End = sim::mulAddSat(1, Count, uint64_t(M.SramBase));
    if (End > Depth)
      return makeError(sim::describeInstruction(L, K, I), ": ", sim::bufferName(T), " row ", End - 1,
                       " is out of bounds: depth ", Depth, " (the transfer covers rows ", M.SramBase, "..",
                       End - 1, ")");
    const uint64_t Span =
        sim::mulAddSat(sim::mulAddSat(uint64_t(M.YSize - 1), uint64_t(M.XStride), uint64_t(M.XSize)),
                       isa::rowBytes(C, T), 0);
    const uint64_t DramEnd = sim::mulAddSat(1, Span, uint64_t(M.DramBase));
    if (DramEnd > DramBytes)
      return makeError(sim::describeInstruction(L, K, I), ": DRAM bytes [", M.DramBase, ", ", DramEnd,
                       ") for the ", sim::bufferName(T), " lie outside the program's DRAM of ", DramBytes,
                       " bytes");
  }
  return Status::ok();
}

/// One run: the model instance and everything the harness tracks while it runs.
class Run {
public:
  Run(const HardwareConfig &C, const isa::IsaLayout &L, const isa::Program &P, std::vector<uint8_t> &Dram,
      const ModelApi &Api, uint64_t Watchdog)
      : C(C), L(L), P(P), Dram(Dram), Api(Api), N(P.Insns.size()), Watchdog(Watchdog), Burst(C.DramBurst),
        Cb(timing::burstCycles(C)), Arbiter(timing::burstCycles(C), C.DramLatency), Timing(N),
        Started(N, NotYet), Ended(N, NotYet), Dispatched(N, NotYet), Buffer(Burst), Strobes(Burst) {
    Model = Api.Create();
  }
  ~Run() {
    Api.TraceClose(Model); // the waveform, if any, is complete up to the last clock (also after a failure)
    Api.Destroy(Model);
  }
  Run(const Run &) = delete;
  Run &operator=(const Run &) = delete;

  Status encode() {
    const unsigned Words = (Api.Info->InsnBits + 31) / 32;
    InsnWords = Words;
    Imem.assign(N * Words, 0);
    std::vector<uint8_t> Bytes(L.instructionBytes());
    for (size_t K = 0; K < N; ++K) {
      NPU_TRY(isa::encode(L, P.Insns[K], Bytes.data()).withContext("instruction " + std::to_string(K)));
      std::memcpy(&Imem[K * Words], Bytes.data(), std::min<size_t>(Bytes.size(), Words * 4));
    }
    Word.assign(Words, 0);
    return Status::ok();
  }

  /// Starts the waveform dump (before the run).
  Status openWaveform(const std::string &Path) {
    switch (Api.TraceOpen(Model, Path.c_str())) {
    case 0:
      return Status::ok();
    case 1:
      return makeError("the RTL model library was built without tracing");
    case 2:
      return makeError(Path, ": cannot write the waveform");
    default:
      return makeError(Path, ": a waveform is already open");
    }
  }
  Status run();
  /// The performance counters, read once the run is done.
  const PerfCounters &counters() const { return Perf; }
  uint64_t clocked() const { return Clocked; }
  std::vector<InsnTiming> takeTimings() { return std::move(Timing); }
  uint64_t fetchStall() const { return FetchStall; }
  uint64_t footprintWait() const { return FootprintWait; }
  uint64_t bursts() const { return Arbiter.bursts(); }

private:
  const HardwareConfig &C;
  const isa::IsaLayout &L;
  const isa::Program &P;
  std::vector<uint8_t> &Dram;
  const ModelApi &Api;
  NpuRtlModel *Model = nullptr;
  const uint64_t N, Watchdog;
  const uint64_t Burst, Cb;
  timing::DramArbiter Arbiter;
  std::vector<InsnTiming> Timing;
  std::vector<uint64_t> Started, Ended, Dispatched;
  std::vector<uint32_t> Imem, Word;
  unsigned InsnWords = 0;
  std::vector<uint8_t> Buffer, Strobes;
  NpuRtlOutputs Out{};
  PerfCounters Perf{};
  uint64_t Clocked = 0, FetchStall = 0, FootprintWait = 0;
  uint64_t NextDispatch = 0, NumStarted = 0, NumEnded = 0;
  uint64_t LastProgress = 0, LastEvent = 0; ///< last start or end; last dispatch, start or end
  /// Per DRAM client, the instruction whose transfer is in flight and its issue cycle.
  struct Transfer {
    int64_t Insn = -1;
    uint64_t Issue = NotYet, LastGrant = 0, Grants = 0;
  };
  std::array<Transfer, NPU_RTL_CLIENTS> Clients;

  std::string describe(uint64_t K) const { return sim::describeInstruction(L, K, P.Insns[K]); }
  Error contract(uint64_t T, const std::string &What) const {
    return makeError("RTL broke the harness contract (docs/rtl.md) in cycle ", T, ": ", What);
  }
  void setInputs(bool Reset, bool Start) {
    Api.SetInputs(Model, Reset, Start, uint32_t(N), Word.data());
    Api.Outputs(Model, &Out);
  }
  void clock() {
    if (Out.ImemReq) {
      // Synchronous instruction memory: the word is on imem_rdata_i in the next cycle, and stays there.
      if (Out.ImemAddr < N)
        std::memcpy(Word.data(), &Imem[size_t(Out.ImemAddr) * InsnWords], InsnWords * 4);
      else
        std::fill(Word.begin(), Word.end(), 0);
    }
    Api.Clock(Model);
    ++Clocked;
  }
  Status dram(uint64_t T);
  Status events(uint64_t T);
  Error stuck(uint64_t T) const;
  Error outOfBounds() const;
};

/// The error for an out-of-bounds micro-op index the RTL flagged (err_o): the functional simulator's bounds
/// message, with the first offending row and its loop indices where func names the last.
Error Run::outOfBounds() const {
  static const char *const Fields[] = {"dst", "src", "wgt"};
  const unsigned F = std::min<unsigned>(Out.ErrField, NPU_RTL_FIELD_WGT);
  const bool Gemm = Out.ErrIdx < N && P.Insns[Out.ErrIdx].opcode() == Opcode::Gemm;
  isa::MemType M = isa::MemType::Acc;
  uint64_t Depth = C.D.AccDepth;
  if (Gemm && F == NPU_RTL_FIELD_SRC) {
    M = isa::MemType::Input;
    Depth = C.D.InputDepth;
  } else if (Gemm && F == NPU_RTL_FIELD_WGT) {
    M = isa::MemType::Weight;
    Depth = C.D.WeightDepth;
  }
  const std::string Insn =
      Out.ErrIdx < N ? describe(Out.ErrIdx) : "instruction " + std::to_string(Out.ErrIdx);
  return makeError(Insn, ": micro-op ", Out.ErrUop, " field ", Fields[F], "=", Out.ErrBase, " reaches ",
                   sim::bufferName(M), " row ", Out.ErrRow, " (at i=", Out.ErrI, ", j=", Out.ErrJ,
                   "), out of bounds: depth ", Depth, " (detected by the RTL)");
}

Status Run::dram(uint64_t T) {
  std::array<bool, NPU_RTL_CLIENTS> Valid{}, First{};
  for (unsigned Cl = 0; Cl < NPU_RTL_CLIENTS; ++Cl) {
    Valid[Cl] = Out.ReqValid[Cl];
    First[Cl] = Out.ReqValid[Cl] && Out.ReqFirst[Cl];
    if (!Valid[Cl])
      continue;
    Transfer &X = Clients[Cl];
    if (X.Insn < 0)
      return contract(T, std::string("the ") + ClientNames[Cl] +
                             " unit requests DRAM with no LOAD/STORE "
                             "transfer running");
    if (X.Issue == NotYet) {
      if (!First[Cl])
        return contract(T, describe(X.Insn) + ": its first DRAM request is not marked first");
      X.Issue = T;
      Timing[X.Insn].DramStart = T + C.DramLatency;
    }
  }
  const int G = Arbiter.step(T, Valid, First);
  if (G < 0)
    return Status::ok();
  Transfer &X = Clients[G];
  const uint64_t Addr = Out.ReqAddr[G];
  if (Addr % Burst != 0)
    return contract(T, describe(X.Insn) + ": DRAM request address " + std::to_string(Addr) +
                           " is not burst-aligned");
  const bool Write = Out.ReqWrite[G];
  if (Write != (P.Insns[X.Insn].opcode() == Opcode::Store))
    return contract(T, describe(X.Insn) + (Write ? ": writes DRAM" : ": reads DRAM"));
  if (Write) {
    Api.WriteData(Model, unsigned(G), Buffer.data(), Strobes.data());
    for (uint64_t B = 0; B < Burst; ++B) {
      if (!Strobes[B])
        continue;
      if (Addr + B >= Dram.size())
        return contract(T, describe(X.Insn) + ": writes DRAM byte " + std::to_string(Addr + B) +
                               ", outside the program's DRAM of " + std::to_string(Dram.size()) + " bytes");
      Dram[Addr + B] = Buffer[B];
    }
  } else {
    // A burst-aligned block may run past the end of DRAM; the bytes beyond it read as zero.
    const uint64_t Have = Addr < Dram.size() ? std::min<uint64_t>(Burst, Dram.size() - Addr) : 0;
    if (Have)
      std::memcpy(Buffer.data(), Dram.data() + Addr, Have);
    std::fill(Buffer.begin() + Have, Buffer.end(), 0);
  }
  Api.Grant(Model, unsigned(G), Buffer.data());
  Api.Outputs(Model, &Out); // an engine may end in its grant cycle (one-cycle bursts)
  ++X.Grants;
  X.LastGrant = T;
  return Status::ok();
}

Status Run::events(uint64_t T) {
  if (Out.EvDispatch) {
    const uint64_t K = Out.EvDispatchIdx;
    if (K != NextDispatch)
      return contract(T, "dispatched instruction " + std::to_string(K) + ", expected " +
                             (NextDispatch < N ? std::to_string(NextDispatch) : "none (all dispatched)"));
    const uint64_t Ready = (K == 0 ? 0 : Dispatched[K - 1]) + C.FetchLatency;
    FetchStall += T > Ready ? T - Ready : 0;
    Dispatched[K] = T;
    Timing[K].Dispatch = T;
    ++NextDispatch;
    LastEvent = T;
  }
  for (unsigned Lane = 0; Lane < NPU_RTL_LANES; ++Lane) {
    if (!Out.EvStart[Lane])
      continue;
    const uint64_t K = Out.EvStartIdx[Lane];
    if (K >= N || Started[K] != NotYet || Dispatched[K] == NotYet || laneOf(P.Insns[K]) != Lane)
      return contract(T,
                      std::string("start event on the ") + LaneNames[Lane] + " lane for instruction " +
                          std::to_string(K) +
                          (K >= N                 ? " of " + std::to_string(N)
                           : Started[K] != NotYet ? ", which started in cycle " + std::to_string(Started[K])
                           : Dispatched[K] == NotYet ? ", which was not dispatched"
                                                     : " (" + describe(K) + "), which belongs to the " +
                                                           LaneNames[laneOf(P.Insns[K])] + " lane"));
    Started[K] = T;
    Timing[K].Start = T;
    ++NumStarted;
    LastProgress = LastEvent = T;
    if (const int Cl = clientOf(C, P.Insns[K]); Cl >= 0) {
      if (Clients[Cl].Insn >= 0)
        return contract(T, describe(K) + " starts while " + describe(Clients[Cl].Insn) +
                               " still owns the DRAM client");
      Clients[Cl] = Transfer{int64_t(K)};
    }
  }
  for (unsigned Lane = 0; Lane < NPU_RTL_LANES; ++Lane) {
    if (!Out.EvEnd[Lane])
      continue;
    const uint64_t K = Out.EvEndIdx[Lane];
    if (K >= N || Started[K] == NotYet || Ended[K] != NotYet || laneOf(P.Insns[K]) != Lane)
      return contract(T, std::string("end event on the ") + LaneNames[Lane] + " lane for instruction " +
                             std::to_string(K) +
                             (K >= N                 ? " of " + std::to_string(N)
                              : Started[K] == NotYet ? ", which has not started"
                              : Ended[K] != NotYet   ? ", which already ended"
                                                     : " (" + describe(K) + "), which belongs to the " +
                                                         LaneNames[laneOf(P.Insns[K])] + " lane"));
    Ended[K] = T;
    Timing[K].End = T + 1; // the event marks the last busy cycle E - 1
    ++NumEnded;
    LastProgress = LastEvent = T;
    if (const int Cl = clientOf(C, P.Insns[K]); Cl >= 0) {
      Transfer &X = Clients[Cl];
      if (X.Grants == 0)
        return contract(T, describe(K) + " ends without a DRAM burst");
      InsnTiming &I = Timing[K];
      const uint64_t Own = X.Grants * Cb;
      I.Bursts = X.Grants;
      I.DramEnd = X.LastGrant + Cb;
      I.DramWait = I.DramEnd - X.Issue - Own;
      I.DramContention = I.DramEnd - (X.Issue + C.DramLatency + Own);
      X = Transfer{};
    }
  }
  return Status::ok();
}

/// The error for a run that stopped making progress: the functional simulator's deadlock report when no
/// instruction is running (a token deadlock), else the running instructions and the queue heads.
Error Run::stuck(uint64_t T) const {
  std::vector<uint64_t> Running;
  sim::BlockedState B;
  B.Executed = NumEnded;
  for (uint64_t K = 0; K < N; ++K) {
    if (Started[K] != NotYet && Ended[K] == NotYet)
      Running.push_back(K);
    const sim::TokenUse U = sim::tokenUse(P.Insns[K]);
    if (Dispatched[K] != NotYet && Started[K] == NotYet && !B.Heads[unsigned(U.Q)])
      B.Heads[unsigned(U.Q)] = K;
    if (Started[K] != NotYet)
      for (unsigned J = 0; J < U.NumPops; ++J)
        --B.Tokens[unsigned(U.Pops[J])];
    if (Ended[K] != NotYet)
      for (unsigned J = 0; J < U.NumPushes; ++J)
        ++B.Tokens[unsigned(U.Pushes[J])];
  }
  if (NextDispatch < N)
    B.NextFetch = NextDispatch;
  Error Deadlock = sim::deadlockError(C, L, P, B);
  if (Running.empty())
    return Deadlock;
  std::string Msg = "the RTL made no progress for " + std::to_string(T - LastProgress) + " cycles (cycle " +
                    std::to_string(T) + "); still running:";
  for (uint64_t K : Running)
    Msg += "\n  " + describe(K) + ", started in cycle " + std::to_string(Started[K]);
  return makeError(Msg, "\nqueue state: ", Deadlock.message());
}

Status Run::run() {
  // Reset, then the start pulse; the cycle after it is cycle 0.
  for (int K = 0; K < 2; ++K) {
    setInputs(true, false);
    clock();
  }
  setInputs(false, true);
  clock();
  // With nothing running, a quiet RTL is deadlocked once fetch, the footprint scan of the largest micro-op
  // range and the DMA issue latencies have had their time.
  const uint64_t Quiet = C.FetchLatency + C.D.UopDepth + C.LoadLatency + C.StoreLatency + 64;
  for (uint64_t T = 0;; ++T) {
    setInputs(false, false);
    if (Out.Cycle != T)
      return contract(T, "cycle_o reads " + std::to_string(Out.Cycle));
    if (Out.Err)
      return outOfBounds();
    if (Out.Done && NumEnded < N)
      return contract(T, "done_o is high with " + std::to_string(N - NumEnded) + " instructions not ended");
    NPU_TRY(dram(T));
    NPU_TRY(events(T));
    FootprintWait += Out.FootprintWait;
    if (NumEnded == N) {
      // The last instruction ends at T + 1, the run's total cycles: done_o rises then.
      clock();
      setInputs(false, false);
      if (Out.Err)
        return outOfBounds();
      if (!Out.Done)
        return contract(T + 1, "done_o is low after every instruction has ended");
      Api.PerfCounters(Model, Perf.data());
      return Status::ok();
    }
    const bool Idle = NumStarted == NumEnded;
    if (T - LastProgress > Watchdog || (Idle && T - LastEvent > Quiet))
      return stuck(T);
    clock();
  }
}

uint64_t defaultWatchdog(const HardwareConfig &C, const isa::Program &P) {
  uint64_t Longest = 0;
  for (const Instruction &I : P.Insns)
    Longest = std::max(Longest, timing::uncontendedCycles(C, I));
  return 1000000 + 3 * Longest;
}

} // namespace

Expected<sim::TimingStats> RtlSim::run(const isa::Program &P, std::vector<uint8_t> &Dram) {
  Clocked = FootprintWait = 0;
  NPU_TRY(isa::checkBuiltFor(P, C));
  if (Dram.size() != P.DramBytes)
    return makeError("DRAM image has ", Dram.size(), " bytes but the program declares ", P.DramBytes);
  NPU_TRY(checkRtlConfig(C));
  const isa::IsaLayout L(C);
  NPU_TRY(sim::checkProgramInstructions(C, L, P));
  NPU_TRY(checkTransfers(C, L, P, Dram.size()));
  auto Api = loadModel(C, Opts);
  if (!Api)
    return Api.error();
  const NpuRtlInfo &Info = *(*Api)->Info;
  if (P.Insns.size() > UINT32_MAX || (Info.IdxBits < 64 && P.Insns.size() > (uint64_t(1) << Info.IdxBits)))
    return makeError("the program has ", P.Insns.size(), " instructions; the RTL numbers at most 2^",
                     std::min(Info.IdxBits, 32u));
  if (Info.InsnBits != L.instructionBits() || Info.BurstBytes != C.DramBurst)
    return makeError("the RTL model for config '", C.Name, "' has ", Info.InsnBits, "-bit instructions and ",
                     Info.BurstBytes, "-byte bursts; the config says ", L.instructionBits(), " and ",
                     C.DramBurst);

  if (Opts.Waveform != WaveformKind::None && Opts.WaveformPath.empty())
    return makeError("a ", waveformName(Opts.Waveform), " waveform was asked for without a file");

  sim::TimingStats T;
  T.Counts = operationCounts(C, P);
  if (P.Insns.empty())
    return T;
  Run R(C, L, P, Dram, **Api, Opts.WatchdogCycles ? Opts.WatchdogCycles : defaultWatchdog(C, P));
  NPU_TRY(R.encode());
  if (Opts.Waveform != WaveformKind::None)
    NPU_TRY(R.openWaveform(Opts.WaveformPath));
  Status S = R.run();
  Clocked = R.clocked();
  FootprintWait = R.footprintWait();
  if (!S)
    return S.error();
  // The statistics the events give (the SystemC model's derivation), and the counters' in their place.
  T.Insns = R.takeTimings();
  fillHeads(C, P, T.Insns);
  sim::computeRunStats(C, P, R.fetchStall(), R.bursts(), T);
  sim::TimingStats Counted = T;
  applyCounters(C, R.counters(), Counted);
  if (Opts.CheckCounters) {
    const std::vector<std::string> Diff = counterMismatches(Counted, T);
    if (!Diff.empty()) {
      std::string Msg = "the RTL's performance counters disagree with its events (an RTL bug, docs/rtl.md "
                        "\"Performance counters\"):";
      for (const std::string &D : Diff)
        Msg += "\n  " + D;
      return makeError(Msg);
    }
  }
  return Counted;
}

} // namespace npu::rtl
