// SimStats as JSON (for `npuc run --stats` and the benchmarks).
#include "npu/sim/FuncSim.h"
#include "npu/support/Json.h"

#include <cstdio>
#include <sstream>

namespace npu::sim {

std::string SimStats::toJson(const HardwareConfig &C) const {
  std::ostringstream OS;
  OS << "{\n  \"config\": " << jsonString(C.Name) << ",\n  \"config_hash\": " << jsonString(C.Hash) << ",\n";
  auto Field = [&](const char *Name, uint64_t V) { OS << "  \"" << Name << "\": " << V << ",\n"; };
  Field("instructions", Instructions);
  Field("loads", Loads);
  Field("stores", Stores);
  Field("gemms", Gemms);
  Field("alus", Alus);
  Field("finishes", Finishes);
  Field("gemm_uops", GemmUops);
  Field("macs", Macs);
  Field("alu_uops", AluUops);
  Field("alu_lane_ops", AluLaneOps);
  Field("padding_rows_written", PaddingRowsWritten);
  auto PerBuffer = [&](const char *Name, const uint64_t *V) {
    OS << "  \"" << Name << "\": {";
    for (isa::MemType M : isa::allMemTypes())
      OS << (M == isa::MemType::Uop ? "" : ", ") << "\"" << isa::memTypeName(M) << "\": " << V[unsigned(M)];
    OS << "},\n";
  };
  PerBuffer("bytes_loaded", BytesLoaded);
  PerBuffer("bytes_stored", BytesStored);
  OS << "  \"tokens_pushed\": {";
  for (unsigned T = 0; T < 4; ++T)
    OS << (T ? ", " : "") << "\"" << tokenQueueName(TokenQueue(T)) << "\": " << TokensPushed[T];
  OS << "}\n}\n";
  return OS.str();
}

} // namespace npu::sim
