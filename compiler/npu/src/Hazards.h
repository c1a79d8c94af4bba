// Hazard analysis shared by the token inserter and the token checker: what buffer rows and DRAM bytes an
// instruction reads and writes, and an interval map of the latest reader and writer per queue.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Isa.h"

#include <array>
#include <cstdint>
#include <map>
#include <vector>

namespace npu::backend::hazard {

constexpr unsigned NumQueues = 3;
using PerQueue = std::array<int64_t, NumQueues>;
constexpr PerQueue NoneYet = {-1, -1, -1};

inline unsigned queueIndex(const isa::Instruction &I) { return unsigned(I.queue()); }
inline PerQueue maxOf(const PerQueue &A, const PerQueue &B) {
  return {std::max(A[0], B[0]), std::max(A[1], B[1]), std::max(A[2], B[2])};
}

/// Address spaces: the buffers two queues can share, then DRAM spaces (one per tile tensor, or one for a
/// finished program).
enum Space : unsigned { Inp = 0, Wgt = 1, Acc = 2, Out = 3, FirstDram = 4 };

struct Access {
  unsigned Space;
  int64_t Lo, Hi; ///< [Lo, Hi) rows or bytes
  bool Write;
};

/// Buffer accesses of I (DRAM is left to the caller, who knows how its operand is addressed). Uops holds
/// the micro-op buffer's current contents (LOAD uop updates it through loadUops). Accumulator reads by the
/// compute unit are not listed: only the compute unit writes the accumulators, except through STORE acc
/// reads.
void bufferAccesses(const HardwareConfig &C, const isa::Instruction &I, const std::vector<isa::MicroOp> &Uops,
                    std::vector<Access> &Out);

/// DRAM bytes [Lo, Hi) a LOAD/STORE with data touches, relative to its DRAM operand (the hull of its rows).
std::pair<int64_t, int64_t> dramExtent(const HardwareConfig &C, const isa::Instruction &I);

/// The latest reader and writer of every address, per queue, as a map of disjoint intervals.
class AccessMap {
public:
  /// Raises Need[A] (A != Own) to the latest conflicting access of queue A.
  void conflicts(const Access &A, unsigned Own, PerQueue &Need) const;
  /// Records the access of the instruction at position Pos of queue Q.
  void record(const Access &A, unsigned Q, int64_t Pos);
  /// The latest reads per queue over the whole space.
  PerQueue latestReads() const;

private:
  struct Cell {
    int64_t End;
    PerQueue W, R;
  };
  void split(int64_t X);
  std::map<int64_t, Cell> M;
};

/// One map per space, created on first use.
class Tracker {
public:
  void conflicts(const Access &A, unsigned Own, PerQueue &Need) const {
    if (A.Space < Maps.size())
      Maps[A.Space].conflicts(A, Own, Need);
  }
  void record(const Access &A, unsigned Q, int64_t Pos) {
    if (A.Space >= Maps.size())
      Maps.resize(A.Space + 1);
    Maps[A.Space].record(A, Q, Pos);
  }
  PerQueue latestReads(unsigned Space) const {
    return Space < Maps.size() ? Maps[Space].latestReads() : NoneYet;
  }

private:
  std::vector<AccessMap> Maps;
};

} // namespace npu::backend::hazard
