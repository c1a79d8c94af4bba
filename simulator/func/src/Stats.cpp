// SimStats as JSON (for `npuc run --stats` and the benchmarks).
#include "npu/sim/FuncSim.h"
#include "npu/support/Json.h"

namespace npu::sim {

std::string SimStats::toJson(const HardwareConfig &C) const {
  Json J = {{"config", C.Name},
            {"config_hash", C.Hash},
            {"instructions", Instructions},
            {"loads", Loads},
            {"stores", Stores},
            {"gemms", Gemms},
            {"alus", Alus},
            {"finishes", Finishes},
            {"gemm_uops", GemmUops},
            {"macs", Macs},
            {"alu_uops", AluUops},
            {"alu_lane_ops", AluLaneOps},
            {"padding_rows_written", PaddingRowsWritten}};
  auto PerBuffer = [&](const uint64_t *V) {
    Json B = Json::object();
    for (isa::MemType M : isa::allMemTypes())
      B[isa::memTypeName(M)] = V[unsigned(M)];
    return B;
  };
  J["bytes_loaded"] = PerBuffer(BytesLoaded);
  J["bytes_stored"] = PerBuffer(BytesStored);
  Json &Tokens = J["tokens_pushed"] = Json::object();
  for (unsigned T = 0; T < 4; ++T)
    Tokens[tokenQueueName(TokenQueue(T))] = TokensPushed[T];
  return jsonText(J);
}

} // namespace npu::sim
