// TimingStats for people and tools: the --stats JSON, the summary with its per-layer table, node coverage
// and the concatenation of a model's runs (the trace is in Trace.cpp).
#include "ReportUtil.h"

#include "npu/sim/SystemCSim.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <sstream>

namespace npu::sim {

using report::fixed;
using report::jsonString;
using report::ratio;

namespace {

void addCounts(SimStats &To, const SimStats &S) {
  To.Instructions += S.Instructions, To.Loads += S.Loads, To.Stores += S.Stores, To.Gemms += S.Gemms;
  To.Alus += S.Alus, To.Finishes += S.Finishes, To.GemmUops += S.GemmUops, To.Macs += S.Macs;
  To.AluUops += S.AluUops, To.AluLaneOps += S.AluLaneOps, To.PaddingRowsWritten += S.PaddingRowsWritten;
  for (unsigned K = 0; K < isa::NumMemTypes; ++K)
    To.BytesLoaded[K] += S.BytesLoaded[K], To.BytesStored[K] += S.BytesStored[K];
  for (int K = 0; K < 4; ++K)
    To.TokensPushed[K] += S.TokensPushed[K];
}

} // namespace

double NodeStats::macUtilization(const HardwareConfig &C) const {
  return ratio(double(Macs), double(C.D.PeakMacsPerCycle) * double(span()));
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
    Out.push_back({N.Name, N.Cycles});
  return Out;
}

TimingStats concatenateRuns(const std::vector<std::pair<std::string, const TimingStats *>> &Runs) {
  TimingStats Out;
  for (const auto &[Name, T] : Runs) {
    const uint64_t Offset = Out.TotalCycles;
    Out.Parts.push_back({Name, Offset, T->TotalCycles});
    Out.TotalCycles += T->TotalCycles;
    addCounts(Out.Counts, T->Counts);
    for (unsigned U = 0; U < NumUnits; ++U) {
      UnitStats &To = Out.Units[U];
      const UnitStats &From = T->Units[U];
      To.Instructions += From.Instructions, To.Busy += From.Busy, To.StallToken += From.StallToken;
      To.StallDram += From.StallDram, To.Idle += From.Idle, To.DramContention += From.DramContention;
    }
    Out.DramBursts += T->DramBursts;
    Out.DramBusyCycles += T->DramBusyCycles;
    Out.GemmBusy += T->GemmBusy, Out.AluBusy += T->AluBusy;
    for (NodeStats N : T->Nodes) {
      N.Segment = Name;
      N.FirstStart += Offset;
      N.LastEnd += Offset;
      Out.Nodes.push_back(std::move(N));
    }
  }
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
  OS << "  \"pipes\": {\"gemm_busy\": " << GemmBusy << ", \"alu_busy\": " << AluBusy
     << ", \"alu_concurrent\": " << (C.AluConcurrent ? "true" : "false") << "},\n";
  const double BytesPerCycle = dramBytesPerCycle();
  OS << "  \"dram\": {\"bytes_read\": " << dramBytesRead() << ", \"bytes_written\": " << dramBytesWritten()
     << ", \"bursts\": " << DramBursts << ", \"burst_bytes\": " << DramBursts * C.DramBurst
     << ", \"busy_cycles\": " << DramBusyCycles << ", \"bytes_per_cycle\": " << fixed(BytesPerCycle, 6)
     << ", \"gb_per_s\": " << fixed(BytesPerCycle * C.ClockMHz / 1000.0, 6)
     << ", \"port_utilization\": " << fixed(ratio(double(DramBusyCycles), double(TotalCycles)), 6) << "},\n";
  if (!Parts.empty()) {
    OS << "  \"segments\": [";
    for (size_t K = 0; K < Parts.size(); ++K)
      OS << (K ? ",\n" : "\n") << "    {\"name\": " << jsonString(Parts[K].Name)
         << ", \"offset_cycles\": " << Parts[K].Offset << ", \"cycles\": " << Parts[K].Cycles << "}";
    OS << "\n  ],\n";
  }
  OS << "  \"nodes\": [";
  for (size_t K = 0; K < Nodes.size(); ++K) {
    const NodeStats &N = Nodes[K];
    OS << (K ? ",\n" : "\n") << "    {\"name\": " << jsonString(N.Name);
    if (!Parts.empty())
      OS << ", \"segment\": " << jsonString(N.Segment);
    OS << ", \"instructions\": " << N.Instructions << ", \"cycles\": " << N.Cycles
       << ", \"share\": " << fixed(ratio(double(N.Cycles), double(TotalCycles)), 6)
       << ", \"span_cycles\": " << N.span() << ", \"first_start\": " << N.FirstStart
       << ", \"last_end\": " << N.LastEnd << ", \"busy\": {\"load\": " << N.Busy[unsigned(Unit::Load)]
       << ", \"compute\": " << N.Busy[unsigned(Unit::Compute)]
       << ", \"store\": " << N.Busy[unsigned(Unit::Store)] << "}, \"macs\": " << N.Macs
       << ", \"mac_utilization\": " << fixed(N.macUtilization(C), 6)
       << ", \"dram_bytes_read\": " << N.DramRead << ", \"dram_bytes_written\": " << N.DramWritten << "}";
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

std::string TimingStats::layerTable(const HardwareConfig &C, size_t MaxRows) const {
  if (Nodes.empty())
    return "layers       none (the program carries no node provenance)\n";
  std::ostringstream OS;
  char Line[320];
  const bool Seg = !Parts.empty();
  size_t NameWidth = 13;
  for (const NodeStats &N : Nodes)
    NameWidth = std::max(NameWidth, std::min<size_t>(40, N.Name.size()));
  const int W = int(NameWidth);
  auto SegColumn = [&](const std::string &Segment) {
    if (!Seg)
      return std::string();
    std::string Col = Segment.substr(0, 10);
    return Col + std::string(11 - Col.size(), ' ');
  };
  auto Row = [&](const std::string &Name, const std::string &Segment, const std::string &Insns,
                 uint64_t Cycles, const std::string &Span, const std::string &Util, uint64_t Bytes) {
    std::string Shown = Name.size() > NameWidth ? Name.substr(0, NameWidth - 3) + "..." : Name;
    std::snprintf(Line, sizeof(Line), "  %-*s %s%7s %12" PRIu64 " %6.1f%% %12s %8s %12" PRIu64 "\n", W,
                  Shown.c_str(), SegColumn(Segment).c_str(), Insns.c_str(), Cycles,
                  100 * ratio(double(Cycles), double(TotalCycles)), Span.c_str(), Util.c_str(), Bytes);
    OS << Line;
  };
  std::snprintf(Line, sizeof(Line), "  %-*s %s%7s %12s %7s %12s %8s %12s\n", W, "layer (node)",
                SegColumn("segment").c_str(), "insns", "cycles", "share", "span", "MAC util", "DRAM bytes");
  OS << Line;
  uint64_t Sum = 0, Bytes = 0, Insns = 0;
  for (size_t K = 0; K < Nodes.size(); ++K) {
    const NodeStats &N = Nodes[K];
    Sum += N.Cycles;
    Bytes += N.DramRead + N.DramWritten;
    Insns += N.Instructions;
    if (K < MaxRows)
      Row(N.Name.empty() ? "(no node)" : N.Name, N.Segment, std::to_string(N.Instructions), N.Cycles,
          std::to_string(N.span()), N.Macs ? fixed(100 * N.macUtilization(C), 1) + "%" : "-",
          N.DramRead + N.DramWritten);
  }
  if (Nodes.size() > MaxRows)
    OS << "  ... " << Nodes.size() - MaxRows << " more layers (see --stats)\n";
  Row("total", "", std::to_string(Insns), Sum, "", fixed(100 * macUtilization(C), 1) + "%", Bytes);
  return OS.str();
}

std::string TimingStats::summary(const HardwareConfig &C) const {
  std::ostringstream OS;
  char Line[256];
  OS << "cycles       " << TotalCycles << " (" << fixed(double(TotalCycles) / C.ClockMHz, 3) << " us at "
     << C.ClockMHz << " MHz";
  if (!Parts.empty())
    OS << ", " << Parts.size() << " NPU segment" << (Parts.size() == 1 ? "" : "s") << " in sequence";
  OS << "), MAC utilization " << fixed(100 * macUtilization(C), 1) << "%\n";
  OS << "unit               busy  token-stall   dram-stall         idle\n";
  for (unsigned U = 0; U < NumUnits; ++U) {
    const UnitStats &S = Units[U];
    std::snprintf(Line, sizeof(Line), "  %-8s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n",
                  unitName(Unit(U)), S.Busy, S.StallToken, S.StallDram, S.Idle);
    OS << Line;
  }
  OS << "pipes        gemm busy " << GemmBusy << " (" << fixed(100 * ratio(double(GemmBusy), double(TotalCycles)), 1)
     << "%), alu busy " << AluBusy << " (" << fixed(100 * ratio(double(AluBusy), double(TotalCycles)), 1) << "%)"
     << (C.AluConcurrent ? ", side by side (alu.concurrent)" : ", one at a time") << "\n";
  const double Bpc = dramBytesPerCycle();
  OS << "dram         read " << dramBytesRead() << " B, written " << dramBytesWritten() << " B, "
     << fixed(Bpc, 2) << " B/cycle (" << fixed(Bpc * C.ClockMHz / 1000.0, 2) << " GB/s), port busy "
     << fixed(100 * ratio(double(DramBusyCycles), double(TotalCycles)), 1) << "%\n";
  OS << layerTable(C);
  return OS.str();
}

} // namespace npu::sim
