// npuc's host path: choosing the host executor (LLVM JIT on the CPU, the GPU, or the reference interpreter) for
// the host segments of any artifact. Host-only artifacts are packed in compiler_npu (npu/backend/HostArtifact.h).
#include "HostRun.h"
#include "MemoryOption.h"

#include "npu/runtime/HostJit.h"

#include <cstdlib>

namespace npuc {

using namespace npu;

bool isHostBackend(const std::string &Backend) { return Backend == "host" || Backend == "gpu"; }

Expected<int> threadsOption(const Args &A) {
  // strtol's end pointer points into V, which must outlive the check of *End (a temporary would not: ASan
  // reported the read as a stack-use-after-scope).
  const std::string V = A.get("--threads");
  char *End = nullptr;
  const long T = std::strtol(V.c_str(), &End, 10);
  if (V.empty() || *End || T < 0 || T > 1024)
    return makeError("--threads must be a number of threads (0: all cores)");
  return int(T);
}

Expected<runtime::ModelRunOptions> hostRunOptions(const Args &A, const std::string &Backend) {
  runtime::ModelRunOptions O;
  auto Limit = maxMemoryOption(A);
  if (!Limit)
    return makeError("usage: ", Limit.message());
  O.Memory = *Limit;
  host::HostOptions HO;
  if (A.has("--threads")) {
    auto T = threadsOption(A);
    if (!T)
      return makeError("usage: ", T.message());
    HO.Threads = *T;
  }
  std::string Which = A.get("--host-backend", "jit");
  if (Which != "jit" && Which != "ref" && Which != "gpu")
    return makeError("usage: --host-backend must be jit, ref or gpu");
  HO.Profile = A.has("--profile"); // npuc run checks that the JIT runs the host segments
  if (Backend == "gpu") {
    if (A.has("--host-backend"))
      return makeError("usage: --host-backend does not apply to --backend gpu");
    if (Status S = host::cudaAvailable(); !S)
      return makeError("--backend gpu: ", S.message());
    O.Host = host::gpuHostExecutor(host::GpuOptions());
    return O;
  }
  if (Which == "gpu") { // host segments of an NPU artifact on the GPU, NPU segments on the simulator
    if (Status S = host::cudaAvailable(); !S)
      return makeError("--host-backend gpu: ", S.message());
    O.Host = host::gpuHostExecutor(host::GpuOptions());
    return O;
  }
  if (Which == "ref")
    return O; // the reference interpreter (the runtime's default)
  O.Host = host::jitHostExecutor(HO);
  if (HO.Threads > 0)
    O.Host.Name += " (" + std::to_string(HO.Threads) + " threads)";
  return O;
}

} // namespace npuc
