// ONNX backend-test conformance runner for the reference interpreter (`npuc check DIR... --target ref`).
#pragma once

#include "npu/compiler/ir/Tensor.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace npu::check {

/// Tolerances: |got - expected| <= Atol + Rtol * |expected|. Integers and bools compare exactly.
struct Tolerance {
  double Rtol, Atol;
};

struct CheckOptions {
  Tolerance Float32{1e-3, 1e-7}; ///< float32 and float64, as upstream ONNX uses
  Tolerance Float16{4e-3, 1e-5}; ///< float16: a few half-precision ulps, as results round to half per op
  Tolerance BFloat16{2e-2, 1e-5};
  /// Only tests whose folder name contains this string run (empty: all).
  std::string Filter;
  /// Print only FAIL lines and the summary.
  bool Quiet = false;
};

struct CheckCounts {
  int Passed = 0, Failed = 0, Unsupported = 0;
};

/// Finds the test folders (a folder with model.onnx, or any folder below one of Dirs), runs each data set
/// through the ONNX importer and the reference interpreter and compares with output_K.pb. Prints one line per
/// test ("PASS name", "FAIL name: why", "UNSUPPORTED name: why") and then "N passed, N failed, N
/// unsupported".
CheckCounts runCheckCounts(const std::vector<std::string> &Dirs, const CheckOptions &Opts, std::ostream &OS);

/// runCheckCounts, as an exit status: 0 when no test failed and at least one ran.
int runCheck(const std::vector<std::string> &Dirs, const CheckOptions &Opts, std::ostream &OS);

/// Compares one output: "" when it matches, else the first difference ("element 17: got .. expected ..").
std::string compareTensors(const ir::Tensor &Got, const ir::Tensor &Expected, const CheckOptions &Opts);

} // namespace npu::check
