// The DRAM port's closed-form arbitration against a cycle-by-cycle reference of the documented rule: at every
// cycle the port is free, the first eligible transfer after the last served client (round-robin over load,
// compute, store) gets one burst.
#include "npu/timing/DramArbiter.h"
#include "npu/timing/DramPort.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

using npu::timing::DramArbiter;
using npu::timing::DramPort;

namespace {

/// One transfer of a client: submitted Gap cycles after the client's previous transfer ended (or at cycle
/// Gap for the first), eligible Delay cycles after its submission.
struct Transfer {
  uint64_t Gap, Delay, Bursts;
};
using Scenario = std::array<std::vector<Transfer>, 3>;

/// The reference: simulates every cycle. Returns each transfer's end cycle.
std::array<std::vector<uint64_t>, 3> reference(const Scenario &S, uint64_t Cb) {
  std::array<std::vector<uint64_t>, 3> Ends;
  std::array<size_t, 3> Next{};
  std::array<bool, 3> Busy{};
  std::array<uint64_t, 3> SubmitAt{}, Eligible{}, Left{}, EndAt{};
  for (unsigned C = 0; C < 3; ++C)
    SubmitAt[C] = S[C].empty() ? UINT64_MAX : S[C][0].Gap;
  uint64_t Free = 0;
  unsigned Last = 2;
  for (uint64_t T = 0;; ++T) {
    bool Pending = false;
    for (unsigned C = 0; C < 3; ++C) {
      if (Busy[C] && Left[C] == 0 && EndAt[C] == T) { // ends first: the unit may submit again this cycle
        Busy[C] = false;
        Ends[C].push_back(T);
        SubmitAt[C] = Next[C] < S[C].size() ? T + S[C][Next[C]].Gap : UINT64_MAX;
      }
      if (!Busy[C] && SubmitAt[C] == T) {
        const Transfer &X = S[C][Next[C]++];
        Busy[C] = true;
        Eligible[C] = T + X.Delay;
        Left[C] = X.Bursts;
      }
      Pending |= Busy[C] || Next[C] < S[C].size();
    }
    if (!Pending)
      return Ends;
    if (T >= Free)
      for (unsigned K = 1; K <= 3; ++K) {
        const unsigned C = (Last + K) % 3;
        if (Busy[C] && Left[C] > 0 && Eligible[C] <= T) {
          Free = T + Cb;
          Last = C;
          if (--Left[C] == 0)
            EndAt[C] = T + Cb;
          break;
        }
      }
  }
}

/// The same scenario through DramPort, advancing from event to event as the SystemC model does.
std::array<std::vector<uint64_t>, 3> throughPort(const Scenario &S, uint64_t Cb) {
  std::array<std::vector<uint64_t>, 3> Ends;
  DramPort Port(Cb);
  std::array<size_t, 3> Next{};
  std::array<uint64_t, 3> SubmitAt{};
  for (unsigned C = 0; C < 3; ++C)
    SubmitAt[C] = S[C].empty() ? DramPort::Never : S[C][0].Gap;
  for (;;) {
    uint64_t T = DramPort::Never;
    for (unsigned C = 0; C < 3; ++C)
      T = std::min(T, Port.busy(C) ? Port.predictedEnd(C) : SubmitAt[C]);
    if (T == DramPort::Never)
      return Ends;
    for (unsigned C = 0; C < 3; ++C)
      if (Port.busy(C) && Port.predictedEnd(C) == T) {
        Port.retire(C, T);
        Ends[C].push_back(T);
        SubmitAt[C] = Next[C] < S[C].size() ? T + S[C][Next[C]].Gap : DramPort::Never;
      }
    for (unsigned C = 0; C < 3; ++C)
      if (!Port.busy(C) && SubmitAt[C] == T) {
        const Transfer &X = S[C][Next[C]++];
        Port.submit(C, T, T + X.Delay, X.Bursts);
        SubmitAt[C] = DramPort::Never;
      }
  }
}

/// The same scenario through the cycle-stepped DramArbiter of the RTL harness, driven as the RTL's DMA engines
/// drive it: a transfer presents its first burst (First) from its submission on and each later burst from the
/// cycle after the previous grant; it ends Cb cycles after its last grant. Every Delay must be Ld.
std::array<std::vector<uint64_t>, 3> throughArbiter(const Scenario &S, uint64_t Cb, uint64_t Ld) {
  std::array<std::vector<uint64_t>, 3> Ends;
  DramArbiter Port(Cb, Ld);
  std::array<size_t, 3> Next{};
  std::array<uint64_t, 3> SubmitAt{}, Left{}, EndAt{};
  std::array<bool, 3> Active{}, Sent{};
  for (unsigned C = 0; C < 3; ++C)
    SubmitAt[C] = S[C].empty() ? DramPort::Never : S[C][0].Gap;
  for (uint64_t T = 0;; ++T) {
    bool Pending = false;
    std::array<bool, 3> Valid{}, First{};
    for (unsigned C = 0; C < 3; ++C) {
      if (Active[C] && Left[C] == 0 && EndAt[C] == T) {
        Active[C] = false;
        Ends[C].push_back(T);
        SubmitAt[C] = Next[C] < S[C].size() ? T + S[C][Next[C]].Gap : DramPort::Never;
      }
      if (!Active[C] && SubmitAt[C] == T) {
        Active[C] = true;
        Sent[C] = false;
        Left[C] = S[C][Next[C]++].Bursts;
      }
      Valid[C] = Active[C] && Left[C] > 0;
      First[C] = Valid[C] && !Sent[C];
      Pending |= Active[C] || Next[C] < S[C].size();
    }
    if (!Pending)
      return Ends;
    const int G = Port.step(T, Valid, First);
    if (G >= 0) {
      Sent[G] = true;
      if (--Left[G] == 0)
        EndAt[G] = T + Cb;
    }
  }
}

TEST(ScDramPort, CycleSteppedArbiterMatchesClosedForm) {
  std::mt19937 Rng(11);
  auto Pick = [&](uint64_t Lo, uint64_t Hi) { return std::uniform_int_distribution<uint64_t>(Lo, Hi)(Rng); };
  for (int Run = 0; Run < 400; ++Run) {
    const uint64_t Cb = Pick(1, 4), Ld = Pick(0, 12);
    Scenario S;
    for (auto &Client : S)
      for (uint64_t N = Pick(0, 6); N > 0; --N)
        Client.push_back({Pick(0, 25), Ld, Pick(1, 14)});
    const auto Want = throughPort(S, Cb);
    const auto Got = throughArbiter(S, Cb, Ld);
    for (unsigned C = 0; C < 3; ++C)
      ASSERT_EQ(Got[C], Want[C]) << "run " << Run << " client " << C << " cycles per burst " << Cb;
  }
}

TEST(ScDramPort, SingleTransferIsLatencyFreeStreaming) {
  DramPort Port(4);
  Port.submit(DramPort::LoadUnit, 10, 60, 5);
  EXPECT_EQ(Port.predictedEnd(DramPort::LoadUnit), 80u);
  Port.retire(DramPort::LoadUnit, 80);
  // The port was free long before: a later transfer does not wait for anything.
  Port.submit(DramPort::StoreUnit, 200, 200, 1);
  EXPECT_EQ(Port.predictedEnd(DramPort::StoreUnit), 204u);
  EXPECT_EQ(Port.burstsMoved(), 6u);
}

TEST(ScDramPort, NewTransferDelaysOnlyUnfinishedOnes) {
  DramPort Port(2);
  Port.submit(DramPort::LoadUnit, 0, 0, 10); // alone: ends at 20
  EXPECT_EQ(Port.predictedEnd(DramPort::LoadUnit), 20u);
  Port.submit(DramPort::StoreUnit, 5, 5, 2); // joins at 6: store 6, load 8, store 10 (ends 12), load ...
  EXPECT_EQ(Port.predictedEnd(DramPort::StoreUnit), 12u);
  EXPECT_EQ(Port.predictedEnd(DramPort::LoadUnit), 24u);
}

TEST(ScDramPort, MatchesCycleByCycleReference) {
  std::mt19937 Rng(5);
  auto Pick = [&](uint64_t Lo, uint64_t Hi) { return std::uniform_int_distribution<uint64_t>(Lo, Hi)(Rng); };
  for (int Run = 0; Run < 400; ++Run) {
    const uint64_t Cb = Pick(1, 4);
    Scenario S;
    for (auto &Client : S)
      for (uint64_t N = Pick(0, 6); N > 0; --N)
        Client.push_back({Pick(0, 25), Pick(0, 12), Pick(1, 14)});
    const auto Want = reference(S, Cb);
    const auto Got = throughPort(S, Cb);
    for (unsigned C = 0; C < 3; ++C)
      ASSERT_EQ(Got[C], Want[C]) << "run " << Run << " client " << C << " cycles per burst " << Cb;
  }
}

} // namespace
