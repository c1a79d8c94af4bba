// The DRAM port rule (docs/timing.md) one cycle at a time: round-robin per burst among eligible requests.
#include "npu/timing/DramArbiter.h"

namespace npu::timing {

int DramArbiter::step(uint64_t T, const std::array<bool, NumClients> &Valid,
                      const std::array<bool, NumClients> &First) {
  for (unsigned C = 0; C < NumClients; ++C) {
    // A transfer's issue is the first cycle its first burst is presented; its later bursts are eligible as
    // soon as they are presented, since the first one was granted after the latency had passed.
    if (Valid[C] && First[C] && !Pending[C]) {
      Pending[C] = true;
      Eligible[C] = T + Ld;
    }
  }
  if (T < Free)
    return -1;
  for (unsigned K = 1; K <= NumClients; ++K) {
    const unsigned C = (Last + K) % NumClients;
    if (!Valid[C] || (First[C] && Eligible[C] > T))
      continue;
    Free = T + Cb;
    Last = C;
    ++Bursts;
    Pending[C] = false;
    return int(C);
  }
  return -1;
}

} // namespace npu::timing
