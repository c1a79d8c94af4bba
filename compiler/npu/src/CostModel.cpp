// Cost model: a one-pass list schedule of a program over its tokens (start = the latest of dispatch, the
// unit's previous end and the ends of the instructions whose tokens it pops), with DRAM transfers sharing one
// port, attributed per node; and the per-tile formula used to choose tile sizes.
#include "npu/backend/CostModel.h"

#include "npu/isa/Footprint.h"
#include "npu/timing/TimingRules.h"
#include "npu/support/Math.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <map>
#include <sstream>

namespace npu::backend {

namespace {


/// Busy intervals of the DRAM port; a transfer takes the free cycles from its eligibility on.
class Port {
public:
  /// Cycles Need of port time from T0 on; returns when the last one ends.
  uint64_t take(uint64_t T0, uint64_t Need) {
    uint64_t T = T0;
    auto It = Busy.upper_bound(T);
    if (It != Busy.begin() && std::prev(It)->second > T)
      --It;
    while (Need > 0) {
      if (It != Busy.end() && It->first <= T) {
        T = std::max(T, It->second);
        ++It;
        continue;
      }
      const uint64_t Gap = It == Busy.end() ? Need : std::min(Need, It->first - T);
      add(T, T + Gap);
      T += Gap;
      Need -= Gap;
      It = Busy.upper_bound(T);
      if (It != Busy.begin() && std::prev(It)->second > T)
        --It;
    }
    return T;
  }
  /// Forgets intervals before T (no later transfer can start earlier).
  void prune(uint64_t T) {
    while (!Busy.empty() && Busy.begin()->second < T)
      Busy.erase(Busy.begin());
  }

private:
  void add(uint64_t A, uint64_t B) {
    auto Next = Busy.lower_bound(A);
    if (Next != Busy.begin()) {
      auto Prev = std::prev(Next);
      if (Prev->second == A) {
        A = Prev->first;
        Busy.erase(Prev);
      }
    }
    Next = Busy.lower_bound(A);
    if (Next != Busy.end() && Next->first == B) {
      B = Next->second;
      Busy.erase(Next);
    }
    Busy[A] = B;
  }
  std::map<uint64_t, uint64_t> Busy;
};

/// The micro-op buffer rows a LOAD uop fills, from the program's micro-op table (rows outside it: empty).
void replayUopLoad(const isa::Program &P, const isa::MemFields &M, std::vector<isa::MicroOp> &Buf) {
  const uint64_t Rb = P.Config.D.UopRowBytes;
  int64_t Dst = M.SramBase;
  for (int64_t Y = 0; Y < M.YSize; ++Y)
    for (int64_t X = 0; X < M.XSize; ++X, ++Dst) {
      const uint64_t A = uint64_t(M.DramBase) + uint64_t(Y * M.XStride + X) * Rb;
      const uint64_t K = (A - P.UopBase) / Rb;
      if (Dst >= 0 && size_t(Dst) < Buf.size())
        Buf[size_t(Dst)] = A >= P.UopBase && K < P.Uops.size() ? P.Uops[K] : isa::MicroOp{};
    }
}

/// The one-pass list schedule of estimateProgram: per instruction its start (dispatch, its unit or with
/// alu.concurrent its pipe, the footprints beside the other pipe, the tokens it pops), its duration by the
/// timing rules, then what it leaves for the ones after it; cycles and bytes attributed to the node that
/// emitted it.
class Schedule {
public:
  explicit Schedule(const isa::Program &P)
      : P(P), C(P.Config), MacsPerUop(C.Batch * C.BlockIn * C.BlockOut), Cb(timing::burstCycles(C)),
        Qc(C.CommandQueueDepth), Dual(C.AluConcurrent != 0), End(P.Insns.size()), Pushed(P.Insns.size()),
        UopBuf(Dual ? C.D.UopDepth : 0) {}

  std::vector<LayerCost> run() {
    for (size_t I = 0; I < P.Insns.size(); ++I)
      step(I);
    for (LayerCost &L : Layers)
      L.Roofline = std::max(double(L.Macs) / double(C.D.PeakMacsPerCycle),
                            double(L.DramBytes) / double(C.DramBandwidth));
    return Layers;
  }

private:
  /// The layer instruction I belongs to (the last node named at or before it).
  size_t layerOf(size_t I) {
    if (const std::string &N = P.nodeOf(I); !N.empty())
      Current = N;
    auto [It, New] = Index.try_emplace(Current, Layers.size());
    if (New) {
      Layers.push_back({Current});
      First.push_back(UINT64_MAX);
    }
    return It->second;
  }

