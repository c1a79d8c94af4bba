// Per-layer and whole-model cost lines of the NPU bench (sums and formatting of estimateProgram's figures).
#include "CostTable.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <ostream>

namespace npubench {

using namespace npu;

namespace {

std::string fmt(const char *Format, double A, double B = 0, double C = 0, double D = 0) {
  char Buf[160];
  std::snprintf(Buf, sizeof Buf, Format, A, B, C, D);
  return Buf;
}

bool isConv(const std::string &Op) { return Op == "npu.QConv" || Op == "Conv"; }

} // namespace

ModelFigures printCostReport(const backend::CompileResult &R, const HardwareConfig &C, bool Layers,
                             std::ostream &OS) {
  ModelFigures F;
  std::map<std::string, std::string> OpOf;
  for (const backend::NodePlacement &P : R.Placements) {
    OpOf[P.Node] = P.OpType;
    (P.Npu ? F.NpuNodes : F.HostNodes) += 1;
  }
  if (Layers) {
    char Buf[200];
    std::snprintf(Buf, sizeof Buf, "  %-8s %-24s %-18s %12s %11s %11s %11s %-7s %6s %6s\n", "segment",
                  "layer", "op", "MACs", "DRAM B", "est cyc", "roofline", "bound", "ratio", "roof%");
    OS << Buf;
  }
  const double Peak = double(C.D.PeakMacsPerCycle), Bandwidth = double(C.DramBandwidth);
  for (const backend::ArtifactSegment &S : R.Artifact.Segments) {
    if (S.K != backend::ArtifactSegment::Npu)
      continue;
    F.Instructions += S.Program.Insns.size();
    for (const backend::LayerCost &L : backend::estimateProgram(S.Program)) {
      const std::string &Op = OpOf.count(L.Node) ? OpOf[L.Node] : std::string("?");
      const bool ComputeBound = double(L.Macs) / Peak >= double(L.DramBytes) / Bandwidth;
      F.Macs += L.Macs, F.DramBytes += L.DramBytes, F.Cycles += L.Cycles, F.Roofline += L.Roofline;
      if (isConv(Op) && ComputeBound && L.Cycles > 0) {
        F.ComputeConvs += 1;
        F.ComputeConvRoofline += L.Roofline, F.ComputeConvCycles += double(L.Cycles);
        F.WorstComputeConv = std::min(F.WorstComputeConv, L.Roofline / double(L.Cycles));
      }
      if (!Layers)
        continue;
      char Buf[240];
      std::snprintf(Buf, sizeof Buf,
                    "  %-8.8s %-24.24s %-18.18s %12llu %11llu %11llu %11.0f %-7s %6.2f %6.1f\n",
                    S.Name.c_str(), L.Node.c_str(), Op.c_str(), (unsigned long long)L.Macs,
                    (unsigned long long)L.DramBytes, (unsigned long long)L.Cycles, L.Roofline,
                    ComputeBound ? "compute" : "memory", L.Roofline > 0 ? double(L.Cycles) / L.Roofline : 0.0,
                    L.Cycles > 0 ? 100.0 * L.Roofline / double(L.Cycles) : 0.0);
      OS << Buf;
    }
  }
  return F;
}

std::string formatWholeModel(const ModelFigures &F, const HardwareConfig &C) {
  std::string S = fmt("%.0f MACs, %.2f MB DRAM, est %.0f cycles (%.3f ms at ", double(F.Macs),
                      double(F.DramBytes) / 1e6, double(F.Cycles), double(F.Cycles) / C.ClockMHz / 1e3) +
                  fmt("%.0f MHz), roofline %.0f, ratio %.2f (%.1f%% of the bound)", C.ClockMHz, F.Roofline,
                      F.Roofline > 0 ? double(F.Cycles) / F.Roofline : 0.0,
                      F.Cycles > 0 ? 100.0 * F.Roofline / double(F.Cycles) : 0.0);
  if (F.ComputeConvs)
    S += fmt("; %.0f compute-bound convs at %.1f%% of their bound (worst %.1f%%)", double(F.ComputeConvs),
             100.0 * F.ComputeConvRoofline / F.ComputeConvCycles, 100.0 * F.WorstComputeConv);
  else
    S += "; no compute-bound conv";
  return S;
}

} // namespace npubench
