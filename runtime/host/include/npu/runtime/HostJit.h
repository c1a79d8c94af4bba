// Plugs the host path into the runtime: host segments of model artifacts compiled by the LLVM JIT (CPU) or run
// on the GPU. Header-only, in the interface library host_runtime (runtime + compiler_host), so that neither of
// the two libraries depends on the other.
#pragma once

#include "npu/host/Gpu.h"
#include "npu/host/HostModel.h"
#include "npu/runtime/ModelRunner.h"

#include <cstdio>
#include <memory>

namespace npu::host {

/// The step times of a model compiled with HostOptions::Profile, as the runtime reports them.
inline std::vector<runtime::HostStepTime> runtimeStepTimes(const HostModel &M) {
  std::vector<runtime::HostStepTime> Steps;
  for (const StepProfile &P : M.profile())
    Steps.push_back({P.Kernel, P.Nodes, P.Ms, P.Runs});
  return Steps;
}

/// Each host segment compiled once by compileHostModel (the object cache makes a second load cheap); with
/// Opts.Profile its step times are read after each run.
inline runtime::HostExecutor jitHostExecutor(const HostOptions &Opts) {
  runtime::HostExecutor X;
  X.Name = "LLVM JIT";
  X.Prepare = [Opts](const ir::Graph &G, runtime::HostSegmentInfo &Info) -> Expected<runtime::HostSegmentFn> {
    auto M = compileHostModel(G, Opts);
    if (!M)
      return M.error();
    std::shared_ptr<HostModel> Shared = M.takeValue();
    const HostStats &S = Shared->stats();
    char Buf[160];
    std::snprintf(Buf, sizeof(Buf), "%d kernels, %d fallback nodes, compiled in %.1f ms%s", S.Kernels,
                  S.FallbackNodes, S.totalMs(), S.CacheHit ? (" (" + S.CacheSource + " cache)").c_str() : "");
    Info.Note = Buf;
    if (Opts.Profile)
      Info.Profile = [Shared] { return runtimeStepTimes(*Shared); };
    return runtime::HostSegmentFn(
        [Shared](const std::vector<ir::Tensor> &In) { return Shared->run(In); });
  };
  return X;
}

/// Each host segment compiled to PTX for the GPU and run there (fails with the reason when there is no GPU).
inline runtime::HostExecutor gpuHostExecutor(const GpuOptions &Opts) {
  runtime::HostExecutor X;
  X.Name = "GPU";
  X.Prepare = [Opts](const ir::Graph &G, runtime::HostSegmentInfo &Info) -> Expected<runtime::HostSegmentFn> {
    auto M = compileGpuModel(G, Opts);
    if (!M)
      return M.error();
    std::shared_ptr<GpuModel> Shared = M.takeValue();
    const GpuStats &S = Shared->stats();
    char Buf[200];
    std::snprintf(Buf, sizeof(Buf), "%s (%s), %d kernels, %d fallback nodes, PTX in %.1f ms, loaded in %.1f "
                  "ms", S.DeviceName.c_str(), S.Arch.c_str(), S.Kernels, S.FallbackNodes, S.CompileMs, S.LoadMs);
    Info.Note = Buf;
    return runtime::HostSegmentFn(
        [Shared](const std::vector<ir::Tensor> &In) { return Shared->run(In); });
  };
  return X;
}

} // namespace npu::host