  /// When In can start: dispatched, its unit (or pipe) free, beside the other pipe, its tokens pushed.
  uint64_t startOf(const isa::Instruction &In, unsigned Q, isa::ComputePipe Pipe, isa::AccFootprint &Foot,
                   uint64_t &Known) {
    Dispatch += C.FetchLatency;
    if (QueueStarts[Q].size() >= Qc)
      Dispatch = std::max(Dispatch, QueueStarts[Q][QueueStarts[Q].size() - Qc]);
    uint64_t S = std::max(Dispatch, UnitEnd[Q]);
    if (Dual && Q == 1) {
      S = std::max(Dispatch, LastStart);
      if (Pipe == isa::ComputePipe::None) {
        S = std::max(S, Retired);
      } else {
        Foot = isa::accFootprint(In, UopBuf);
        Known = Scanner.known(In, Dispatch);
        const unsigned K = unsigned(Pipe);
        S = std::max(S, PipeEnd[K]);
        S = std::max(S, timing::besideOtherPipe(Foot, Known, PipeFoot[1 - K], PipeKnown[1 - K], PipeEnd[1 - K]));
      }
    }
    // Pops: l2c (compute pop_prev), c2l (load pop_next), c2s (store pop_prev), s2c (compute pop_next).
    auto Pop = [&](unsigned F) {
      if (!Tokens[F].empty()) {
        S = std::max(S, Pushed[Tokens[F].front()]);
        Tokens[F].pop_front();
      }
    };
    if (In.H.PopPrev)
      Pop(Q == 1 ? 0 : 2);
    if (In.H.PopNext)
      Pop(Q == 0 ? 1 : 3);
    return S;
  }

  /// In's cycles from its start S, counted into its layer L.
  uint64_t duration(const isa::Instruction &In, unsigned Q, uint64_t S, LayerCost &L) {
    switch (In.opcode()) {
    case isa::Opcode::Gemm: {
      const uint64_t Dur = timing::gemmCycles(C, In);
      if (!In.Gemm.Reset)
        L.Macs += timing::loopUops(In) * MacsPerUop;
      L.ComputeCycles += Dur;
      return Dur;
    }
    case isa::Opcode::Alu: {
      const uint64_t Dur = timing::aluCycles(C, In);
      L.ComputeCycles += Dur;
      return Dur;
    }
    case isa::Opcode::Load:
    case isa::Opcode::Store: {
      const bool Load = In.opcode() == isa::Opcode::Load;
      const uint64_t Bytes = uint64_t(In.Mem.YSize * In.Mem.XSize) * isa::rowBytes(C, In.memType());
      if (Bytes == 0)
        return 1;
      L.DramBytes += Bytes;
      if (Dual && Load && In.memType() == isa::MemType::Uop)
        replayUopLoad(P, In.Mem, UopBuf);
      const uint64_t Issue = S + timing::dmaIssueLatency(C, In);
      const uint64_t X = Dram.take(Issue + C.DramLatency, timing::dmaBursts(C, In.Mem) * Cb);
      const uint64_t Pad = Load ? timing::paddingRows(In.Mem) : 0;
      const uint64_t Dur = std::max(X, Issue + Pad) - S;
      (Q == 1 ? L.ComputeCycles : L.DmaCycles) += Dur;
      return Dur;
    }
    default:
      return 1;
    }
  }

