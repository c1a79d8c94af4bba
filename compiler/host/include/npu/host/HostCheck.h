// The host and gpu targets of the conformance runner (`npuc check DIR... --target host|gpu`).
#pragma once

#include "npu/compiler/check/Conformance.h"
#include "npu/host/Gpu.h"
#include "npu/host/HostModel.h"

#include <map>
#include <string>

namespace npu::host {

/// Generated kernels and interpreter fallbacks over every test an executor ran.
struct CodegenCounts {
  int Kernels = 0;       ///< generated kernels over all tests
  int FallbackNodes = 0; ///< nodes that ran on the reference interpreter (host) or the CPU (gpu) instead
  std::map<std::string, int> FallbackOps;
};

/// --target host: every model compiled by compileHostModel and compared within the tolerances like --target
/// ref. Integer graph inputs that an operator needs at compile time (a Reshape's shape, a Slice's starts, ...)
/// are specialized to the data set's values. Summary: a line counting generated kernels and fallback nodes.
class HostExecutor : public check::Executor {
public:
  HostExecutor(const check::CheckOptions &Opts, const HostOptions &HostOpts) : Opts(Opts), HostOpts(HostOpts) {}
  check::TestResult run(const check::TestFolder &T, check::TestLog &Log) override;
  void summarize(std::ostream &OS, size_t NumTests) override;
  const CodegenCounts &counts() const { return Counts; }

private:
  check::CheckOptions Opts;
  HostOptions HostOpts;
  CodegenCounts Counts;
};

/// --target gpu: every model compiled to PTX and run on the GPU (compileGpuModel), compared within the
/// tolerances. Without a usable GPU every test is SKIP with cudaAvailable()'s reason.
class GpuExecutor : public check::Executor {
public:
  GpuExecutor(const check::CheckOptions &Opts, const GpuOptions &GpuOpts) : Opts(Opts), GpuOpts(GpuOpts) {}
  std::string skipReason() override;
  check::TestResult run(const check::TestFolder &T, check::TestLog &Log) override;
  void summarize(std::ostream &OS, size_t NumTests) override;

private:
  check::CheckOptions Opts;
  GpuOptions GpuOpts;
  CodegenCounts Counts;
};

} // namespace npu::host
