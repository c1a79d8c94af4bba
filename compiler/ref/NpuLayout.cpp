// Reference kernels of the layout conversions npu.ToBlocked, npu.FromBlocked and npu.Reblock.
// Padded channels get pad_value, the tensor's zero point, so they stand for real zeros.
#include "NpuKernels.h"
#include "npu/compiler/support/Try.h"

#include <cstring>

namespace npu::ref {

namespace {

/// Copies every element (n, c < Channels, s) from one view to the other; Dst was pre-filled with the padding.
void copyElements(const Tensor &Src, const ActView &SV, Tensor &Dst, const ActView &DV, int64_t Batch,
                  int64_t Channels) {
  const size_t ES = ir::elemTypeSize(Src.elemType());
  for (int64_t N = 0; N < Batch; ++N)
    for (int64_t C = 0; C < Channels; ++C)
      for (int64_t S = 0; S < SV.Size; ++S)
        std::memcpy(Dst.bytes() + DV.at(N, C, S) * ES, Src.bytes() + SV.at(N, C, S) * ES, ES);
}

void fill(Tensor &T, int64_t Value) {
  for (int64_t I = 0; I < T.numElements(); ++I)
    T.setDouble(I, double(Value));
}

Status kToBlocked(KernelContext &C) {
  NPU_ASSIGN(ActView SV, actView(C.in(0).shape(), false));
  NPU_ASSIGN(ActView DV, actView(C.out(0).shape(), true));
  fill(C.out(0), C.N.getInt("pad_value", 0));
  copyElements(C.in(0), SV, C.out(0), DV, C.in(0).shape()[0], SV.C);
  return Status::ok();
}

Status kFromBlocked(KernelContext &C) {
  NPU_ASSIGN(ActView SV, actView(C.in(0).shape(), true));
  NPU_ASSIGN(ActView DV, actView(C.out(0).shape(), false));
  copyElements(C.in(0), SV, C.out(0), DV, C.out(0).shape()[0], DV.C);
  return Status::ok();
}

Status kReblock(KernelContext &C) {
  NPU_ASSIGN(ActView SV, actView(C.in(0).shape(), true));
  NPU_ASSIGN(ActView DV, actView(C.out(0).shape(), true));
  fill(C.out(0), C.N.getInt("pad_value", 0));
  copyElements(C.in(0), SV, C.out(0), DV, SV.B.batch(), C.N.getInt("channels", 0));
  return Status::ok();
}

} // namespace

void addNpuLayoutKernels(KernelTable &T) {
  T["npu.ToBlocked"] = kToBlocked;
  T["npu.FromBlocked"] = kFromBlocked;
  T["npu.Reblock"] = kReblock;
}

} // namespace npu::ref
