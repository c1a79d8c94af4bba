// Helpers shared by the compiler unit tests: test data location, small tensors, naive reference loops.
#pragma once

#include "npu/compiler/ir/Tensor.h"

#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace npu::test {

/// NPU_TESTDATA_DIR/Sub, or "" when the external test data is absent.
inline std::string testData(const std::string &Sub) {
  std::filesystem::path P = std::filesystem::path(NPU_TESTDATA_DIR) / Sub;
  return std::filesystem::exists(P) ? P.string() : std::string();
}

inline ir::Tensor floats(ir::Shape Dims, const std::vector<float> &V) {
  return ir::Tensor::fromValues(ir::ElemType::Float32, std::move(Dims), V);
}

inline ir::Tensor randomFloats(ir::Shape Dims, uint32_t Seed) {
  std::mt19937 Rng(Seed);
  std::uniform_real_distribution<float> D(-1.0f, 1.0f);
  ir::Tensor T(ir::ElemType::Float32, std::move(Dims));
  for (int64_t I = 0; I < T.numElements(); ++I)
    T.data<float>()[I] = D(Rng);
  return T;
}

} // namespace npu::test
