// Cost model: walks the instructions once, charging GEMM/ALU loop iterations to compute and every LOAD/STORE
// a DRAM latency plus its bytes over the DRAM bandwidth (whole bursts), per node of the provenance table.
#include "npu/backend/CostModel.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace npu::backend {

namespace {

uint64_t ceilDiv(uint64_t A, uint64_t B) { return (A + B - 1) / B; }

} // namespace

std::vector<LayerCost> estimateProgram(const isa::Program &P) {
  const HardwareConfig &C = P.Config;
  std::vector<LayerCost> Layers;
  std::map<std::string, size_t> Index;
  std::string Current = "(segment)";
  const uint64_t MacsPerUop = C.Batch * C.BlockIn * C.BlockOut;
  const uint64_t AluPasses = ceilDiv(C.Batch * C.BlockOut, C.AluLanes);
  for (size_t I = 0; I < P.Insns.size(); ++I) {
    const std::string &N = P.nodeOf(I);
    if (!N.empty())
      Current = N;
    auto [It, New] = Index.try_emplace(Current, Layers.size());
    if (New)
      Layers.push_back({Current});
    LayerCost &L = Layers[It->second];
    const isa::Instruction &In = P.Insns[I];
    switch (In.opcode()) {
    case isa::Opcode::Gemm: {
      const uint64_t Iter = uint64_t(In.Gemm.LoopOut * In.Gemm.LoopIn * (In.Gemm.UopEnd - In.Gemm.UopBegin));
      L.ComputeCycles += Iter + C.GemmLatency;
      if (!In.Gemm.Reset)
        L.Macs += Iter * MacsPerUop;
      break;
    }
    case isa::Opcode::Alu:
      L.ComputeCycles +=
          uint64_t(In.Alu.LoopOut * In.Alu.LoopIn * (In.Alu.UopEnd - In.Alu.UopBegin)) * AluPasses +
          C.AluLatency;
      break;
    case isa::Opcode::Load:
    case isa::Opcode::Store: {
      const uint64_t Bytes = uint64_t(In.Mem.YSize * In.Mem.XSize) * isa::rowBytes(C, In.memType());
      if (Bytes == 0)
        break;
      L.DramBytes += Bytes;
      L.DmaCycles += C.DramLatency + ceilDiv(Bytes, C.DramBurst) * C.DramBurst / C.DramBandwidth +
                     (In.opcode() == isa::Opcode::Load ? C.LoadLatency : C.StoreLatency);
      break;
    }
    default:
      break;
    }
  }
  for (LayerCost &L : Layers) {
    L.Cycles = L.ComputeCycles + L.DmaCycles;
    L.Roofline = std::max(double(L.Macs) / double(C.D.PeakMacsPerCycle),
                          double(L.DramBytes) / double(C.DramBandwidth));
  }
  return Layers;
}

std::string formatCostTable(const std::vector<LayerCost> &Layers, const HardwareConfig &C) {
  std::ostringstream OS;
  char Buf[256];
  std::snprintf(Buf, sizeof Buf, "  %-32s %12s %10s %10s %10s %6s\n", "layer", "MACs", "DRAM B", "est cyc",
                "roofline", "ratio");
  OS << Buf;
  LayerCost T{"total"};
  for (const LayerCost &L : Layers) {
    std::snprintf(Buf, sizeof Buf, "  %-32.32s %12llu %10llu %10llu %10.0f %6.2f\n", L.Node.c_str(),
                  (unsigned long long)L.Macs, (unsigned long long)L.DramBytes, (unsigned long long)L.Cycles,
                  L.Roofline, L.Roofline > 0 ? double(L.Cycles) / L.Roofline : 0.0);
    OS << Buf;
    T.Macs += L.Macs, T.DramBytes += L.DramBytes, T.Cycles += L.Cycles, T.Roofline += L.Roofline;
  }
  std::snprintf(
      Buf, sizeof Buf, "  %-32s %12llu %10llu %10llu %10.0f %6.2f  (%.1f us at %.0f MHz)\n", "total",
      (unsigned long long)T.Macs, (unsigned long long)T.DramBytes, (unsigned long long)T.Cycles, T.Roofline,
      T.Roofline > 0 ? double(T.Cycles) / T.Roofline : 0.0, double(T.Cycles) / C.ClockMHz, C.ClockMHz);
  OS << Buf;
  return OS.str();
}

} // namespace npu::backend
