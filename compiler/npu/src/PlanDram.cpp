// The plan-dram backend pass: constants, the segment's inputs and outputs and the micro-op table each get
// their own 64-byte-aligned region; every temporary goes to the lowest aligned address not used by a
// temporary whose live range overlaps its own; an alias sits inside the tensor it lives in.
#include "PlanDram.h"

#include <algorithm>

namespace npu::backend {

namespace {

constexpr uint64_t Align = 64;

uint64_t alignUp(uint64_t V, uint64_t A) { return (V + A - 1) / A * A; }

/// The first address at or above Base where Bytes fit beside every placed temporary whose live range
/// overlaps Live.
struct Placed {
  uint64_t Begin, End;
  std::pair<size_t, size_t> Live;
};
uint64_t firstFit(const std::vector<Placed> &Done, uint64_t Base, uint64_t Bytes,
                  std::pair<size_t, size_t> Live) {
  uint64_t Addr = Base;
  for (bool Moved = true; Moved;) {
    Moved = false;
    for (const Placed &D : Done) {
      const bool Overlap = Addr < D.End && D.Begin < Addr + Bytes;
      const bool Alive = !(Live.second < D.Live.first || D.Live.second < Live.first);
      if (Overlap && Alive) {
        Addr = alignUp(D.End, Align);
        Moved = true;
      }
    }
  }
  return Addr;
}

class PlanDramPass : public BackendPass {
public:
  const char *name() const override { return "plan-dram"; }

  Status run(BackendState &S) override {
    TileProgram &P = S.Program;
    uint64_t Next = 0;
    for (TileTensor &T : P.Tensors)
      if (T.K != TileTensor::Temp && T.AliasOf < 0) {
        T.Address = Next;
        Next = alignUp(Next + std::max<uint64_t>(T.Bytes, 1), Align);
      }
    P.UopAddress = Next;
    Next = alignUp(Next + P.Uops.size() * S.Config.D.UopRowBytes, Align);
    const auto Live = liveRanges(P);
    std::vector<Placed> Done;
    for (size_t K = 0; K < P.Tensors.size(); ++K) {
      TileTensor &T = P.Tensors[K];
      if (T.K != TileTensor::Temp || T.AliasOf >= 0)
        continue;
      T.Address = firstFit(Done, Next, T.Bytes, Live[K]);
      Done.push_back({T.Address, T.Address + T.Bytes, Live[K]});
    }
    for (size_t K = 0; K < P.Tensors.size(); ++K) {
      if (P.Tensors[K].AliasOf < 0)
        continue;
      if (P.Tensors[aliasRoot(P, K)].AliasOf >= 0)
        return makeError("tensor '", P.Tensors[K].Name, "' is an alias in a cycle");
      uint64_t Offset = 0;
      for (size_t A = K; P.Tensors[A].AliasOf >= 0; A = size_t(P.Tensors[A].AliasOf))
        Offset += P.Tensors[A].AliasOffset;
      P.Tensors[K].Address = P.Tensors[aliasRoot(P, K)].Address + Offset;
    }
    const uint64_t Bytes = planDramBytes(P, S.Config);
    if (Bytes > (uint64_t(1) << S.Config.DramAddressBits))
      return makeError("the segment needs ", Bytes, " bytes of DRAM, more than the ",
                       S.Config.DramAddressBits, "-bit address space");
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<BackendPass> createPlanDramPass() { return std::make_unique<PlanDramPass>(); }

size_t aliasRoot(const TileProgram &P, size_t K) {
  for (size_t Hops = 0; P.Tensors[K].AliasOf >= 0 && Hops <= P.Tensors.size(); ++Hops)
    K = size_t(P.Tensors[K].AliasOf);
  return K;
}

std::vector<std::pair<size_t, size_t>> liveRanges(const TileProgram &P) {
  std::vector<std::pair<size_t, size_t>> Live(P.Tensors.size(), {SIZE_MAX, 0});
  for (size_t I = 0; I < P.Insns.size(); ++I)
    if (int T = P.Insns[I].Tensor; T >= 0 && size_t(T) < P.Tensors.size()) {
      const size_t R = aliasRoot(P, size_t(T));
      Live[R] = {std::min(Live[R].first, I), std::max(Live[R].second, I)};
    }
  return Live;
}

uint64_t planDramBytes(const TileProgram &P, const HardwareConfig &C) {
  uint64_t End = P.UopAddress + P.Uops.size() * C.D.UopRowBytes;
  for (const TileTensor &T : P.Tensors)
    if (T.AliasOf < 0) // a constant, input or output of no bytes still takes one (a region of its own)
      End = std::max(End, T.Address + (T.K == TileTensor::Temp ? T.Bytes : std::max<uint64_t>(T.Bytes, 1)));
  return std::max<uint64_t>(4096, alignUp(End, 4096));
}

} // namespace npu::backend
