// SystemCSim::run: checks, one SystemC simulation context per run, the model's elaboration and simulation,
// deadlock reports, and the statistics derived from the instruction timings (RunStats.h).
#include "Model.h"

#include "npu/sim/RunStats.h"

#include <memory>
#include <mutex>

// libsystemc calls sc_main from its own main(); this library is used from programs with their own main, so
// this definition only satisfies the linker and is never called.
extern "C" int sc_main(int, char **) { return 1; }

namespace npu::sim {

using namespace sc_core;

const char *unitName(Unit U) {
  switch (U) {
  case Unit::Fetch:
    return "fetch";
  case Unit::Load:
    return "load";
  case Unit::Compute:
    return "compute";
  case Unit::Store:
    return "store";
  }
  return "?";
}

Unit unitOf(const isa::Instruction &I) {
  switch (I.queue()) {
  case isa::Queue::Load:
    return Unit::Load;
  case isa::Queue::Compute:
    return Unit::Compute;
  case isa::Queue::Store:
    return Unit::Store;
  }
  return Unit::Compute;
}

namespace {

/// SystemC keeps one simulation kernel per process and a finished simulation cannot be restarted, so every
/// run gets a fresh simulation context of its own, made current for the run and deleted after it.
class KernelSession {
public:
  KernelSession() : Lock(mutex()) {
    static const bool Quiet = [] {
      // "Simulation stopped by user" and similar notes are not for our users.
      sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
      return true;
    }();
    (void)Quiet;
    Context = new sc_simcontext;
    sc_curr_simcontext = Context;
    sc_default_global_context = Context;
    sc_set_time_resolution(1, SC_NS); // one cycle per time unit
  }
  ~KernelSession() {
    delete Context;
    sc_curr_simcontext = nullptr;
    sc_default_global_context = nullptr;
  }
  KernelSession(const KernelSession &) = delete;
  KernelSession &operator=(const KernelSession &) = delete;

private:
  static std::mutex &mutex() {
    static std::mutex M;
    return M;
  }
  std::lock_guard<std::mutex> Lock;
  sc_simcontext *Context = nullptr;
};

} // namespace

Expected<TimingStats> SystemCSim::run(const isa::Program &P, std::vector<uint8_t> &Dram) {
  NPU_TRY(isa::checkBuiltFor(P, C));
  if (Dram.size() != P.DramBytes)
    return makeError("DRAM image has ", Dram.size(), " bytes but the program declares ", P.DramBytes);
  const isa::IsaLayout L(C);
  NPU_TRY(checkProgramInstructions(C, L, P));

  KernelSession Session;
  auto State = std::make_unique<model::RunState>(C, L, P, Dram);
  auto Model = std::make_unique<model::NpuModel>("npu", *State);
  sc_start();
  model::RunState &S = *State;
  if (S.Failure)
    return *S.Failure;
  if (S.Completed < P.Insns.size()) {
    BlockedState B;
    B.Executed = S.Completed;
    for (unsigned Q = 0; Q < 3; ++Q)
      if (!S.Queues[Q].Entries.empty())
        B.Heads[Q] = S.Queues[Q].Entries.front().Index;
    for (unsigned K = 0; K < 4; ++K)
      B.Tokens[K] = S.Tokens[K].Count;
    if (S.NextFetch < P.Insns.size())
      B.NextFetch = S.NextFetch;
    return deadlockError(C, L, P, B);
  }

  TimingStats T;
  T.Counts = S.Counts;
  T.Insns = std::move(S.Timing);
  computeRunStats(C, P, S.FetchStall, S.Port.burstsMoved(), T);
  return T;
}

} // namespace npu::sim
