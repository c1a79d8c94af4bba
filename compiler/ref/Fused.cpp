// Reference kernels of npu.FusedConv / npu.FusedGemm: exactly the Conv/Gemm kernel, then the activation
// kernel, so fused graphs give the very same numbers as the graphs they came from.
#include "Kernels.h"
#include "npu/compiler/ops/FusedOps.h"
#include "npu/compiler/ref/Interpreter.h"

namespace npu::ref {

namespace {

Status kFused(KernelContext &C) {
  auto Y = runNode(ir::unfusedNode(C.N), C.In);
  if (!Y)
    return Y.error();
  auto Act = ir::fusedActivationNode(C.N);
  if (!Act)
    return Act.error();
  Tensor &Pre = (*Y)[0];
  Tensor Lo(Pre.elemType(), {}), Hi(Pre.elemType(), {});
  std::vector<const Tensor *> Ins = {&Pre};
  if (Act->OpType == "Clip") {
    Lo.setDouble(0, C.N.getFloat("act_min", -std::numeric_limits<float>::infinity()));
    Hi.setDouble(0, C.N.getFloat("act_max", std::numeric_limits<float>::infinity()));
    Ins = {&Pre, &Lo, &Hi};
  }
  auto Z = runNode(*Act, Ins);
  if (!Z)
    return Z.error();
  C.out(0) = std::move((*Z)[0]);
  return Status::ok();
}

} // namespace

void addFusedKernels(KernelTable &T) {
  T["npu.FusedConv"] = kFused;
  T["npu.FusedGemm"] = kFused;
}

} // namespace npu::ref
