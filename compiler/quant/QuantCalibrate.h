// Calibration for post-training quantization: loading the input sets and estimating every tensor's range.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/compiler/passes/Pass.h"
#include "npu/support/Status.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace npu::passes {

/// One calibration input set: input_K.pb of a folder feeds the K-th graph input.
struct CalibSet {
  std::string Dir;
  std::vector<ir::Tensor> Inputs;
};

/// Reads the sets. A folder holding no input_0.pb but test_data_set_* subfolders contributes each of them.
/// Errors name the folder or file, and inputs whose type differs from the graph's.
Expected<std::vector<CalibSet>> loadCalibSets(const ir::Graph &G, const std::vector<std::string> &Dirs);

/// Runs G on Inputs with the reference interpreter and calls Observe for every graph input and node output.
Status runObserved(const ir::Graph &G, const std::vector<ir::Tensor> &Inputs,
                   const std::function<void(ir::ValueId, const ir::Tensor &)> &Observe);


/// For every f32 graph input and node output: the bound R of the symmetric range [-R, R] the estimator picks
/// (-1 for other values). "minmax": max |x|; "percentile": the 99.99th percentile of |x|; "entropy": the
/// threshold minimising the KL divergence between the |x| histogram and its 128-level quantization, overruled
/// by the percentile when it would clip more than 0.1% of the nonzero values (one line in Notes each);
/// "mse": the threshold minimising the expected squared error of rounding plus clipping. Signed, when given,
/// gets every f32 value's smallest and largest element over the sets (for asymmetric activations).
Expected<std::vector<double>> calibrateRanges(const ir::Graph &G, const std::vector<CalibSet> &Sets,
                                              const std::string &Method, std::vector<std::string> *Notes = nullptr,
                                              std::vector<std::pair<double, double>> *Signed = nullptr);

/// The estimators on one histogram of |x| (Bins equal bins over [0, Max]); exposed for tests.
double percentileThreshold(const std::vector<double> &Hist, double Max, double Fraction);
double entropyThreshold(const std::vector<double> &Hist, double Max);
double mseThreshold(const std::vector<double> &Hist, double Max);

} // namespace npu::passes
