// Compiled models for the SystemC benchmarks: an ONNX model from ../shared/testdata compiled through the
// compiler library for a config, run once on the functional simulator to capture the DRAM image each NPU
// segment starts from (with its inputs bound), so the segments can be timed alone.
#pragma once

#include "npu/backend/Artifact.h"
#include "npu/support/Status.h"

#include <memory>
#include <string>
#include <vector>

namespace npubench {

struct ModelSegment {
  std::string Name;
  const npu::isa::Program *P = nullptr; ///< inside the model's artifact
  std::vector<uint8_t> Dram;            ///< the segment's DRAM image with its inputs written
};

struct CompiledModel {
  std::string Name;
  std::unique_ptr<npu::backend::ModelArtifact> Artifact; ///< stable address: Segments point into it
  std::vector<ModelSegment> Segments;                    ///< the NPU segments, in execution order
  double CompileSeconds = 0;                             ///< frontend, passes and NPU backend
};

/// The models the benches use: (name, folder under the test data), mnist-8 and light ResNet-50.
std::vector<std::pair<std::string, std::string>> benchModels();

/// Compiles Dir/model.onnx for C (the "npu" pipeline, calibrated on Dir/test_data_set_0) and captures its NPU
/// segments' input images by running it on the functional simulator with test_data_set_0's inputs.
npu::Expected<CompiledModel> compileBenchModel(const std::string &Name, const std::string &Dir,
                                               const npu::HardwareConfig &C);

/// "" when Got is the final DRAM the functional simulator (the bit-exact reference) leaves running P from
/// Start, else its error or the first differing byte.
std::string funcDifference(const npu::isa::Program &P, const std::vector<uint8_t> &Start,
                           const std::vector<uint8_t> &Got);

} // namespace npubench
