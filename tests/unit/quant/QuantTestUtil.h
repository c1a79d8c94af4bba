// Helpers of the quantization tests: test data, an independent integer requantization, graph building.
#pragma once


#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ir/Graph.h"
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/config/HardwareConfig.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

namespace npu::qtest {

/// NPU_TESTDATA_DIR/Sub, or "" when the external test data is absent.
inline std::string testData(const std::string &Sub) {
  std::filesystem::path P = std::filesystem::path(NPU_TESTDATA_DIR) / Sub;
  return std::filesystem::exists(P) ? P.string() : std::string();
}

inline std::string configPath(const std::string &Name) {
  return (std::filesystem::path(NPU_SOURCE_DIR) / "configs" / (Name + ".yaml")).string();
}

/// floor(A / B) for B > 0, in integers only.
inline int64_t floorDiv(int64_t A, int64_t B) { return A / B - ((A % B != 0) && (A < 0)); }

/// The requantization of docs/quantization.md written independently of the code under test:
/// round-half-up of Acc * M / 2^S as a floor division, plus the zero point, saturated, then clamped.
inline int64_t expectRequant(int64_t Acc, int64_t M, int S, int64_t Zp, int64_t Lo, int64_t Hi,
                             int64_t ActMin, int64_t ActMax) {
  __int128 P = __int128(Acc) * M; // exact
  __int128 Den = __int128(1) << S;
  __int128 Num = 2 * P + Den; // floor((P + Den/2) / Den) = floor((2P + Den) / (2 Den))
  __int128 Q = Num / (2 * Den) - ((Num % (2 * Den) != 0) && (Num < 0));
  int64_t R = int64_t(Q) + Zp;
  R = std::clamp(R, Lo, Hi);
  return std::clamp(R, ActMin, ActMax);
}

/// A tensor of element type E (an integer type) with uniform random values in [Lo, Hi].
inline ir::Tensor randomIntegers(ir::ElemType E, ir::Shape Dims, uint32_t Seed, int Lo, int Hi) {
  std::mt19937 Rng(Seed);
  std::uniform_int_distribution<int> D(Lo, Hi);
  ir::Tensor T(E, std::move(Dims));
  for (int64_t I = 0; I < T.numElements(); ++I)
    T.setDouble(I, double(D(Rng)));
  return T;
}

inline ir::Tensor randomInt8(ir::Shape Dims, uint32_t Seed, int Lo = -128, int Hi = 127) {
  return randomIntegers(ir::ElemType::Int8, std::move(Dims), Seed, Lo, Hi);
}

inline ir::Tensor randomInt16(ir::Shape Dims, uint32_t Seed, int Lo = -32768, int Hi = 32767) {
  return randomIntegers(ir::ElemType::Int16, std::move(Dims), Seed, Lo, Hi);
}

inline ir::Tensor randomInt32(ir::Shape Dims, uint32_t Seed, int Lo, int Hi) {
  return randomIntegers(ir::ElemType::Int32, std::move(Dims), Seed, Lo, Hi);
}

inline ir::Tensor randomFloats(ir::Shape Dims, uint32_t Seed, float Lo = -1, float Hi = 1) {
  std::mt19937 Rng(Seed);
  std::uniform_real_distribution<float> D(Lo, Hi);
  ir::Tensor T(ir::ElemType::Float32, std::move(Dims));
  for (int64_t I = 0; I < T.numElements(); ++I)
    T.data<float>()[I] = D(Rng);
  return T;
}

/// N single-input sets of uniform floats in [Lo, Hi), seeds Seed, Seed + 1, ...
inline std::vector<std::vector<ir::Tensor>> randomInputSets(int N, uint32_t Seed, const ir::Shape &Dims,
                                                            float Lo, float Hi) {
  std::vector<std::vector<ir::Tensor>> Sets;
  for (int K = 0; K < N; ++K)
    Sets.push_back({randomFloats(Dims, Seed + uint32_t(K), Lo, Hi)});
  return Sets;
}

inline HardwareConfig loadConfig(const std::string &Name) {
  auto C = loadHardwareConfig(configPath(Name));
  EXPECT_TRUE(C.isOk()) << (C ? "" : C.message());
  return C.takeValue();
}

inline int countOps(const ir::Graph &G, const std::string &Op) {
  return int(
      std::count_if(G.nodes().begin(), G.nodes().end(), [&](const ir::Node &N) { return N.OpType == Op; }));
}

/// Attributes for addOp: a list of ints, one int.
inline ir::Attribute ints(const std::string &N, ir::Shape V) { return {N, V}; }
inline ir::Attribute i64(const std::string &N, int64_t V) { return {N, V}; }

/// Appends Op(Ins){Attrs} to G with its inferred output type; returns the output.
inline ir::ValueId addOp(ir::Graph &G, const std::string &Op, std::vector<ir::ValueId> Ins,
                         std::vector<ir::Attribute> Attrs = {}) {
  ir::Node N;
  N.OpType = Op;
  N.Inputs = Ins;
  N.Outputs = {0};
  N.Attrs = Attrs;
  std::vector<const ir::TensorType *> Types;
  std::vector<const ir::Tensor *> Values;
  for (ir::ValueId In : Ins) {
    Types.push_back(In == ir::NoValue ? nullptr : &*G.value(In).Type);
    Values.push_back(In == ir::NoValue ? nullptr : G.value(In).Data.get());
  }
  auto T = ir::inferNodeTypes(*ir::findOp(Op), ir::InferContext(N, Types, Values));
  EXPECT_TRUE(T.isOk()) << Op << ": " << (T ? "" : T.message());
  ir::ValueId Out = G.addValue(G.uniqueName("t"), (*T)[0]);
  G.addNode(Op, Ins, {Out}, "n" + std::to_string(G.nodes().size())).Attrs = Attrs;
  return Out;
}

/// Removes the folders tempDir() made when the test program ends.
struct TempDirs {
  std::vector<std::filesystem::path> Made;
  ~TempDirs() {
    for (const auto &P : Made) {
      std::error_code EC;
      std::filesystem::remove_all(P, EC);
    }
  }
};
inline TempDirs MadeTempDirs;

/// A fresh empty folder under the system temp folder.
inline std::string tempDir(const std::string &Name) {
  auto P = std::filesystem::temp_directory_path() / ("npu_quant_" + Name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(P);
  std::filesystem::create_directories(P);
  MadeTempDirs.Made.push_back(P);
  return P.string();
}

/// Writes each input set as Dir/set_K/input_J.pb and returns the set folders.
inline std::vector<std::string> writeSets(const std::string &Dir,
                                          const std::vector<std::vector<ir::Tensor>> &Sets) {
  std::vector<std::string> Dirs;
  for (size_t K = 0; K < Sets.size(); ++K) {
    auto D = std::filesystem::path(Dir) / ("set_" + std::to_string(K));
    std::filesystem::create_directories(D);
    for (size_t J = 0; J < Sets[K].size(); ++J)
      EXPECT_TRUE(frontend::writeTensorProtoFile((D / ("input_" + std::to_string(J) + ".pb")).string(),
                                                 "in" + std::to_string(J), Sets[K][J])
                      .isOk());
    Dirs.push_back(D.string());
  }
  return Dirs;
}

/// Runs the named passes on G.
inline Status runPasses(ir::Graph &G, const std::vector<std::string> &Passes,
                        const passes::PassOptions &Opts) {
  return passes::runPipeline(G, Passes, Opts, passes::PipelineOptions{});
}

/// SQNR (dB) of Got against Ref: signal power over error power.
inline double sqnrOf(const ir::Tensor &Ref, const ir::Tensor &Got) {
  double S = 0, N = 0;
  for (int64_t I = 0; I < Ref.numElements(); ++I) {
    const double D = Ref.getDouble(I) - Got.getDouble(I);
    S += Ref.getDouble(I) * Ref.getDouble(I), N += D * D;
  }
  return 10 * std::log10(S / N);
}

/// Runs the float pipeline passes that feed quantize (shape inference, fuse: Relu is fused), then Passes, with
/// the calibration sets Calib.
inline ir::Graph compileWith(ir::Graph G, const std::vector<std::string> &Passes,
                             const std::vector<std::string> &Calib) {
  passes::PassOptions Opts;
  Opts.CalibDirs = Calib;
  std::vector<std::string> All = {"shape-inference", "fuse"};
  All.insert(All.end(), Passes.begin(), Passes.end());
  Status S = runPasses(G, All, Opts);
  EXPECT_TRUE(S.isOk()) << S.message();
  return G;
}

/// Mean output SQNR (dB) against the float graph Base over HeldOut input sets, quantized without and with the
/// equalize pass (both calibrated on Calib); checks on the way that equalize keeps the float function.
struct EqualizeGain {
  double Plain = 0, Equalized = 0;
};
inline EqualizeGain measureEqualize(const ir::Graph &Base, const std::vector<std::string> &Calib,
                                    const std::vector<std::vector<ir::Tensor>> &HeldOut) {
  const ir::Graph Eq = compileWith(Base, {"equalize"}, Calib);
  const ir::Graph Q0 = compileWith(Base, {"quantize"}, Calib);
  const ir::Graph Q1 = compileWith(Base, {"equalize", "quantize"}, Calib);
  EqualizeGain R;
  for (const auto &In : HeldOut) {
    auto F = ref::interpret(Base, In), E = ref::interpret(Eq, In);
    auto A = ref::interpret(Q0, In), B = ref::interpret(Q1, In);
    EXPECT_TRUE(F.isOk() && E.isOk() && A.isOk() && B.isOk());
    if (!F.isOk() || !E.isOk() || !A.isOk() || !B.isOk())
      return R;
    EXPECT_GT(sqnrOf((*F)[0], (*E)[0]), 100); // the same function up to float rounding
    R.Plain += sqnrOf((*F)[0], (*A)[0]) / double(HeldOut.size());
    R.Equalized += sqnrOf((*F)[0], (*B)[0]) / double(HeldOut.size());
  }
  return R;
}

} // namespace npu::qtest
