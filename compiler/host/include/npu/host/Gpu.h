// GPU path: the host lowering emitted as PTX through LLVM's NVPTX back end, and models run on an NVIDIA GPU
// through the CUDA driver API loaded at run time (dlopen of libcuda.so.1; no link-time CUDA dependency).
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/Status.h"

#include <memory>
#include <string>
#include <vector>

namespace npu::host {

struct PtxOptions {
  std::string Arch = "sm_80"; ///< sm_80, sm_90, ...
  int OptLevel = 3;
  /// libdevice bitcode for the math functions; empty searches $CUDA_HOME and /usr/local/cuda*/nvvm/libdevice.
  std::string LibdevicePath;
  /// Nodes without a GPU kernel are run on the host (GpuModel) instead of being an error.
  bool AllowFallback = true;
};

struct PtxModule {
  std::string Ptx;
  std::vector<std::string> Kernels; ///< entry points, one per generated kernel
  int FallbackNodes = 0;
  double CompileMs = 0;
};

/// Lowers every node of G (same lowering as the CPU path, one GPU thread per work item) and emits PTX.
Expected<PtxModule> emitPtx(const ir::Graph &G, const PtxOptions &Opts = {});

/// Why no GPU can be used ("no CUDA driver found (libcuda.so.1)", "no CUDA device", ...), or ok.
Status cudaAvailable();

struct GpuOptions {
  int Device = 0;
  PtxOptions Ptx; ///< Arch is replaced by the device's compute capability
};

struct GpuStats {
  std::string DeviceName, Arch;
  double CompileMs = 0, LoadMs = 0;
  int Kernels = 0, FallbackNodes = 0;
};

class GpuModel {
public:
  virtual ~GpuModel();
  /// Copies the inputs to the GPU, launches the kernels in order (fallback nodes on the host), copies back.
  virtual Expected<std::vector<ir::Tensor>> run(const std::vector<ir::Tensor> &Inputs) = 0;
  virtual const GpuStats &stats() const = 0;
};

/// Compiles G to PTX for the device, loads it with cuModuleLoadData and uploads the constants.
Expected<std::unique_ptr<GpuModel>> compileGpuModel(const ir::Graph &G, const GpuOptions &Opts = {});

} // namespace npu::host
