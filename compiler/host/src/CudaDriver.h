// The CUDA driver API entry points the GPU executor uses, resolved with dlopen/dlsym at run time (internal).
#pragma once

#include "npu/support/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace npu::host {

/// Opaque driver handles (the driver API's CUcontext, CUmodule, CUfunction, CUdeviceptr).
using CuResult = int;
using CuDevice = int;
using CuContext = struct CuCtxSt *;
using CuModule = struct CuModSt *;
using CuFunction = struct CuFuncSt *;
using CuDevPtr = unsigned long long;

struct CudaDriver {
  CuResult (*cuInit)(unsigned);
  CuResult (*cuDeviceGetCount)(int *);
  CuResult (*cuDeviceGet)(CuDevice *, int);
  CuResult (*cuDeviceGetName)(char *, int, CuDevice);
  CuResult (*cuDeviceGetAttribute)(int *, int, CuDevice);
  CuResult (*cuDevicePrimaryCtxRetain)(CuContext *, CuDevice);
  CuResult (*cuDevicePrimaryCtxRelease)(CuDevice);
  CuResult (*cuCtxSetCurrent)(CuContext);
  CuResult (*cuCtxSynchronize)();
  CuResult (*cuModuleLoadData)(CuModule *, const void *);
  CuResult (*cuModuleUnload)(CuModule);
  CuResult (*cuModuleGetFunction)(CuFunction *, CuModule, const char *);
  CuResult (*cuMemAlloc)(CuDevPtr *, size_t);
  CuResult (*cuMemFree)(CuDevPtr);
  CuResult (*cuMemcpyHtoD)(CuDevPtr, const void *, size_t);
  CuResult (*cuMemcpyDtoH)(void *, CuDevPtr, size_t);
  CuResult (*cuMemsetD8)(CuDevPtr, unsigned char, size_t);
  CuResult (*cuLaunchKernel)(CuFunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void *,
                             void **, void **);
  CuResult (*cuGetErrorString)(CuResult, const char **);

  /// "cuMemAlloc: out of memory" style text for a failed call.
  std::string describe(const char *Call, CuResult R) const;
};

/// The process's driver table, loaded once; the error says why there is none.
Expected<const CudaDriver *> cudaDriver();

/// CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR.
constexpr int CuAttrCcMajor = 75, CuAttrCcMinor = 76;

} // namespace npu::host
