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
  // Fractions keep the six decimals (time three) the report always had.
  Json J = {{"config", C.Name},
            {"config_hash", C.Hash},
            {"backend", "systemc"},
            {"clock_mhz", jsonNumber(C.ClockMHz, "%g")},
            {"total_cycles", TotalCycles},
            {"time_us", jsonNumber(double(TotalCycles) / C.ClockMHz, "%.3f")},
            {"mac_utilization", jsonNumber(macUtilization(C), "%.6f")}};
  Json &UnitsJ = J["units"] = Json::object();
  for (unsigned U = 0; U < NumUnits; ++U) {
    const UnitStats &S = Units[U];
    UnitsJ[unitName(Unit(U))] = {
        {"instructions", S.Instructions}, {"busy", S.Busy}, {U == 0 ? "stalled_queue" : "stalled_token", S.StallToken},
        {"stalled_dram", S.StallDram},    {"idle", S.Idle}, {"dram_contention", S.DramContention}};
  }
  J["pipes"] = {{"gemm_busy", GemmBusy}, {"alu_busy", AluBusy}, {"alu_concurrent", bool(C.AluConcurrent)}};
  const double BytesPerCycle = dramBytesPerCycle();
  J["dram"] = {{"bytes_read", dramBytesRead()},
               {"bytes_written", dramBytesWritten()},
               {"bursts", DramBursts},
               {"burst_bytes", DramBursts * C.DramBurst},
               {"busy_cycles", DramBusyCycles},
               {"bytes_per_cycle", jsonNumber(BytesPerCycle, "%.6f")},
               {"gb_per_s", jsonNumber(BytesPerCycle * C.ClockMHz / 1000.0, "%.6f")},
               {"port_utilization", jsonNumber(ratio(double(DramBusyCycles), double(TotalCycles)), "%.6f")}};
  if (!Parts.empty()) {
    Json &Segs = J["segments"] = Json::array();
    for (const auto &P : Parts)
      Segs.push_back({{"name", P.Name}, {"offset_cycles", P.Offset}, {"cycles", P.Cycles}});
  }
  Json &NodesJ = J["nodes"] = Json::array();
  for (const NodeStats &N : Nodes) {
    Json NJ = {{"name", N.Name}};
    if (!Parts.empty())
      NJ["segment"] = N.Segment;
    NJ.update({{"instructions", N.Instructions},
               {"cycles", N.Cycles},
               {"share", jsonNumber(ratio(double(N.Cycles), double(TotalCycles)), "%.6f")},
               {"span_cycles", N.span()},
               {"first_start", N.FirstStart},
               {"last_end", N.LastEnd},
               {"busy",
                {{"load", N.Busy[unsigned(Unit::Load)]},
                 {"compute", N.Busy[unsigned(Unit::Compute)]},
                 {"store", N.Busy[unsigned(Unit::Store)]}}},
               {"macs", N.Macs},
               {"mac_utilization", jsonNumber(N.macUtilization(C), "%.6f")},
               {"dram_bytes_read", N.DramRead},
               {"dram_bytes_written", N.DramWritten}});
    NodesJ.push_back(std::move(NJ));
  }
  // The operation counts, as the functional simulator writes them (an object of its own).
  J["counts"] = Json::parse(Counts.toJson(C));
  return jsonText(J);
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
