// ONNX backend-test conformance for the host path (`npuc check DIR... --target host`).
#pragma once

#include "npu/compiler/check/Conformance.h"
#include "npu/host/HostModel.h"

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace npu::host {

struct HostCheckCounts : check::CheckCounts {
  int Kernels = 0;                    ///< generated kernels over all tests
  int FallbackNodes = 0;              ///< nodes that ran on the reference interpreter instead
  std::map<std::string, int> FallbackOps;
};

/// Like check::runCheckCounts, with every model compiled by compileHostModel. Integer graph inputs that an
/// operator needs at compile time (a Reshape's shape, a Slice's starts, ...) are specialized to the data set's
/// values. Prints "PASS/FAIL/UNSUPPORTED name" lines, then "N passed, N failed, N unsupported" and a line
/// counting generated kernels and fallback nodes.
HostCheckCounts runHostCheckCounts(const std::vector<std::string> &Dirs, const check::CheckOptions &Opts,
                                   const HostOptions &HostOpts, std::ostream &OS);

/// runHostCheckCounts as an exit status: 0 when no test failed and at least one ran.
int runHostCheck(const std::vector<std::string> &Dirs, const check::CheckOptions &Opts, const HostOptions &HostOpts,
                 std::ostream &OS);

} // namespace npu::host
