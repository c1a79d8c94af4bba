// Comparing a computed tensor with a reference: exact for integers, rtol/atol for floats. The one comparer of
// the project: the conformance runner (check/) and the runtime (npuc run --compare, the tests) both use it.
#pragma once

#include "npu/compiler/ir/Tensor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace npu::ir {

struct CompareResult {
  bool Match = false;
  /// Why the tensors could not be compared element by element (element type or shape differ); else empty.
  std::string Problem;
  uint64_t Elements = 0;
  uint64_t Mismatches = 0;
  double MaxAbsError = 0; ///< over all elements (infinite where a NaN or infinity meets a finite value)
  std::optional<uint64_t> FirstMismatch;   ///< flat (row-major) index
  std::vector<int64_t> FirstMismatchIndex; ///< the same as a multi-index of the expected shape
  double FirstActual = 0, FirstExpected = 0;
  bool IsFloat = false;

  /// "match (640 elements)", or what differs: "3 of 640 elements differ (max abs error 2); first at [0,5]:
  /// got 4, expected 6", or the Problem.
  std::string summary() const;
};

/// Integers (and bools) must be equal; floating-point elements match when |a - e| <= Atol + Rtol * |e| (NaN
/// matches NaN, an infinity only the same infinity). Element types must be equal; shapes equal up to leading
/// dimensions of 1.
CompareResult compareTensors(const Tensor &Actual, const Tensor &Expected, double Rtol = 1e-3, double Atol = 1e-7);

/// True when the shapes are equal once leading dimensions of 1 are dropped from both ([1,20,32] ~ [20,32]).
bool sameShapeIgnoringLeadingOnes(const Shape &A, const Shape &B);

} // namespace npu::ir
