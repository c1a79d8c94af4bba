// Conformance against stored float outputs: tolerances, the comparison, and the ref target's executor
// (`npuc check DIR... --target ref`); the runner itself is check/Runner.h.
#pragma once

#include "npu/compiler/check/Runner.h"
#include "npu/compiler/ir/Graph.h"
#include "npu/compiler/ir/Tensor.h"

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
  /// What importing and running one test may allocate (--max-memory).
  MemoryLimit Memory;
};

/// Compares one output: "" when it matches, else the first difference ("element 17: got .. expected ..").
std::string compareTensors(const ir::Tensor &Got, const ir::Tensor &Expected, const CheckOptions &Opts);

/// Compares the outputs of one data set: "" when all match, else "[set: ]output K ..." naming the first
/// difference (the set is named when the test has several).
std::string compareOutputs(const std::vector<ir::Tensor> &Got, const std::vector<ir::Tensor> &Expected,
                           const TestFolder &T, const std::filesystem::path &Set, const CheckOptions &Opts);

/// Imports T's model with the shapes of its first data set's inputs (input_K feeds the K-th graph input and
/// fixes its dynamic dims), within Limit.
Expected<ir::Graph> importForTest(const TestFolder &T, const MemoryLimit &Limit);

/// --target ref: every data set through the reference interpreter, compared within the tolerances.
class RefExecutor : public Executor {
public:
  explicit RefExecutor(const CheckOptions &Opts = {}) : Opts(Opts) {}
  TestResult run(const TestFolder &T, TestLog &Log) override;

private:
  CheckOptions Opts;
};

} // namespace npu::check
