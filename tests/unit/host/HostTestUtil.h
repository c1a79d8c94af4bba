// Helpers of the host-path tests: random tensors, one-node graphs, and checking the host path against the
// reference interpreter (float tolerance as the ONNX suites, integers exact).
#pragma once

#include "npu/compiler/check/Conformance.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/host/HostModel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace npu::test {

inline std::string testData(const std::string &Sub) {
  std::filesystem::path P = std::filesystem::path(NPU_TESTDATA_DIR) / Sub;
  return std::filesystem::exists(P) ? P.string() : std::string();
}

/// Options every test uses: no disk cache (tests that need one give their own temporary directory).
inline host::HostOptions testOptions() {
  host::HostOptions O;
  O.UseDiskCache = false;
  O.AllowFallback = false;
  O.Threads = 2;
  return O;
}

/// Uniform values in [Lo, Hi] converted to the element type (integers rounded).
inline ir::Tensor randomTensor(ir::ElemType E, ir::Shape Dims, uint32_t Seed, double Lo = -1, double Hi = 1) {
  std::mt19937 Rng(Seed);
  std::uniform_real_distribution<double> D(Lo, Hi);
  ir::Tensor T(E, std::move(Dims));
  for (int64_t I = 0; I < T.numElements(); ++I) {
    double V = D(Rng);
    if (!ir::isFloatType(E)) // integers: rounded and kept inside the type
      V = std::clamp(std::nearbyint(V), static_cast<double>(ir::integerTypeMin(E)),
                     static_cast<double>(ir::integerTypeMax(E)));
    T.setDouble(I, V);
  }
  return T;
}

inline ir::Tensor randomF32(ir::Shape Dims, uint32_t Seed) { return randomTensor(ir::ElemType::Float32, std::move(Dims), Seed); }

/// One operand of a test node: a graph input (fed at run time) or a constant.
struct Operand {
  ir::Tensor Data;
  bool Constant = false;
  bool Omitted = false;
};
inline Operand in(ir::Tensor T) { return Operand{std::move(T), false, false}; }
inline Operand cst(ir::Tensor T) { return Operand{std::move(T), true, false}; }
inline Operand none() { return Operand{ir::Tensor(), false, true}; }

/// Builds a graph of Op over the operands (outputs typed by running the reference once) and the feeds.
inline ir::Graph oneNode(const std::string &Op, const std::vector<Operand> &Ops, std::vector<ir::Attribute> Attrs,
                         int Outputs, std::vector<ir::Tensor> &Feeds) {
  ir::Graph G;
  G.Name = Op;
  std::vector<ir::ValueId> Ins;
  std::vector<const ir::Tensor *> Ptrs;
  for (size_t I = 0; I < Ops.size(); ++I) {
    if (Ops[I].Omitted) {
      Ins.push_back(ir::NoValue);
      Ptrs.push_back(nullptr);
      continue;
    }
    std::string Name = "in" + std::to_string(I);
    if (Ops[I].Constant) {
      Ins.push_back(G.addConstant(Name, Ops[I].Data));
    } else {
      Ins.push_back(G.addInput(Name, Ops[I].Data.type()));
      Feeds.push_back(Ops[I].Data);
    }
    Ptrs.push_back(&Ops[I].Data);
  }
  ir::Node Probe;
  Probe.OpType = Op;
  Probe.Name = "n";
  Probe.Attrs = Attrs;
  Probe.Inputs = Ins;
  for (int O = 0; O < Outputs; ++O)
    Probe.Outputs.push_back(static_cast<ir::ValueId>(1000 + O));
  auto Ref = ref::runNode(Probe, Ptrs);
  EXPECT_TRUE(Ref.isOk()) << (Ref ? "" : Ref.message());
  std::vector<ir::ValueId> Outs;
  for (int O = 0; O < Outputs && Ref; ++O)
    Outs.push_back(G.addValue("out" + std::to_string(O), (*Ref)[static_cast<size_t>(O)].type()));
  ir::Node &N = G.addNode(Op, Ins, Outs, "n");
  N.Attrs = std::move(Attrs);
  G.Outputs = Outs;
  return G;
}

/// Compiles G for the host, runs it on Feeds and compares every output with the reference interpreter.
inline void expectMatchesReference(const ir::Graph &G, const std::vector<ir::Tensor> &Feeds,
                                   const host::HostOptions &Opts = testOptions()) {
  auto Want = ref::interpret(G, Feeds);
  ASSERT_TRUE(Want.isOk()) << Want.message();
  auto M = host::compileHostModel(G, Opts);
  ASSERT_TRUE(M.isOk()) << M.message();
  auto Got = (*M)->run(Feeds);
  ASSERT_TRUE(Got.isOk()) << Got.message();
  ASSERT_EQ(Got->size(), Want->size());
  check::CheckOptions CO;
  for (size_t K = 0; K < Got->size(); ++K)
    EXPECT_EQ(check::compareTensors((*Got)[K], (*Want)[K], CO), "") << G.Name << " output " << K;
}

/// oneNode + expectMatchesReference.
inline void checkOp(const std::string &Op, const std::vector<Operand> &Ops, std::vector<ir::Attribute> Attrs = {},
                    int Outputs = 1) {
  std::vector<ir::Tensor> Feeds;
  ir::Graph G = oneNode(Op, Ops, std::move(Attrs), Outputs, Feeds);
  SCOPED_TRACE(Op);
  expectMatchesReference(G, Feeds);
}

inline ir::Attribute attr(std::string Name, ir::Attribute::Storage V) { return ir::Attribute{std::move(Name), std::move(V)}; }
inline std::vector<int64_t> ints(std::initializer_list<int64_t> L) { return std::vector<int64_t>(L); }

} // namespace npu::test