  /// Instruction I (queue Q) ended: its unit or pipe, in-order retirement, the queue's window, its tokens.
  void ended(size_t I, const isa::Instruction &In, unsigned Q, isa::ComputePipe Pipe, const isa::AccFootprint &Foot,
             uint64_t Known, uint64_t S) {
    UnitEnd[Q] = End[I];
    if (Dual && Q == 1) {
      LastStart = S;
      if (Pipe != isa::ComputePipe::None) {
        PipeEnd[unsigned(Pipe)] = End[I], PipeFoot[unsigned(Pipe)] = Foot, PipeKnown[unsigned(Pipe)] = Known;
        Scanner.ended(Known, End[I]);
      } else { // it held both pipes
        PipeEnd = {End[I], End[I]};
        if (In.opcode() == isa::Opcode::Load && In.memType() == isa::MemType::Uop && timing::dmaBursts(C, In.Mem))
          Scanner.uopLoadEnded(End[I]);
      }
      Pushed[I] = Retired = std::max(Retired, End[I]);
      UnitEnd[Q] = Retired;
    }
    QueueStarts[Q].push_back(S);
    if (QueueStarts[Q].size() > Qc)
      QueueStarts[Q].pop_front();
    if (In.H.PushNext)
      Tokens[Q == 0 ? 0 : 2].push_back(I);
    if (In.H.PushPrev)
      Tokens[Q == 1 ? 1 : 3].push_back(I);
  }

  void step(size_t I) {
    const isa::Instruction &In = P.Insns[I];
    const size_t Layer = layerOf(I);
    LayerCost &L = Layers[Layer];
    const unsigned Q = unsigned(In.queue());
    const isa::ComputePipe Pipe = Dual && Q == 1 ? isa::computePipe(In) : isa::ComputePipe::None;
    isa::AccFootprint Foot;
    uint64_t Known = 0;
    const uint64_t S = startOf(In, Q, Pipe, Foot, Known);
    End[I] = Pushed[I] = S + duration(In, Q, S, L);
    ended(I, In, Q, Pipe, Foot, Known, S);
    First[Layer] = std::min(First[Layer], S);
    L.Span = End[I] - First[Layer];
    const uint64_t NewMakespan = std::max(Makespan, End[I]);
    L.Cycles += NewMakespan - Makespan;
    Makespan = NewMakespan;
    Dram.prune(std::max(Dispatch, std::min({UnitEnd[0], UnitEnd[1], UnitEnd[2]})));
  }

