// RTL test helpers (see RtlTestUtil.h).
#include "RtlTestUtil.h"

#include "npu/isa/Assembler.h"

#include <sstream>

namespace rtltest {

using namespace npu;

std::vector<std::string> rtlConfigNames() {
  std::vector<std::string> Names;
  std::stringstream SS(NPU_RTL_CONFIGS);
  for (std::string Name; std::getline(SS, Name, ',');)
    if (!Name.empty())
      Names.push_back(Name);
  return Names;
}

namespace {

/// Runs P on the RTL over Dram, which holds the starting image and receives the final one.
Expected<TimingStats> runRtlOver(const Program &P, std::vector<uint8_t> &Dram, uint64_t Watchdog,
                                 uint64_t *FootprintWait) {
  rtl::RtlOptions O;
  O.BuildMissing = false;
  O.WatchdogCycles = Watchdog;
  rtl::RtlSim Sim(P.Config, O);
  auto T = Sim.run(P, Dram);
  if (FootprintWait)
    *FootprintWait = Sim.footprintWaitCycles();
  return T;
}

} // namespace

Expected<TimingStats> runRtl(const Program &P, std::vector<uint8_t> &Dram, uint64_t Watchdog,
                             uint64_t *FootprintWait) {
  auto Image = P.dramImage();
  if (!Image)
    return Image.error();
  Dram = Image.takeValue();
  return runRtlOver(P, Dram, Watchdog, FootprintWait);
}

namespace {

std::string timingText(const InsnTiming &T) {
  return "D " + std::to_string(T.Dispatch) + ", S " + std::to_string(T.Start) + ", E " +
         std::to_string(T.End) + (T.Bursts ? ", " + std::to_string(T.Bursts) + " bursts" : "");
}

} // namespace

Agreement agree(const Program &P, const std::string &What) {
  auto Image = P.dramImage();
  if (!Image) {
    ADD_FAILURE() << What << ": no initial DRAM image: " << Image.message();
    return Agreement{};
  }
  return agree(P, *Image, What);
}

Agreement agree(const Program &P, const std::vector<uint8_t> &Start, const std::string &What) {
  Agreement A;
  std::vector<uint8_t> FuncDram = Start, ScDram = Start, RtlDram = Start;
  auto F = sim::FuncSim(P.Config).run(P, FuncDram);
  auto S = sim::SystemCSim(P.Config).run(P, ScDram);
  uint64_t FootprintWait = 0;
  auto R = runRtlOver(P, RtlDram, 0, &FootprintWait);
  if (!F) {
    // A program that does not fit the config (an example too big for its buffers or DRAM): the RTL must
    // refuse it with func's words (micro-op bounds, which the hardware detects, add "(detected by the RTL)").
    A.Refused = !R && R.message().rfind(F.message(), 0) == 0;
    if (!A.Refused)
      ADD_FAILURE() << What << ": func failed: " << F.message() << (R ? "; rtl ran" : "; rtl: " + R.message());
    return A;
  }
  EXPECT_TRUE(S.isOk()) << What << ": systemc: " << S.message();
  EXPECT_TRUE(R.isOk()) << What << ": rtl: " << R.message();
  if (!S || !R)
    return A;
  A.Ran = true;
  A.SameData = R->Counts == *F && RtlDram == FuncDram;
  EXPECT_EQ(R->Counts, *F) << What << ": operation counts differ from func";
  EXPECT_EQ(RtlDram.size(), FuncDram.size()) << What;
  for (size_t I = 0; I < std::min(RtlDram.size(), FuncDram.size()); ++I)
    if (RtlDram[I] != FuncDram[I]) {
      size_t Count = 0;
      for (size_t J = I; J < std::min(RtlDram.size(), FuncDram.size()); ++J)
        Count += RtlDram[J] != FuncDram[J];
      ADD_FAILURE() << What << ": final DRAM differs from func first at byte " << I << " (func "
                    << int(FuncDram[I]) << ", rtl " << int(RtlDram[I]) << "), " << Count << " bytes differ";
      break;
    }
  const isa::IsaLayout L(P.Config);
  for (size_t K = 0; K < P.Insns.size(); ++K) {
    const InsnTiming &Rt = R->Insns[K], &Sc = S->Insns[K];
    if (Rt.Dispatch == Sc.Dispatch && Rt.Start == Sc.Start && Rt.End == Sc.End)
      continue;
    if (A.Divergent++ == 0)
      ADD_FAILURE() << What << ": first timing divergence at instruction " << K << " ("
                    << isa::formatInstruction(L, P.Insns[K]) << "): rtl " << timingText(Rt) << "; systemc "
                    << timingText(Sc);
  }
  if (A.Divergent)
    ADD_FAILURE() << What << ": " << A.Divergent << " of " << P.Insns.size()
                  << " instructions diverge; total cycles rtl " << R->TotalCycles << ", systemc "
                  << S->TotalCycles << "; the RTL's compute unit waited " << FootprintWait
                  << " cycles for accumulator footprints";
  for (unsigned U = 0; U < npu::sim::NumUnits; ++U) {
    const auto &St = R->Units[U];
    EXPECT_EQ(St.Busy + St.StallToken + St.StallDram + St.Idle, R->TotalCycles) << What << " unit " << U;
  }
  A.Rtl = R.takeValue();
  A.SystemC = S.takeValue();
  return A;
}

} // namespace rtltest
