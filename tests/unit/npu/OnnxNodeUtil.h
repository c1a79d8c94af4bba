// The operator tests of ../shared/testdata that can reach the NPU (onnx-node and onnx-pytorch's converted
// ones), and each one prepared for the NPU path: weights frozen to constants, quantized with its own input.
// Shared by the NPU backend's operator test (func vs the reference interpreter) and the RTL's (func, SystemC
// and RTL on every NPU segment).
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/config/HardwareConfig.h"
#include "npu/support/Status.h"

#include <string>
#include <vector>

namespace npu::test {

/// Test folders (relative to NPU_TESTDATA_DIR, "onnx-node/test_conv_..." or
/// "onnx-pytorch/pytorch-converted/test_Conv2d_...") whose operator can reach the NPU after quantization and
/// whose data is float, in INDEX.tsv order. Without the test data: one entry, "onnx-node/absent", whose
/// preparation skips with the reason.
std::vector<std::string> onnxNodeCandidates();

/// A gtest-safe name of a candidate: its folder name, prefixed "pytorch_" for the converted PyTorch tests.
std::string onnxNodeCaseName(const std::string &Test);

/// A candidate ready for the NPU path.
struct OnnxNodeModel {
  ir::Graph G;                    ///< quantized by the "npu" pipeline for the config; weights are constants
  std::vector<ir::Tensor> Inputs; ///< test_data_set_0's inputs that stay graph inputs, in graph order
  std::string Skip;               ///< non-empty: why the test does not reach the NPU path (G is then unset)
};

/// Loads Test (a candidate), freezes the inputs that only feed weight positions (the NPU path needs them
/// constant) and quantizes the graph for C, calibrated on its own inputs (copied, renumbered, under
/// ScratchDir). Absent data, a model the importer refuses and a graph the pipeline cannot quantize are
/// skips (OnnxNodeModel::Skip); unreadable or mismatched input files are errors.
Expected<OnnxNodeModel> prepareOnnxNodeTest(const std::string &Test, const HardwareConfig &C,
                                            const std::string &ScratchDir);

/// How many candidates compile to at least one NPU segment on C: the floor under the parameterized suites,
/// so that a change turning their runs into skips fails.
size_t onnxNodeTestsWithNpuSegments(const HardwareConfig &C, const std::string &ScratchDir);

} // namespace npu::test
