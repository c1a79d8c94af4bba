// Helpers of the NPU backend tests: configs, compiling a graph and running it on the functional simulator.
#pragma once

#include "npu/backend/Compile.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/runtime/ModelRunner.h"

#include <gtest/gtest.h>

#include <random>

namespace npu::test {

/// A tensor of type T and shape Dims with uniform random integers in [Lo, Hi].
inline ir::Tensor randomTensor(ir::ElemType T, ir::Shape Dims, std::mt19937 &Rng, int64_t Lo, int64_t Hi) {
  ir::Tensor R(T, Dims);
  std::uniform_int_distribution<int64_t> D(Lo, Hi);
  for (int64_t I = 0; I < R.numElements(); ++I)
    R.setDouble(I, double(D(Rng)));
  return R;
}

inline HardwareConfig loadConfig(const std::string &Name) {
  auto C = loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/" + Name + ".yaml");
  EXPECT_TRUE(C.isOk()) << (C ? "" : C.message());
  return C.takeValue();
}

/// conv 3x3 (pads 1) -> maxpool 2x2 -> conv 3x3 (stride 2) on blocked int8 values with random weights, bias and
/// per-channel multipliers: one NPU segment of three layers, or (HostBetween) two NPU segments with a host
/// segment (npu.FromBlocked / npu.ToBlocked) between the pool and the second conv.
inline ir::Graph blockedConvPoolGraph(const HardwareConfig &C, std::mt19937 &Rng, bool HostBetween) {
  using ir::ElemType;
  using ir::Shape;
  const int64_t Bi = int64_t(C.BlockIn), Bo = int64_t(C.BlockOut), Blocks = 2;
  ir::Graph G;
  ir::ValueId X = G.addInput("x", ir::TensorType(ElemType::Int8, {1, 1, 12, 12, 1, Bi}));
  auto Conv = [&](ir::ValueId In, int64_t InBlocks, int64_t Stride, const std::string &Id) {
    ir::ValueId W = G.addConstant(
        "w" + Id, randomTensor(ElemType::Int8, {Blocks, InBlocks, 3, 3, Bo, Bi}, Rng, -128, 127));
    ir::ValueId B = G.addConstant("b" + Id, randomTensor(ElemType::Int32, {Blocks * Bo}, Rng, -5000, 5000));
    ir::ValueId Y = G.addValue("y" + Id, std::nullopt);
    ir::Node &N = G.addNode("npu.QConv", {In, W, B}, {Y}, "conv" + Id);
    N.setAttr("kernel_shape", Shape{3, 3});
    N.setAttr("strides", Shape{Stride, Stride});
    N.setAttr("pads", Shape{1, 1, 1, 1});
    N.setAttr("dilations", Shape{1, 1});
    N.setAttr("group", int64_t(1));
    N.setAttr("layout", std::string("blocked"));
    std::vector<int64_t> Ms;
    std::uniform_int_distribution<int64_t> M(int64_t(1) << 29, (int64_t(1) << 31) - 1);
    for (int64_t K = 0; K < Blocks * Bo; ++K)
      Ms.push_back(M(Rng));
    N.setAttr("multiplier", Ms);
    N.setAttr("shift", int64_t(40));
    N.setAttr("x_zero_point", int64_t(0));
    N.setAttr("y_zero_point", int64_t(2));
    N.setAttr("act_min", int64_t(-128));
    N.setAttr("act_max", int64_t(127));
    return Y;
  };
  ir::ValueId A = Conv(X, 1, 1, "1");
  ir::ValueId P = G.addValue("p", std::nullopt);
  ir::Node &Pool = G.addNode("npu.MaxPool", {A}, {P}, "pool");
  Pool.setAttr("kernel_shape", Shape{2, 2});
  Pool.setAttr("strides", Shape{2, 2});
  Pool.setAttr("pads", Shape{0, 0, 0, 0});
  Pool.setAttr("ceil_mode", int64_t(0));
  Pool.setAttr("layout", std::string("blocked"));
  if (HostBetween) {
    ir::ValueId L = G.addValue("logical", std::nullopt);
    G.addNode("npu.FromBlocked", {P}, {L}, "from_blocked").setAttr("shape", Shape{1, Blocks * Bo, 6, 6});
    P = G.addValue("reblocked", std::nullopt);
    ir::Node &To = G.addNode("npu.ToBlocked", {L}, {P}, "to_blocked");
    To.setAttr("block_n", int64_t(1));
    To.setAttr("block_c", Bi);
    To.setAttr("pad_value", int64_t(0));
  }
  G.Outputs = {Conv(P, Blocks * Bo / Bi, 2, "2")};
  passes::PassOptions Opts;
  EXPECT_TRUE(passes::runPipeline(G, {"shape-inference"}, Opts, passes::PipelineOptions()).isOk());
  EXPECT_TRUE(ir::verifyGraph(G).isOk());
  return G;
}

inline const std::vector<std::string> &configNames() {
  static const std::vector<std::string> Names = {"default", "edge", "large"};
  return Names;
}

/// Compiles G for C (with options Opts), runs it on the func device with Inputs through the artifact container
/// and returns the outputs as Graph IR tensors.
inline Expected<std::vector<ir::Tensor>> compileAndRun(const ir::Graph &G, const HardwareConfig &C,
                                                       const std::vector<ir::Tensor> &Inputs,
                                                       backend::CompileResult *Keep = nullptr,
                                                       const backend::CompileOptions &Opts = {}) {
  auto R = backend::compileModel(G, C, Opts);
  if (!R)
    return R.error();
  // Through the container, as npuc run sees it.
  auto Bytes = backend::writeModelArtifact(R->Artifact);
  if (!Bytes)
    return Bytes.error();
  auto A = backend::readModelArtifact(*Bytes, "test");
  if (!A)
    return A.error();
  std::vector<std::optional<ir::NamedTensor>> In;
  for (size_t K = 0; K < Inputs.size(); ++K)
    In.push_back(ir::NamedTensor{G.value(G.Inputs[K]).Name, Inputs[K]});
  runtime::FuncDevice Dev(C);
  auto O = runtime::runModel(Dev, *A, In);
  if (!O)
    return O.error();
  std::vector<ir::Tensor> Out;
  for (const ir::NamedTensor &T : O->Outputs)
    Out.push_back(
        ir::Tensor(G.type(G.Outputs[Out.size()]).Elem, G.type(G.Outputs[Out.size()]).Dims, T.Data.byteVector()));
  if (Keep)
    *Keep = R.takeValue();
  return Out;
}

/// DIR/model.onnx through the npu pipeline for C (quantized with calibration on DIR's data sets Calib).
inline Expected<ir::Graph> loadQuantizedModel(const std::string &Dir, const HardwareConfig &C,
                                             const std::vector<int> &Calib = {0}) {
  auto G = frontend::loadModel(Dir + "/model.onnx");
  if (!G)
    return G.error();
  passes::PassOptions Opts;
  Opts.Config = &C;
  for (int S : Calib)
    Opts.CalibDirs.push_back(Dir + "/test_data_set_" + std::to_string(S));
  passes::PipelineOptions Pipe;
  NPU_TRY(passes::runPipeline(*G, passes::defaultPipeline("npu"), Opts, Pipe));
  return G.takeValue();
}

/// A plain (unblocked) test graph run both ways: the interpreter on the graph itself, and the layout pass for
/// C, the NPU backend and the func simulator; Expected and Got are their outputs for the same random input.
struct PlainGraphRun {
  std::vector<ir::Tensor> Expected, Got;
  backend::CompileResult R;
};
inline Expected<PlainGraphRun> runPlainGraph(ir::Graph &G, const HardwareConfig &C, std::mt19937 &Rng) {
  passes::PassOptions Opts;
  passes::PipelineOptions Pipe;
  NPU_TRY(passes::runPipeline(G, {"shape-inference"}, Opts, Pipe));
  NPU_TRY(ir::verifyGraph(G));
  ir::Tensor X = randomTensor(ir::ElemType::Int8, G.type(G.Inputs[0]).Dims, Rng, -128, 127);
  PlainGraphRun Run;
  auto Ref = ref::interpret(G, {X});
  if (!Ref)
    return Ref.error();
  Run.Expected = Ref.takeValue();
  ir::Graph L = G;
  Opts.Config = &C;
  NPU_TRY(passes::runPipeline(L, {"layout"}, Opts, Pipe));
  auto Got = compileAndRun(L, C, {X}, &Run.R);
  if (!Got)
    return Got.error();
  Run.Got = Got.takeValue();
  return Run;
}

} // namespace npu::test
