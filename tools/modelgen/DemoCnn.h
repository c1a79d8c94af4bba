// The project's own demo network: a small image classifier written as ONNX with fixed-seed weights, plus
// input sets and their fp32 reference outputs in the ONNX backend-test layout. It needs no external data.
#pragma once

#include "npu/support/Status.h"

#include <cstdint>
#include <string>

namespace npu::modelgen {

struct DemoCnnOptions {
  uint64_t Seed = 20261124; ///< weights and inputs derive from it; the same seed gives the same bytes
  int Sets = 6;             ///< test_data_set_0 .. test_data_set_{Sets-1}
};

/// Writes Dir/model.onnx and Dir/test_data_set_K/input_0.pb (a 1x3x32x32 float image) and output_0.pb (the
/// reference interpreter's fp32 class probabilities, 1x10). The network: conv3x3+bias+ReLU, 2x2 max pool,
/// a residual block (two conv3x3, add, ReLU), a stride-2 conv3x3+ReLU, global average pool, flatten, gemm and
/// softmax. Weights are He-uniform so activations keep their scale through the layers. Returns a summary
/// (layers, sizes, the fp32 top-1 class of each set).
Expected<std::string> writeDemoCnn(const std::string &Dir, const DemoCnnOptions &Opts);

} // namespace npu::modelgen
