// The shared DRAM port of docs/timing.md: burst-granular round-robin arbitration between the load, compute
// and store units' transfers, computed in closed form per phase so the simulator pays per transfer, not per
// burst. Plain C++: the SystemC model asks it when each transfer ends.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace npu::timing {

class DramPort {
public:
  /// The clients in the port's round-robin order.
  enum Client : unsigned { LoadUnit = 0, ComputeUnit = 1, StoreUnit = 2 };
  static constexpr unsigned NumClients = 3;
  static constexpr uint64_t Never = std::numeric_limits<uint64_t>::max();

  /// CyclesPerBurst: how long one burst occupies the port (timing::burstCycles).
  explicit DramPort(uint64_t CyclesPerBurst);

  /// Client (which has no transfer in flight) submits Bursts > 0 bursts at cycle Now that may use the port
  /// from cycle Eligible >= Now. Submissions come in non-decreasing Now.
  void submit(unsigned Client, uint64_t Now, uint64_t Eligible, uint64_t Bursts);
  /// The cycle Client's transfer ends (its last burst leaves the port), assuming no further submissions. A
  /// later submission can only move it for transfers that have not finished by the submission's cycle.
  uint64_t predictedEnd(unsigned Client) const { return Predicted[Client]; }
  /// Client's transfer has ended at cycle Now (== predictedEnd); the client may submit again.
  void retire(unsigned Client, uint64_t Now);
  bool busy(unsigned Client) const { return Committed.Cl[Client].Active; }

  uint64_t burstsMoved() const { return TotalBursts; }

private:
  struct ClientState {
    bool Active = false;
    uint64_t Left = 0;     ///< bursts not yet granted
    uint64_t Eligible = 0; ///< first cycle it may use the port
    uint64_t End = Never;  ///< when its last burst ends (known once Left reaches 0)
  };
  struct State {
    uint64_t Free = 0;              ///< the port is busy until this cycle
    unsigned Last = NumClients - 1; ///< the client served last (round-robin starts after it)
    std::array<ClientState, NumClients> Cl;
  };
  /// Makes every port decision at a cycle before Barrier.
  void run(State &S, uint64_t Barrier) const;
  void predict();

  uint64_t Cb;
  State Committed; ///< decisions before the last submission's cycle: final
  std::array<uint64_t, NumClients> Predicted{};
  uint64_t TotalBursts = 0;
};

} // namespace npu::timing
