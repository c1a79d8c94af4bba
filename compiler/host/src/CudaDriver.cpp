// Loads libcuda.so.1 with dlopen and resolves the driver API entry points (no link-time CUDA dependency).
#include "CudaDriver.h"
#include "npu/host/Gpu.h"

#include <dlfcn.h>
#include <mutex>

namespace npu::host {

std::string CudaDriver::describe(const char *Call, CuResult R) const {
  const char *Text = nullptr;
  if (cuGetErrorString)
    cuGetErrorString(R, &Text);
  return std::string(Call) + ": " + (Text ? Text : "CUDA error " + std::to_string(R));
}

Expected<const CudaDriver *> cudaDriver() {
  static std::once_flag Once;
  static CudaDriver D;
  static std::string Why;
  std::call_once(Once, [] {
    void *H = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!H) {
      Why = "no CUDA driver found (libcuda.so.1)";
      return;
    }
    auto Get = [&](auto &Fn, const char *Name) {
      Fn = reinterpret_cast<std::remove_reference_t<decltype(Fn)>>(dlsym(H, Name));
      if (!Fn && Why.empty())
        Why = std::string("the CUDA driver lacks ") + Name;
    };
    Get(D.cuInit, "cuInit");
    Get(D.cuDeviceGetCount, "cuDeviceGetCount");
    Get(D.cuDeviceGet, "cuDeviceGet");
    Get(D.cuDeviceGetName, "cuDeviceGetName");
    Get(D.cuDeviceGetAttribute, "cuDeviceGetAttribute");
    Get(D.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
    Get(D.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
    Get(D.cuCtxSetCurrent, "cuCtxSetCurrent");
    Get(D.cuCtxSynchronize, "cuCtxSynchronize");
    Get(D.cuModuleLoadData, "cuModuleLoadData");
    Get(D.cuModuleUnload, "cuModuleUnload");
    Get(D.cuModuleGetFunction, "cuModuleGetFunction");
    Get(D.cuMemAlloc, "cuMemAlloc_v2");
    Get(D.cuMemFree, "cuMemFree_v2");
    Get(D.cuMemcpyHtoD, "cuMemcpyHtoD_v2");
    Get(D.cuMemcpyDtoH, "cuMemcpyDtoH_v2");
    Get(D.cuMemsetD8, "cuMemsetD8_v2");
    Get(D.cuLaunchKernel, "cuLaunchKernel");
    Get(D.cuGetErrorString, "cuGetErrorString");
    if (!Why.empty())
      return;
    if (CuResult R = D.cuInit(0)) {
      Why = "CUDA driver found but unusable: " + D.describe("cuInit", R);
      return;
    }
    int Count = 0;
    if (D.cuDeviceGetCount(&Count) || Count == 0)
      Why = "CUDA driver found but no CUDA device";
  });
  if (!Why.empty())
    return makeError(Why);
  return &D;
}

Status cudaAvailable() {
  auto D = cudaDriver();
  if (!D)
    return D.error();
  return Status::ok();
}

} // namespace npu::host
