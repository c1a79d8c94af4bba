// The Chrome/Perfetto trace-event JSON of one run or of several runs in sequence (a model's NPU segments):
// one process per run, one track per unit and per unit's DRAM transfers (and one for the ALU pipe when it runs
// beside the GEMM core).
#include "ReportUtil.h"

#include "npu/isa/Assembler.h"
#include "npu/sim/SystemCSim.h"

#include <algorithm>

namespace npu::sim {

using report::fixed;
using report::jsonString;

namespace {

/// Appends the events of one run as process Pid.
class TraceWriter {
public:
  explicit TraceWriter(std::string &Out) : Out(Out) {}

  /// The host spans as process Pid, sorted before the NPU runs.
  void host(const std::vector<TraceSpan> &Spans, unsigned Pid) {
    PidText = std::to_string(Pid);
    meta("process_name", "", "\"name\": \"host\"");
    meta("process_sort_index", "", "\"sort_index\": 0");
    meta("thread_name", "0", "\"name\": \"host\"");
    for (const TraceSpan &S : Spans)
      event("\"name\": " + jsonString(S.Name) + ", \"cat\": \"host\", \"ph\": \"X\", \"pid\": " + PidText +
            ", \"tid\": 0, \"ts\": " + fixed(S.StartUs, 6) + ", \"dur\": " + fixed(S.DurUs, 6) +
            ", \"args\": {" + S.Args + "}");
  }

  void run(const TraceRun &R, unsigned Pid) {
    const isa::Program &P = *R.P;
    const TimingStats &T = *R.T;
    const HardwareConfig &C = P.Config;
    const isa::IsaLayout L(C);
    Mhz = C.ClockMHz;
    Offset = R.OffsetCycles;
    OffsetUs = R.OffsetUs;
    PidText = std::to_string(Pid);
    meta("process_name", "", "\"name\": " + jsonString(R.Name));
    meta("process_sort_index", "", "\"sort_index\": " + PidText);
    // Tracks: the four units, then one per unit that moves DRAM data (its transfers on the shared port), then
    // with alu.concurrent the ALU pipe (its instructions overlap the GEMMs on the compute unit).
    const char *Tracks[] = {"fetch",      "load",          "compute",     "store",
                            "dram: load", "dram: compute", "dram: store", "compute: alu pipe"};
    const unsigned NumTracks = C.AluConcurrent ? 8 : 7;
    std::vector<uint64_t> TrackEnd(NumTracks, 0);
    for (unsigned K = 0; K < NumTracks; ++K) {
      meta("thread_name", std::to_string(K), "\"name\": " + jsonString(Tracks[K]));
      meta("thread_sort_index", std::to_string(K), "\"sort_index\": " + std::to_string(K));
    }
    uint64_t PrevDispatch = 0;
    for (size_t K = 0; K < T.Insns.size() && K < P.Insns.size(); ++K) {
      const InsnTiming &I = T.Insns[K];
      const isa::Instruction &In = P.Insns[K];
      const std::string Text = isa::formatInstruction(L, In);
      const std::string &Node = P.nodeOf(K);
      const std::string Cat = Node.empty() ? "npu" : Node;
      const std::string Args = ", \"index\": " + std::to_string(K) + ", \"node\": " + jsonString(Node);
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
      if (I.Bursts)
        span("dram " + std::to_string(I.Bursts) + " bursts: " + Text, Cat, Tid + 3, I.DramStart, I.DramEnd,
             Args + ", \"bursts\": " + std::to_string(I.Bursts) +
                 ", \"contention_cycles\": " + std::to_string(I.DramContention));
    }
  }

private:
  std::string us(uint64_t Cycles) const { return fixed(double(Cycles) / Mhz, 6); }
  void event(const std::string &Body) {
    Out += First ? "\n  {" : ",\n  {";
    Out += Body;
    Out += "}";
    First = false;
  }
  void meta(const char *Name, const std::string &Tid, const std::string &Args) {
    event(std::string("\"name\": \"") + Name + "\", \"ph\": \"M\", \"pid\": " + PidText +
          (Tid.empty() ? "" : ", \"tid\": " + Tid) + ", \"args\": {" + Args + "}");
  }
  /// A complete span; its args keep the run's own cycles, its timestamps are on the common timeline.
  void span(const std::string &Name, const std::string &Cat, unsigned Tid, uint64_t Begin, uint64_t End,
            const std::string &Args) {
    event("\"name\": " + jsonString(Name) + ", \"cat\": " + jsonString(Cat) + ", \"ph\": \"X\", \"pid\": " +
          PidText + ", \"tid\": " + std::to_string(Tid) + ", \"ts\": " +
          fixed(double(Offset + Begin) / Mhz + OffsetUs, 6) +
          ", \"dur\": " + us(End - Begin) + ", \"args\": {\"start_cycle\": " + std::to_string(Begin) +
          ", \"end_cycle\": " + std::to_string(End) + Args + "}");
  }

  std::string &Out;
  bool First = true;
  double Mhz = 1;
  uint64_t Offset = 0;
  double OffsetUs = 0;
  std::string PidText;
};

} // namespace

unsigned traceTrack(const HardwareConfig &C, const isa::Instruction &I) {
  return C.AluConcurrent && I.opcode() == isa::Opcode::Alu ? 7 : unsigned(unitOf(I));
}

std::string traceJson(const std::vector<TraceRun> &Runs, const std::vector<TraceSpan> &Host) {
  std::string Out;
  const HardwareConfig *C = Runs.empty() ? nullptr : &Runs.front().P->Config;
  uint64_t Total = 0;
  for (const TraceRun &R : Runs)
    Total = std::max(Total, R.OffsetCycles + R.T->TotalCycles);
  Out += "{\n\"displayTimeUnit\": \"ns\",\n\"otherData\": {";
  if (C)
    Out += "\"config\": " + jsonString(C->Name) + ", \"config_hash\": " + jsonString(C->Hash) +
           ", \"clock_mhz\": " + report::real(C->ClockMHz) + ", ";
  Out += "\"total_cycles\": " + std::to_string(Total) + ", \"runs\": " + std::to_string(Runs.size()) +
         "},\n\"traceEvents\": [";
  TraceWriter W(Out);
  for (size_t K = 0; K < Runs.size(); ++K)
    W.run(Runs[K], unsigned(K + 1));
  if (!Host.empty())
    W.host(Host, unsigned(Runs.size() + 1));
  Out += "\n]\n}\n";
  return Out;
}

std::string TimingStats::traceJson(const isa::Program &P) const {
  return sim::traceJson({TraceRun{&P, this, "npu " + P.Config.Name, 0}});
}

} // namespace npu::sim
