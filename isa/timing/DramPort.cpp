// DRAM port arbitration: round-robin per burst among eligible transfers, advanced a phase at a time.
#include "npu/timing/DramPort.h"

#include <algorithm>
#include <cassert>

namespace npu::timing {

DramPort::DramPort(uint64_t CyclesPerBurst) : Cb(CyclesPerBurst) {
  assert(Cb > 0 && "a burst takes at least one cycle");
  Predicted.fill(Never);
}

void DramPort::run(State &S, uint64_t Barrier) const {
  for (;;) {
    // The next decision is when the port is free and some transfer with bursts left is eligible.
    uint64_t FirstEligible = Never;
    for (const ClientState &C : S.Cl)
      if (C.Active && C.Left > 0)
        FirstEligible = std::min(FirstEligible, C.Eligible);
    if (FirstEligible == Never)
      return;
    const uint64_t D0 = std::max(S.Free, FirstEligible);
    if (D0 >= Barrier)
      return;
    // Eligible transfers at D0 in round-robin order after the last served client; the next one to become
    // eligible ends the phase, because it joins the rotation.
    std::array<unsigned, NumClients> Order;
    unsigned M = 0;
    uint64_t NextEligible = Never, MinLeft = Never;
    for (unsigned K = 1; K <= NumClients; ++K) {
      const unsigned Id = (S.Last + K) % NumClients;
      const ClientState &C = S.Cl[Id];
      if (!C.Active || C.Left == 0)
        continue;
      if (C.Eligible <= D0) {
        Order[M++] = Id;
        MinLeft = std::min(MinLeft, C.Left);
      } else {
        NextEligible = std::min(NextEligible, C.Eligible);
      }
    }
    const uint64_t Limit = std::min(NextEligible, Barrier);
    // Whole rounds (one burst per eligible transfer) whose every decision comes before Limit.
    const uint64_t RoundCycles = M * Cb;
    uint64_t Rounds = Limit == Never ? Never : (Limit - 1 - D0 + Cb) / RoundCycles;
    Rounds = std::min(Rounds, MinLeft);
    if (Rounds == 0) {
      // Limit comes within this round: one decision, then look again.
      ClientState &C = S.Cl[Order[0]];
      if (--C.Left == 0)
        C.End = D0 + Cb;
      S.Free = D0 + Cb;
      S.Last = Order[0];
      continue;
    }
    for (unsigned I = 0; I < M; ++I) {
      ClientState &C = S.Cl[Order[I]];
      C.Left -= Rounds;
      if (C.Left == 0)
        C.End = D0 + ((Rounds - 1) * M + I + 1) * Cb;
    }
    S.Free = D0 + Rounds * RoundCycles;
    S.Last = Order[M - 1];
  }
}

void DramPort::predict() {
  State Future = Committed;
  run(Future, Never);
  for (unsigned I = 0; I < NumClients; ++I)
    Predicted[I] = Future.Cl[I].Active ? Future.Cl[I].End : Never;
}

void DramPort::submit(unsigned Client, uint64_t Now, uint64_t Eligible, uint64_t Bursts) {
  assert(Client < NumClients && !Committed.Cl[Client].Active && Bursts > 0 && Eligible >= Now);
  // Decisions before Now cannot see this transfer (it is not eligible before Now): they are final.
  run(Committed, Now);
  Committed.Cl[Client] = ClientState{true, Bursts, Eligible, Never};
  TotalBursts += Bursts;
  predict();
}

void DramPort::retire(unsigned Client, uint64_t Now) {
  // The transfer's last burst started before Now, so committing up to Now settles it.
  run(Committed, Now);
  assert(Committed.Cl[Client].Active && Committed.Cl[Client].Left == 0 && Committed.Cl[Client].End == Now);
  Committed.Cl[Client] = ClientState{};
  Predicted[Client] = Never;
}

} // namespace npu::timing
