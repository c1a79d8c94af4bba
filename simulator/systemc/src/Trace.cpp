// The Chrome/Perfetto trace-event JSON of one run or of several runs in sequence (a model's NPU segments):
// one process per run, one track per unit and per unit's DRAM transfers (and one for the ALU pipe when it runs
// beside the GEMM core).
#include "ReportUtil.h"

#include "npu/isa/Assembler.h"
#include "npu/sim/SystemCSim.h"

#include <algorithm>

namespace npu::sim {

namespace {

/// Microseconds as the trace always wrote them: six decimals.
double micros(double Us) { return jsonNumber(Us, "%.6f"); }

/// Appends the events of one run as process Pid.
class TraceWriter {
public:
  explicit TraceWriter(Json &Events) : Events(Events) {}

  /// The host spans as process Pid, sorted before the NPU runs.
  void host(const std::vector<TraceSpan> &Spans, unsigned Pid) {
    this->Pid = Pid;
    meta("process_name", -1, {{"name", "host"}});
    meta("process_sort_index", -1, {{"sort_index", 0}});
    meta("thread_name", 0, {{"name", "host"}});
    for (const TraceSpan &S : Spans) {
      Json Args = S.Args.empty() ? Json::object() : Json::parse(S.Args);
      Events.push_back({{"name", S.Name},
                        {"cat", "host"},
                        {"ph", "X"},
                        {"pid", Pid},
                        {"tid", 0},
                        {"ts", micros(S.StartUs)},
                        {"dur", micros(S.DurUs)},
                        {"args", std::move(Args)}});
    }
  }

  void run(const TraceRun &R, unsigned Pid) {
    const isa::Program &P = *R.P;
    const TimingStats &T = *R.T;
    const HardwareConfig &C = P.Config;
    const isa::IsaLayout L(C);
    Mhz = C.ClockMHz;
    Offset = R.OffsetCycles;
    OffsetUs = R.OffsetUs;
    this->Pid = Pid;
    meta("process_name", -1, {{"name", R.Name}});
    meta("process_sort_index", -1, {{"sort_index", Pid}});
    // Tracks: the four units, then one per unit that moves DRAM data (its transfers on the shared port), then
    // with alu.concurrent the ALU pipe (its instructions overlap the GEMMs on the compute unit).
    const char *Tracks[] = {"fetch",      "load",          "compute",     "store",
                            "dram: load", "dram: compute", "dram: store", "compute: alu pipe"};
    const unsigned NumTracks = C.AluConcurrent ? 8 : 7;
    std::vector<uint64_t> TrackEnd(NumTracks, 0);
    for (unsigned K = 0; K < NumTracks; ++K) {
      meta("thread_name", int(K), {{"name", Tracks[K]}});
      meta("thread_sort_index", int(K), {{"sort_index", K}});
    }
    uint64_t PrevDispatch = 0;
    for (size_t K = 0; K < T.Insns.size() && K < P.Insns.size(); ++K) {
      const InsnTiming &I = T.Insns[K];
      const isa::Instruction &In = P.Insns[K];
      const std::string Text = isa::formatInstruction(L, In);
      const std::string &Node = P.nodeOf(K);
      const std::string Cat = Node.empty() ? "npu" : Node;
      const Json Args = {{"index", K}, {"node", Node}};
      const unsigned Tid = traceTrack(C, In);
      // Fetch is shown only where it stalls on a full command queue.
      const uint64_t Ready = PrevDispatch + C.FetchLatency;
      if (I.Dispatch > Ready)
        span(std::string("fetch waits for room in the ") + isa::queueName(In.queue()) + " queue", "stall", 0,
             Ready, I.Dispatch, Args);
      PrevDispatch = I.Dispatch;
      // A dual-pipe instruction becomes the head while the one before it may still run on its track.
      const uint64_t Head = std::max(I.Head, TrackEnd[Tid]);
      if (I.Start > Head)
        span("wait for tokens: " + Text, "stall", Tid, Head, I.Start, Args);
      span(Node.empty() ? Text : Node + ": " + Text, Cat, Tid, I.Start, I.End, Args);
      TrackEnd[Tid] = I.End;
      if (I.Bursts) {
        Json Dram = Args;
        Dram.update({{"bursts", I.Bursts}, {"contention_cycles", I.DramContention}});
        span("dram " + std::to_string(I.Bursts) + " bursts: " + Text, Cat, Tid + 3, I.DramStart, I.DramEnd, Dram);
      }
    }
  }

private:
  /// A metadata event; Tid < 0: of the process.
  void meta(const char *Name, int Tid, Json Args) {
    Json E = {{"name", Name}, {"ph", "M"}, {"pid", Pid}};
    if (Tid >= 0)
      E["tid"] = Tid;
    E["args"] = std::move(Args);
    Events.push_back(std::move(E));
  }
  /// A complete span; its args keep the run's own cycles, its timestamps are on the common timeline.
  void span(const std::string &Name, const std::string &Cat, unsigned Tid, uint64_t Begin, uint64_t End,
            const Json &Args) {
    Json A = {{"start_cycle", Begin}, {"end_cycle", End}};
    A.update(Args);
    Events.push_back({{"name", Name},
                      {"cat", Cat},
                      {"ph", "X"},
                      {"pid", Pid},
                      {"tid", Tid},
                      {"ts", micros(double(Offset + Begin) / Mhz + OffsetUs)},
                      {"dur", micros(double(End - Begin) / Mhz)},
                      {"args", std::move(A)}});
  }

  Json &Events;
  double Mhz = 1;
  uint64_t Offset = 0;
  double OffsetUs = 0;
  unsigned Pid = 0;
};

} // namespace

unsigned traceTrack(const HardwareConfig &C, const isa::Instruction &I) {
  return C.AluConcurrent && I.opcode() == isa::Opcode::Alu ? 7 : unsigned(unitOf(I));
}

std::string traceJson(const std::vector<TraceRun> &Runs, const std::vector<TraceSpan> &Host) {
  const HardwareConfig *C = Runs.empty() ? nullptr : &Runs.front().P->Config;
  uint64_t Total = 0;
  for (const TraceRun &R : Runs)
    Total = std::max(Total, R.OffsetCycles + R.T->TotalCycles);
  Json Other = Json::object();
  if (C)
    Other.update({{"config", C->Name}, {"config_hash", C->Hash}, {"clock_mhz", jsonNumber(C->ClockMHz, "%.15g")}});
  Other.update({{"total_cycles", Total}, {"runs", Runs.size()}});
  Json J = {{"displayTimeUnit", "ns"}, {"otherData", std::move(Other)}, {"traceEvents", Json::array()}};
  TraceWriter W(J["traceEvents"]);
  for (size_t K = 0; K < Runs.size(); ++K)
    W.run(Runs[K], unsigned(K + 1));
  if (!Host.empty())
    W.host(Host, unsigned(Runs.size() + 1));
  return jsonText(J);
}

std::string TimingStats::traceJson(const isa::Program &P) const {
  return sim::traceJson({TraceRun{&P, this, "npu " + P.Config.Name, 0}});
}

} // namespace npu::sim
