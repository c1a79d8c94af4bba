// Runs a model on an NVIDIA GPU: PTX from the shared lowering loaded with cuModuleLoadData, one device buffer per
// value, kernels launched in order with one thread per work item; fallback nodes run on the host.
#include "CudaDriver.h"
#include "GpuCompile.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Interpreter.h"

#include <chrono>
#include <cstring>
#include <mutex>

namespace npu::host {

using namespace ir;

GpuModel::~GpuModel() = default;

namespace {

class GpuModelImpl : public GpuModel {
public:
  const CudaDriver *D = nullptr;
  CuDevice Dev = 0;
  CuContext Ctx = nullptr;
  CuModule Mod = nullptr;
  Program P;
  GpuStats Stats;
  std::vector<CuDevPtr> SlotPtr, ArgArrays;
  std::vector<CuFunction> Fns;
  std::mutex RunMutex;

  ~GpuModelImpl() override {
    if (!D)
      return;
    D->cuCtxSetCurrent(Ctx);
    for (CuDevPtr Pt : SlotPtr)
      if (Pt)
        D->cuMemFree(Pt);
    for (CuDevPtr Pt : ArgArrays)
      if (Pt)
        D->cuMemFree(Pt);
    if (Mod)
      D->cuModuleUnload(Mod);
    if (Ctx)
      D->cuDevicePrimaryCtxRelease(Dev);
  }
  const GpuStats &stats() const override { return Stats; }

  Status check(const char *Call, CuResult R) const {
    return R ? Status(makeError(D->describe(Call, R))) : Status::ok();
  }

  Status upload(int Slot, const void *Src, size_t Bytes) {
    return Bytes ? check("cuMemcpyHtoD", D->cuMemcpyHtoD(SlotPtr[static_cast<size_t>(Slot)], Src, Bytes))
                 : Status::ok();
  }

  Status runFallback(const Node &N) {
    return runFallbackNode(
        P, N,
        [&](ValueId V, Tensor &X) {
          return X.byteSize() ? check("cuMemcpyDtoH", D->cuMemcpyDtoH(X.bytes(), SlotPtr[static_cast<size_t>(
                                                                                     P.slotOf(V))],
                                                                   X.byteSize()))
                              : Status::ok();
        },
        [&](int S, const Tensor &T) { return upload(S, T.bytes(), T.byteSize()); });
  }

