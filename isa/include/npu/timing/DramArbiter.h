// The DRAM port of docs/timing.md stepped one cycle at a time: the memory model behind the RTL harness, where
// requests arrive as signals each cycle. Same rule as DramPort (which computes it in closed form per phase).
#pragma once

#include <array>
#include <cstdint>

namespace npu::timing {

class DramArbiter {
public:
  static constexpr unsigned NumClients = 3; ///< load, compute, store: the round-robin order

  /// CyclesPerBurst: timing::burstCycles; Latency: dram.latency (a transfer is eligible that many cycles
  /// after its issue).
  DramArbiter(uint64_t CyclesPerBurst, uint64_t Latency) : Cb(CyclesPerBurst), Ld(Latency) {}

  /// One cycle T (called for consecutive cycles from 0). Valid[c]: client c presents a burst request;
  /// First[c]: it is its transfer's first, so the first cycle it is presented is the transfer's issue cycle.
  /// Returns the client granted a burst in cycle T (it occupies the port during [T, T + Cb)), or -1.
  int step(uint64_t T, const std::array<bool, NumClients> &Valid, const std::array<bool, NumClients> &First);

  uint64_t bursts() const { return Bursts; }

private:
  uint64_t Cb, Ld;
  uint64_t Free = 0;              ///< the port is busy until this cycle
  unsigned Last = NumClients - 1; ///< served last (the load unit goes first)
  std::array<bool, NumClients> Pending{}; ///< a first burst presented and not yet granted
  std::array<uint64_t, NumClients> Eligible{};
  uint64_t Bursts = 0;
};

} // namespace npu::timing
