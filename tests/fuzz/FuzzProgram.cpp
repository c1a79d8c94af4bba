// Fuzz target "program": bytes decoded as micro-ops and instructions of the default config, run on the
// functional simulator under a work limit (so no input can take long).
#include "FuzzTarget.h"

#include "npu/isa/Program.h"
#include "npu/sim/FuncSim.h"

using namespace npu;

namespace {

constexpr uint64_t FuzzDramBytes = 64 * 1024;
constexpr uint64_t FuzzWorkLimit = 1 << 16;

/// Input layout: one byte N (micro-op count, at most 63), N micro-op words, then instruction words; a word
/// that does not decode ends the program.
isa::Program decodeProgram(const uint8_t *Data, size_t Size) {
  const HardwareConfig &C = fuzz::fuzzConfig();
  const isa::IsaLayout L(C);
  isa::Program P;
  P.Config = C;
  P.DramBytes = FuzzDramBytes;
  if (Size == 0)
    return P;
  size_t Uops = Data[0] & 63, Pos = 1;
  for (size_t K = 0; K < Uops && Pos + L.uopBytes() <= Size; ++K, Pos += L.uopBytes())
    P.Uops.push_back(isa::decodeUop(L, Data + Pos));
  for (; Pos + L.instructionBytes() <= Size; Pos += L.instructionBytes()) {
    auto I = isa::decode(L, Data + Pos);
    if (!I)
      break;
    P.Insns.push_back(*I);
  }
  return P;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  isa::Program P = decodeProgram(Data, Size);
  if (!P.verify())
    return 0;
  auto Dram = P.dramImage();
  if (!Dram)
    return 0;
  sim::FuncSim Sim(fuzz::fuzzConfig());
  Sim.setWorkLimit(FuzzWorkLimit);
  (void)Sim.run(P, *Dram);
  return 0;
}
