// ModelRunner: runs a model artifact's segments in order, NPU segments on a Device and host segments on the
// reference interpreter, passing values between them by name.
#pragma once

#include "npu/backend/Artifact.h"
#include "npu/runtime/Device.h"
#include "npu/runtime/Tensor.h"

#include <optional>
#include <string>
#include <vector>

namespace npu::runtime {

struct SegmentRun {
  std::string Name;
  bool Npu = false;
  sim::SimStats Stats; ///< NPU segments
};

struct ModelOutcome {
  std::vector<Tensor> Outputs; ///< one per model output, in order
  std::vector<SegmentRun> Segments;
  sim::SimStats Total; ///< NPU statistics summed over the segments
  std::string Report;  ///< device reports of the NPU segments, concatenated
};

/// Runs A with Inputs[K] feeding model input K (or the input named like the tensor). Every input is required.
Expected<ModelOutcome> runModel(Device &D, const backend::ModelArtifact &A,
                                const std::vector<std::optional<Tensor>> &Inputs);

/// Converts between runtime tensors and Graph IR tensors (same bytes, same shape).
Expected<Tensor> toRuntimeTensor(const std::string &Name, const ir::Tensor &T);

} // namespace npu::runtime