  Expected<std::vector<Tensor>> run(const std::vector<Tensor> &Inputs) override {
    std::lock_guard<std::mutex> L(RunMutex);
    const Graph &G = P.G;
    if (Inputs.size() != G.Inputs.size())
      return makeError("graph '", G.Name, "' takes ", G.Inputs.size(), " inputs, got ", Inputs.size());
    NPU_TRY(check("cuCtxSetCurrent", D->cuCtxSetCurrent(Ctx)));
    for (size_t I = 0; I < Inputs.size(); ++I) {
      const TensorType &T = G.type(G.Inputs[I]);
      if (Inputs[I].elemType() != T.Elem || Inputs[I].shape() != T.Dims)
        return makeError("input '", G.value(G.Inputs[I]).Name, "' is ", formatType(Inputs[I].type()),
                         ", the graph takes ", formatType(T));
      if (int S = P.slotOf(G.Inputs[I]); S > 0 && P.Slots[static_cast<size_t>(S)].Kind == SlotKind::Input)
        NPU_TRY(upload(S, Inputs[I].bytes(), Inputs[I].byteSize()));
    }
    NPU_TRY(check("cuMemsetD8", D->cuMemsetD8(SlotPtr[0], 0, 4)));
    for (size_t SI = 0; SI < P.Steps.size(); ++SI) {
      const Step &S = P.Steps[SI];
      if (S.Kind == StepKind::Fallback) {
        NPU_TRY(check("cuCtxSynchronize", D->cuCtxSynchronize()));
        NPU_TRY(runFallback(G.nodes()[static_cast<size_t>(S.Nodes[0])]));
        continue;
      }
      if (S.WorkItems <= 0)
        continue;
      CuDevPtr Args = ArgArrays[SI];
      int64_t N = S.WorkItems;
      void *Params[] = {&Args, &N};
      unsigned Block = 256, Grid = static_cast<unsigned>((N + Block - 1) / Block);
      NPU_TRY(check("cuLaunchKernel", D->cuLaunchKernel(Fns[SI], Grid, 1, 1, Block, 1, 1, 0, nullptr, Params, nullptr)));
    }
    NPU_TRY(check("cuCtxSynchronize", D->cuCtxSynchronize()));
    int32_t Status = 0;
    NPU_TRY(check("cuMemcpyDtoH", D->cuMemcpyDtoH(&Status, SlotPtr[0], 4)));
    if (Status)
      return makeError(Status == 1 ? "integer division by zero" : "index out of range");
    std::vector<Tensor> Results;
    for (ValueId O : G.Outputs) {
      Tensor T(G.type(O).Elem, G.type(O).Dims);
      if (T.byteSize())
        NPU_TRY(check("cuMemcpyDtoH", D->cuMemcpyDtoH(T.bytes(), SlotPtr[static_cast<size_t>(P.slotOf(O))], T.byteSize())));
      Results.push_back(std::move(T));
    }
    return Results;
  }
};

} // namespace

Expected<std::unique_ptr<GpuModel>> compileGpuModel(const Graph &G, const GpuOptions &Opts) {
  auto Drv = cudaDriver();
  if (!Drv)
    return Drv.error();
  auto M = std::make_unique<GpuModelImpl>();
  M->D = *Drv;
  const CudaDriver &D = **Drv;
  NPU_TRY(M->check("cuDeviceGet", D.cuDeviceGet(&M->Dev, Opts.Device)));
  char Name[256] = {0};
  D.cuDeviceGetName(Name, sizeof(Name) - 1, M->Dev);
  int Major = 0, Minor = 0;
  D.cuDeviceGetAttribute(&Major, CuAttrCcMajor, M->Dev);
  D.cuDeviceGetAttribute(&Minor, CuAttrCcMinor, M->Dev);
  M->Stats.DeviceName = Name;
  // PTX for the newest architecture this LLVM knows that the device runs; the driver compiles it to SASS.
  int Cc = Major * 10 + Minor;
  PtxOptions PO = Opts.Ptx;
  PO.Arch = "sm_" + std::to_string(Cc >= 90 ? 90 : Cc >= 80 ? 80 : Cc);
  M->Stats.Arch = PO.Arch;
  NPU_TRY(M->check("cuDevicePrimaryCtxRetain", D.cuDevicePrimaryCtxRetain(&M->Ctx, M->Dev)));
  NPU_TRY(M->check("cuCtxSetCurrent", D.cuCtxSetCurrent(M->Ctx)));
  HostStats HS;
  HostOptions HO;
  HO.AllowFallback = PO.AllowFallback;
  auto P = buildProgram(G, HO, HS);
  if (!P)
    return P.error();
  M->P = P.takeValue();
  auto Ptx = compileProgramPtx(M->P, G, PO);
  if (!Ptx)
    return Ptx.error();
  M->Stats.CompileMs = Ptx->CompileMs;
  M->Stats.FallbackNodes = Ptx->FallbackNodes;
  M->Stats.Kernels = static_cast<int>(Ptx->Kernels.size());
  auto T0 = std::chrono::steady_clock::now();
  NPU_TRY(M->check("cuModuleLoadData", D.cuModuleLoadData(&M->Mod, Ptx->Ptx.c_str())));
  Program &Pr = M->P;
  M->SlotPtr.assign(Pr.Slots.size(), 0);
  for (size_t S = 0; S < Pr.Slots.size(); ++S) {
    const Slot &Sl = Pr.Slots[S];
    if (Sl.Kind == SlotKind::Unused)
      continue;
    NPU_TRY(M->check("cuMemAlloc", D.cuMemAlloc(&M->SlotPtr[S], std::max<size_t>(Sl.Bytes, 4))));
    if (Sl.Kind == SlotKind::Constant)
      NPU_TRY(M->upload(static_cast<int>(S), Sl.Raw ? Sl.Raw.get() : Sl.Data->bytes(), Sl.Bytes));
  }
  M->Fns.assign(Pr.Steps.size(), nullptr);
  M->ArgArrays.assign(Pr.Steps.size(), 0);
  for (size_t SI = 0; SI < Pr.Steps.size(); ++SI) {
    const Step &S = Pr.Steps[SI];
    if (S.Kind != StepKind::Kernel)
      continue;
    NPU_TRY(M->check("cuModuleGetFunction", D.cuModuleGetFunction(&M->Fns[SI], M->Mod, S.Symbol.c_str())));
    std::vector<CuDevPtr> Args;
    for (int Slot : S.ArgSlots)
      Args.push_back(M->SlotPtr[static_cast<size_t>(Slot)]);
    size_t Bytes = std::max<size_t>(Args.size(), 1) * sizeof(CuDevPtr);
    NPU_TRY(M->check("cuMemAlloc", D.cuMemAlloc(&M->ArgArrays[SI], Bytes)));
    if (!Args.empty())
      NPU_TRY(M->check("cuMemcpyHtoD", D.cuMemcpyHtoD(M->ArgArrays[SI], Args.data(), Args.size() * sizeof(CuDevPtr))));
  }
  M->Stats.LoadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - T0).count();
  return std::unique_ptr<GpuModel>(std::move(M));
}

} // namespace npu::host