  const isa::Program &P;
  const HardwareConfig &C;
  const uint64_t MacsPerUop, Cb, Qc;
  const bool Dual; ///< alu.concurrent: the GEMM and ALU pipes (end, footprint), in-order retirement, and the
                   ///< micro-op buffer (replayed from the program's micro-op table) the footprints are read from
  std::vector<LayerCost> Layers;
  std::map<std::string, size_t> Index;
  std::vector<uint64_t> First; ///< per layer, its first start
  std::string Current = "(segment)";
  std::vector<uint64_t> End, Pushed; ///< per instruction; Pushed: when its tokens are pushed
  std::array<uint64_t, 2> PipeEnd{};
  std::array<isa::AccFootprint, 2> PipeFoot;
  std::array<uint64_t, 2> PipeKnown{}; ///< when each pipe's footprint is known (timing::FootprintScanner)
  timing::FootprintScanner Scanner;
  uint64_t LastStart = 0, Retired = 0;
  std::vector<isa::MicroOp> UopBuf;
  std::array<uint64_t, 3> UnitEnd{};
  std::array<std::deque<uint64_t>, 3> QueueStarts; ///< starts of each queue's last Qc instructions
  std::array<std::deque<size_t>, 4> Tokens;        ///< pushed, not yet popped: producer indices
  Port Dram;
  uint64_t Dispatch = 0, Makespan = 0;
};

} // namespace

std::vector<LayerCost> estimateProgram(const isa::Program &P) { return Schedule(P).run(); }

uint64_t estimateTotalCycles(const isa::Program &P) {
  uint64_t T = 0;
  for (const LayerCost &L : estimateProgram(P))
    T += L.Cycles;
  return T;
}

std::string formatCostTable(const std::vector<LayerCost> &Layers, const HardwareConfig &C) {
  std::ostringstream OS;
  char Buf[256];
  std::snprintf(Buf, sizeof Buf, "  %-32s %12s %10s %10s %10s %10s %6s\n", "layer", "MACs", "DRAM B",
                "est cyc", "span", "roofline", "roof%");
  OS << Buf;
  LayerCost T{"total"};
  for (const LayerCost &L : Layers) {
    std::snprintf(Buf, sizeof Buf, "  %-32.32s %12llu %10llu %10llu %10llu %10.0f %6.1f\n", L.Node.c_str(),
                  (unsigned long long)L.Macs, (unsigned long long)L.DramBytes, (unsigned long long)L.Cycles,
                  (unsigned long long)L.Span, L.Roofline,
                  L.Cycles ? 100.0 * L.Roofline / double(L.Cycles) : 0.0);
    OS << Buf;
    T.Macs += L.Macs, T.DramBytes += L.DramBytes, T.Cycles += L.Cycles, T.Roofline += L.Roofline;
  }
  std::snprintf(Buf, sizeof Buf, "  %-32s %12llu %10llu %10llu %10s %10.0f %6.1f  (%.1f us at %.0f MHz)\n",
                "total", (unsigned long long)T.Macs, (unsigned long long)T.DramBytes,
                (unsigned long long)T.Cycles, "", T.Roofline,
                T.Cycles ? 100.0 * T.Roofline / double(T.Cycles) : 0.0, double(T.Cycles) / C.ClockMHz,
                C.ClockMHz);
  OS << Buf;
  return OS.str();
}

ModelCost estimateModelCost(const ModelArtifact &A) {
  ModelCost M;
  for (const ArtifactSegment &S : A.Segments) {
    if (S.K != ArtifactSegment::Npu)
      continue;
    M.NpuSegments += 1;
    for (const LayerCost &L : estimateProgram(S.Program))
      M.Cycles += L.Cycles, M.DramBytes += L.DramBytes;
  }
  return M;
}

namespace {

/// "A vs B WHAT (+x.xx %)": the change from B to A in percent of B (none when B is 0); Over names the budget.
std::string comparison(uint64_t A, uint64_t B, const char *What, bool Over) {
  const std::string Budget = "over the " + std::to_string(FidelityCycleBudgetPercent) + " % budget of issue 12";
  std::string S = std::to_string(A) + " vs " + std::to_string(B) + " " + What;
  if (B == 0) // no percentage of nothing
    return Over ? S + " (" + Budget + ")" : S;
  char Buf[64];
  std::snprintf(Buf, sizeof Buf, " (%+.2f %%", 100.0 * (double(A) - double(B)) / double(B));
  return S + Buf + (Over ? ": " + Budget : "") + ")";
}

} // namespace

std::string formatFidelityCost(const ModelCost &WithOptions, const ModelCost &Default) {
  // Integer comparison, so a change of exactly the budget is within it whatever the rounding of the percent.
  const bool Over = WithOptions.Cycles * 100 > Default.Cycles * (100 + FidelityCycleBudgetPercent);
  std::string S =
      "fidelity cost: " +
      comparison(WithOptions.Cycles, Default.Cycles, "estimated cycles with the default quantization", Over) + ", " +
      comparison(WithOptions.DramBytes, Default.DramBytes, "DRAM bytes", false);
  // Work the other quantization leaves on the host is not in its estimate: say when the partitions differ.
  if (WithOptions.NpuSegments != Default.NpuSegments)
    S += "; " + std::to_string(WithOptions.NpuSegments) + " vs " + std::to_string(Default.NpuSegments) +
         " NPU segments (host segments are not estimated)";
  return S + "\n";
}

uint64_t transferCycles(const HardwareConfig &C, uint64_t Bytes, uint64_t Transfers, bool Store) {
  if (Transfers == 0)
    return 0;
  const uint64_t Cb = timing::burstCycles(C);
  return Transfers * ((Store ? C.StoreLatency : C.LoadLatency) + C.DramLatency) +
         (ceilDiv(Bytes, C.DramBurst) + Transfers) * Cb;
}

uint64_t pipelinedCycles(const HardwareConfig &C, const TileCost &T, uint64_t Tiles, int64_t N,
                         uint64_t Fixed) {
  if (Tiles == 0)
    return Fixed;
  const uint64_t Serial = T.Load + T.Compute + T.Alu + T.Store;
  if (N <= 1)
    return Fixed + Tiles * Serial;
  const uint64_t Cb = timing::burstCycles(C);
  const uint64_t PortCycles = ceilDiv(T.DramBytes, C.DramBurst) * Cb;
  const uint64_t Compute = T.AluOverlaps ? std::max(T.Compute, T.Alu) : T.Compute + T.Alu;
  const uint64_t Stage = std::max({T.Load, Compute, T.Store, PortCycles});
  return Fixed + Serial + (Tiles - 1) * Stage;
}

} // namespace npu::backend
