// Helpers shared by the reference kernels of the npu.* operators (internal to compiler/ref).
#pragma once

#include "Kernels.h"
#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/ops/FixedPoint.h"

#include <utility>

namespace npu::ref {

/// The requantization attributes of a node (docs/quantization.md); the result saturates to [Lo, Hi], the
/// range of the output's element type (int8 or int16 activations, uint8 for npu.Requantize).
struct RequantParams {
  std::vector<int64_t> M; ///< one, or one per output channel
  int Shift = 1;
  int64_t YZp = 0, ActMin = -128, ActMax = 127, Lo = -128, Hi = 127;

  int64_t multiplier(int64_t Channel) const { return M.size() == 1 ? M[0] : M[size_t(Channel)]; }
  int64_t apply(int64_t Acc, int64_t Channel) const {
    return quant::requantizeTo(Acc, multiplier(Channel), Shift, YZp, ActMin, ActMax, Lo, Hi);
  }
};

/// The requantization attributes of N for a result of element type Out (the activation bounds default to
/// Out's range).
inline RequantParams requantParams(const ir::Node &N, ir::ElemType Out = ir::ElemType::Int8) {
  RequantParams P;
  if (const ir::Attribute *A = N.findAttr("multiplier"))
    P.M = A->kind() == ir::AttrKind::Ints ? std::get<std::vector<int64_t>>(A->Val)
                                          : std::vector<int64_t>{std::get<int64_t>(A->Val)};
  if (Out != ir::ElemType::Int32) {
    P.Lo = ir::integerTypeMin(Out);
    P.Hi = ir::integerTypeMax(Out);
  }
  P.Shift = int(N.getInt("shift", 1));
  P.YZp = N.getInt("y_zero_point", 0);
  P.ActMin = N.getInt("act_min", P.Lo);
  P.ActMax = N.getInt("act_max", P.Hi);
  return P;
}

/// Calls Fn with a value of the C++ type of an activation element type (int8_t or int16_t); other types are
/// an error (type inference admits only these).
template <typename F> Status withActType(ir::ElemType T, F &&Fn) {
  if (T == ir::ElemType::Int8)
    return Fn(int8_t{});
  if (T == ir::ElemType::Int16)
    return Fn(int16_t{});
  return makeError("npu activations are i8 or i16, got ", ir::elemTypeName(T));
}

/// The accumulator as the NPU holds it: the exact sum wrapped to 32-bit two's complement.
inline int32_t wrapInt32(int64_t V) { return int32_t(uint32_t(uint64_t(V))); }

/// One valid tap of a window: the kernel tap index and the input's spatial offset.
using Tap = std::pair<int64_t, int64_t>;

/// For every output position (row-major over G.OutSpatial), the taps that fall inside the input; taps in the
/// padding are left out (they contribute nothing).
std::vector<std::vector<Tap>> windowTaps(const ir::WindowGeometry &G, const Shape &InSp);

/// Where element (n, c, spatial offset s) of a logical [N, C, spatial...] tensor lives in its storage: plain
/// row-major, or blocked (docs/quantization.md, "Blocked layout").
struct ActView {
  bool Blocked = false;
  int64_t C = 0, Size = 0; ///< (padded) channels, spatial elements
  ir::BlockedShape B;

  int64_t at(int64_t N, int64_t Ch, int64_t S) const {
    if (!Blocked)
      return (N * C + Ch) * Size + S;
    // BlockedShape::offset with the spatial size kept (this is the kernels' inner loop).
    return (((N / B.BlockN * B.COuter + Ch / B.BlockC) * Size + S) * B.BlockN + N % B.BlockN) * B.BlockC +
           Ch % B.BlockC;
  }
};

/// A view of an activation tensor: plain [N, C, spatial...] or blocked.
Expected<ActView> actView(const Shape &Dims, bool Blocked);

/// Registration of the other npu.* kernel files (called by addNpuQuantKernels).
void addNpuPoolKernels(KernelTable &T);
void addNpuLayoutKernels(KernelTable &T);

} // namespace npu::ref
