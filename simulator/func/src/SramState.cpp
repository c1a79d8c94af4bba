// Allocation of the simulator's decoded on-chip buffers.
#include "npu/sim/SramState.h"

namespace npu::sim {

static NarrowRows makeNarrow(DType T, uint64_t Depth, uint64_t RowElems) {
  if (dtypeBits(T) > 8)
    return RowArray<int16_t>(Depth, RowElems);
  return RowArray<int8_t>(Depth, RowElems);
}

SramState::SramState(const HardwareConfig &C)
    : Uops(C.D.UopDepth), Inp(makeNarrow(C.InputType, C.D.InputDepth, C.Batch * C.BlockIn)),
      Wgt(makeNarrow(C.WeightType, C.D.WeightDepth, C.BlockOut * C.BlockIn)),
      Out(makeNarrow(C.OutputType, C.D.OutputDepth, C.Batch * C.BlockOut)),
      Acc(C.D.AccDepth, C.Batch * C.BlockOut), Lut(C.D.LutDepth, 0) {}

} // namespace npu::sim

#include "npu/sim/Exec.h"

namespace npu::sim {

void mirrorToOutput(SramState &S, unsigned Bits, uint64_t A) {
  std::visit(
      [&](auto &Out) {
        if (A >= Out.Depth)
          return;
        using T = typename std::decay_t<decltype(Out)>::Elem;
        T *O = Out.row(A);
        const int32_t *Acc = S.Acc.row(A);
        const uint64_t N = Out.RowElems;
        if (Bits == 8 * sizeof(T)) {
          for (uint64_t L = 0; L < N; ++L)
            O[L] = T(Acc[L]); // modular narrowing (C++20)
        } else {
          const unsigned Sh = 32 - Bits;
          for (uint64_t L = 0; L < N; ++L)
            O[L] = T(int32_t(uint32_t(Acc[L]) << Sh) >> Sh);
        }
      },
      S.Out);
}

} // namespace npu::sim
