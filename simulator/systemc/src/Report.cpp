// TimingStats for people and tools: the --stats JSON, the short summary with its per-node table, and the
// Chrome/Perfetto trace-event JSON.
#include "npu/sim/SystemCSim.h"

#include "npu/isa/Assembler.h"
#include "npu/sim/TimingRules.h"

#include <cinttypes>
#include <cstdio>
#include <sstream>

namespace npu::sim {

namespace {

std::string jsonString(const std::string &S) {
  std::string Out = "\"";
  for (char Ch : S) {
    const unsigned char U = static_cast<unsigned char>(Ch);
    if (Ch == '"' || Ch == '\\') {
      Out += '\\';
      Out += Ch;
    } else if (U < 0x20) {
      char Buf[8];
      std::snprintf(Buf, sizeof(Buf), "\\u%04x", U);
      Out += Buf;
    } else {
      Out += Ch;
    }
  }
  return Out + "\"";
}

std::string fixed(double V, int Digits) {
  char Buf[64];
  std::snprintf(Buf, sizeof(Buf), "%.*f", Digits, V);
  return Buf;
}

double ratio(double A, double B) { return B > 0 ? A / B : 0.0; }

} // namespace

double NodeStats::macUtilization(const HardwareConfig &C) const {
  return ratio(double(Macs), double(C.D.PeakMacsPerCycle) * double(cycles()));
}

double TimingStats::macUtilization(const HardwareConfig &C) const {
  return ratio(double(Counts.Macs), double(C.D.PeakMacsPerCycle) * double(TotalCycles));
}

uint64_t TimingStats::dramBytesRead() const {
  uint64_t N = 0;
  for (uint64_t B : Counts.BytesLoaded)
    N += B;
  return N;
}

uint64_t TimingStats::dramBytesWritten() const {
  uint64_t N = 0;
  for (uint64_t B : Counts.BytesStored)
    N += B;
  return N;
}

double TimingStats::dramBytesPerCycle() const {
  return ratio(double(dramBytesRead() + dramBytesWritten()), double(TotalCycles));
}

std::vector<std::pair<std::string, uint64_t>> nodeCycles(const TimingStats &S) {
  std::vector<std::pair<std::string, uint64_t>> Out;
  for (const NodeStats &N : S.Nodes)
    Out.push_back({N.Name, N.cycles()});
  return Out;
}

std::string TimingStats::toJson(const HardwareConfig &C) const {
  std::ostringstream OS;
  OS << "{\n  \"config\": " << jsonString(C.Name) << ",\n  \"config_hash\": " << jsonString(C.Hash) << ",\n";
  OS << "  \"backend\": \"systemc\",\n  \"clock_mhz\": " << C.ClockMHz << ",\n";
  OS << "  \"total_cycles\": " << TotalCycles << ",\n";
  OS << "  \"time_us\": " << fixed(double(TotalCycles) / C.ClockMHz, 3) << ",\n";
  OS << "  \"mac_utilization\": " << fixed(macUtilization(C), 6) << ",\n";
  OS << "  \"units\": {\n";
  for (unsigned U = 0; U < NumUnits; ++U) {
    const UnitStats &S = Units[U];
    OS << "    " << jsonString(unitName(Unit(U))) << ": {\"instructions\": " << S.Instructions
       << ", \"busy\": " << S.Busy << ", " << (U == 0 ? "\"stalled_queue\": " : "\"stalled_token\": ")
       << S.StallToken << ", \"stalled_dram\": " << S.StallDram << ", \"idle\": " << S.Idle
       << ", \"dram_contention\": " << S.DramContention << "}" << (U + 1 < NumUnits ? "," : "") << "\n";
  }
  OS << "  },\n";
  const double BytesPerCycle = dramBytesPerCycle();
  OS << "  \"dram\": {\"bytes_read\": " << dramBytesRead() << ", \"bytes_written\": " << dramBytesWritten()
     << ", \"bursts\": " << DramBursts << ", \"burst_bytes\": " << DramBursts * C.DramBurst
     << ", \"busy_cycles\": " << DramBusyCycles << ", \"bytes_per_cycle\": " << fixed(BytesPerCycle, 6)
     << ", \"gb_per_s\": " << fixed(BytesPerCycle * C.ClockMHz / 1000.0, 6)
     << ", \"port_utilization\": " << fixed(ratio(double(DramBusyCycles), double(TotalCycles)), 6) << "},\n";
  OS << "  \"nodes\": [";
  for (size_t K = 0; K < Nodes.size(); ++K) {
    const NodeStats &N = Nodes[K];
    OS << (K ? ",\n" : "\n") << "    {\"name\": " << jsonString(N.Name)
       << ", \"instructions\": " << N.Instructions << ", \"cycles\": " << N.cycles()
       << ", \"first_start\": " << N.FirstStart << ", \"last_end\": " << N.LastEnd
       << ", \"busy\": {\"load\": " << N.Busy[unsigned(Unit::Load)]
       << ", \"compute\": " << N.Busy[unsigned(Unit::Compute)]
       << ", \"store\": " << N.Busy[unsigned(Unit::Store)] << "}, \"macs\": " << N.Macs
       << ", \"mac_utilization\": " << fixed(N.macUtilization(C), 6) << "}";
  }
  OS << (Nodes.empty() ? "],\n" : "\n  ],\n");
  // The operation counts, as the functional simulator writes them (an object of its own).
  std::string Counted = Counts.toJson(C);
  while (!Counted.empty() && (Counted.back() == '\n' || Counted.back() == ' '))
    Counted.pop_back();
  std::string Indented;
  for (char Ch : Counted)
    Indented += Ch == '\n' ? std::string("\n  ") : std::string(1, Ch);
  OS << "  \"counts\": " << Indented << "\n}\n";
  return OS.str();
}

std::string TimingStats::summary(const HardwareConfig &C) const {
  std::ostringstream OS;
  char Line[256];
  OS << "cycles       " << TotalCycles << " (" << fixed(double(TotalCycles) / C.ClockMHz, 3) << " us at "
     << C.ClockMHz << " MHz), MAC utilization " << fixed(100 * macUtilization(C), 1) << "%\n";
  OS << "unit               busy  token-stall   dram-stall         idle\n";
  for (unsigned U = 0; U < NumUnits; ++U) {
    const UnitStats &S = Units[U];
    std::snprintf(Line, sizeof(Line), "  %-8s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n",
                  unitName(Unit(U)), S.Busy, S.StallToken, S.StallDram, S.Idle);
    OS << Line;
  }
  const double Bpc = dramBytesPerCycle();
  OS << "dram         read " << dramBytesRead() << " B, written " << dramBytesWritten() << " B, "
     << fixed(Bpc, 2) << " B/cycle (" << fixed(Bpc * C.ClockMHz / 1000.0, 2) << " GB/s), port busy "
     << fixed(100 * ratio(double(DramBusyCycles), double(TotalCycles)), 1) << "%\n";
  if (Nodes.empty()) {
    OS << "nodes        none (the program carries no node provenance)\n";
    return OS.str();
  }
  constexpr size_t MaxRows = 40;
  OS << "node                               insns       cycles           MACs    util\n";
  for (size_t K = 0; K < Nodes.size() && K < MaxRows; ++K) {
    const NodeStats &N = Nodes[K];
    std::string Name = N.Name.empty() ? "(no node)" : N.Name;
    if (Name.size() > 32)
      Name = Name.substr(0, 29) + "...";
    std::snprintf(Line, sizeof(Line), "  %-32s %6" PRIu64 " %12" PRIu64 " %14" PRIu64 " %6.1f%%\n",
                  Name.c_str(), N.Instructions, N.cycles(), N.Macs, 100 * N.macUtilization(C));
    OS << Line;
  }
  if (Nodes.size() > MaxRows)
    OS << "  ... " << Nodes.size() - MaxRows << " more nodes (see --stats)\n";
  return OS.str();
}

std::string TimingStats::traceJson(const isa::Program &P) const {
  const HardwareConfig &C = P.Config;
  const isa::IsaLayout L(C);
  std::ostringstream OS;
  auto Us = [&](uint64_t Cycles) { return fixed(double(Cycles) / C.ClockMHz, 6); };
  bool First = true;
  auto Event = [&](const std::string &Body) {
    OS << (First ? "\n  " : ",\n  ") << "{" << Body << "}";
    First = false;
  };
  auto Span = [&](const std::string &Name, const std::string &Cat, unsigned Tid, uint64_t Begin, uint64_t End,
                  const std::string &Args) {
    Event("\"name\": " + jsonString(Name) + ", \"cat\": " + jsonString(Cat) +
          ", \"ph\": \"X\", \"pid\": 1, " + "\"tid\": " + std::to_string(Tid) + ", \"ts\": " + Us(Begin) +
          ", \"dur\": " + Us(End - Begin) + ", \"args\": {\"start_cycle\": " + std::to_string(Begin) +
          ", \"end_cycle\": " + std::to_string(End) + Args + "}");
  };
  OS << "{\n\"displayTimeUnit\": \"ns\",\n\"otherData\": {\"config\": " << jsonString(C.Name)
     << ", \"config_hash\": " << jsonString(C.Hash) << ", \"clock_mhz\": " << C.ClockMHz
     << ", \"total_cycles\": " << TotalCycles << "},\n\"traceEvents\": [";
  Event("\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": {\"name\": " +
        jsonString("npu " + C.Name) + "}");
  // Tracks: the four units, then one per unit that moves DRAM data (its transfers on the shared port).
  const char *Tracks[] = {"fetch", "load", "compute", "store", "dram: load", "dram: compute", "dram: store"};
  for (unsigned T = 0; T < 7; ++T) {
    Event("\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": " + std::to_string(T) +
          ", \"args\": {\"name\": " + jsonString(Tracks[T]) + "}");
    Event("\"name\": \"thread_sort_index\", \"ph\": \"M\", \"pid\": 1, \"tid\": " + std::to_string(T) +
          ", \"args\": {\"sort_index\": " + std::to_string(T) + "}");
  }
  uint64_t PrevDispatch = 0;
  for (size_t K = 0; K < Insns.size() && K < P.Insns.size(); ++K) {
    const InsnTiming &T = Insns[K];
    const isa::Instruction &I = P.Insns[K];
    const std::string Text = isa::formatInstruction(L, I);
    const std::string &Node = P.nodeOf(K);
    const std::string Cat = Node.empty() ? "npu" : Node;
    const std::string Args = ", \"index\": " + std::to_string(K) + ", \"node\": " + jsonString(Node);
    const unsigned Tid = unsigned(unitOf(I));
    // Fetch is shown only where it stalls on a full command queue.
    const uint64_t Ready = PrevDispatch + C.FetchLatency;
    if (T.Dispatch > Ready)
      Span(std::string("fetch waits for room in the ") + isa::queueName(I.queue()) + " queue", "stall", 0,
           Ready, T.Dispatch, Args);
    PrevDispatch = T.Dispatch;
    if (T.Start > T.Head)
      Span("wait for tokens: " + Text, "stall", Tid, T.Head, T.Start, Args);
    Span(Node.empty() ? Text : Node + ": " + Text, Cat, Tid, T.Start, T.End, Args);
    if (T.Bursts)
      Span("dram " + std::to_string(T.Bursts) + " bursts: " + Text, Cat, Tid + 3, T.DramStart, T.DramEnd,
           Args + ", \"bursts\": " + std::to_string(T.Bursts) +
               ", \"contention_cycles\": " + std::to_string(T.DramContention));
  }
  OS << "\n]\n}\n";
  return OS.str();
}

} // namespace npu::sim
