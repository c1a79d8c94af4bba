// Helpers of the NPU backend tests: configs, compiling a graph and running it on the functional simulator.
#pragma once

#include "npu/backend/Compile.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/runtime/ModelRunner.h"

#include <gtest/gtest.h>

namespace npu::test {

inline HardwareConfig loadConfig(const std::string &Name) {
  auto C = loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/" + Name + ".yaml");
  EXPECT_TRUE(C.isOk()) << (C ? "" : C.message());
  return C.takeValue();
}

inline const std::vector<std::string> &configNames() {
  static const std::vector<std::string> Names = {"default", "edge", "large"};
  return Names;
}

/// Compiles G for C, runs it on the func device with Inputs and returns the outputs as Graph IR tensors.
inline Expected<std::vector<ir::Tensor>> compileAndRun(const ir::Graph &G, const HardwareConfig &C,
                                                       const std::vector<ir::Tensor> &Inputs,
                                                       backend::CompileResult *Keep = nullptr) {
  auto R = backend::compileModel(G, C);
  if (!R)
    return R.error();
  // Through the container, as npuc run sees it.
  auto Bytes = backend::writeModelArtifact(R->Artifact);
  if (!Bytes)
    return Bytes.error();
  auto A = backend::readModelArtifact(*Bytes, "test");
  if (!A)
    return A.error();
  std::vector<std::optional<runtime::Tensor>> In;
  for (size_t K = 0; K < Inputs.size(); ++K) {
    auto T = runtime::toRuntimeTensor(G.value(G.Inputs[K]).Name, Inputs[K]);
    if (!T)
      return T.error();
    In.push_back(T.takeValue());
  }
  runtime::FuncDevice Dev(C);
  auto O = runtime::runModel(Dev, *A, In);
  if (!O)
    return O.error();
  std::vector<ir::Tensor> Out;
  for (const runtime::Tensor &T : O->Outputs)
    Out.push_back(ir::Tensor(G.type(G.Outputs[Out.size()]).Elem, G.type(G.Outputs[Out.size()]).Dims, T.Data));
  if (Keep)
    *Keep = R.takeValue();
  return Out;
}

} // namespace npu::test
