// Runs each program in examples/asm/ on the functional simulator and compares with examples/reference.
#include "ExampleReference.h"
#include "npu/compiler/ir/Compare.h"
#include "npu/isa/Assembler.h"
#include "npu/runtime/Binding.h"
#include "npu/runtime/Device.h"
#include "npu/runtime/Runner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

using namespace npu;

namespace {

HardwareConfig defaultConfig() {
  auto C = loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/default.yaml");
  EXPECT_TRUE(C) << C.message();
  return *C;
}

std::string examplePath(const std::string &Name) { return std::string(NPU_SOURCE_DIR) + "/examples/asm/" + Name + ".s"; }

class Examples : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST(Examples, EveryExampleHasAReference) {
  std::vector<std::string> Known = examples::knownExamples();
  int Count = 0;
  for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/examples/asm")) {
    if (E.path().extension() != ".s")
      continue;
    ++Count;
    EXPECT_NE(std::find(Known.begin(), Known.end(), E.path().stem().string()), Known.end())
        << E.path() << " has no reference in examples/reference";
  }
  EXPECT_GE(Count, 3);
}

TEST_P(Examples, MatchesPlainCppReference) {
  HardwareConfig C = defaultConfig();
  auto P = isa::assembleFile(examplePath(GetParam()), C);
  ASSERT_TRUE(P) << P.message();
  auto Dev = runtime::makeDevice("func", C);
  ASSERT_TRUE(Dev) << Dev.message();
  auto Expected = examples::referenceForProgram(*P);
  ASSERT_TRUE(Expected) << Expected.message();
  auto Run = runtime::runProgram(**Dev, *P, {});
  ASSERT_TRUE(Run) << Run.message();
  ASSERT_EQ(Run->Outputs.size(), Expected->size());
  for (size_t K = 0; K < Expected->size(); ++K) {
    auto R = ir::compareTensors(Run->Outputs[K].Data, (*Expected)[K].Data);
    EXPECT_TRUE(R.Match) << GetParam() << " output " << K << ": " << R.summary();
  }
  EXPECT_GT(Run->Result.Stats.Instructions, 0u);
}

TEST_P(Examples, MatchesReferenceOnFreshRandomInputs) {
  // The embedded .random data is one draw; feed other inputs through the bindings to widen the check.
  HardwareConfig C = defaultConfig();
  auto P = isa::assembleFile(examplePath(GetParam()), C);
  ASSERT_TRUE(P) << P.message();
  auto Dram = P->dramImage();
  ASSERT_TRUE(Dram);
  std::mt19937 Rng(1234);
  std::vector<std::optional<ir::NamedTensor>> Inputs;
  std::vector<ir::Tensor> Plain;
  for (const isa::TensorBinding *B : runtime::inputBindings(*P)) {
    auto T = runtime::readBinding(*B, *Dram);
    ASSERT_TRUE(T);
    // Re-draw every byte of the tensor's payload; int32 inputs keep their scale by drawing small values.
    if (T->Data.elemType() == ir::ElemType::Int32) {
      auto V = T->Data.values<int32_t>();
      for (int32_t &X : V)
        X = int32_t(Rng() % 2000001) - 1000000;
      if (B->Name == "M") // the requant example's per-channel multipliers must stay positive and large
        for (int32_t &X : V)
          X = int32_t(Rng() % (1u << 30)) + (1 << 20);
      T->Data = ir::Tensor::of(B->Shape, V);
    } else {
      for (size_t I = 0; I < T->Data.byteSize(); ++I)
        T->Data.bytes()[I] = uint8_t(Rng());
    }
    Plain.push_back(T->Data);
    Inputs.push_back(*T);
  }
  std::string Name;
  for (auto &[K, V] : P->Meta)
    if (K == "example")
      Name = V;
  auto Expected = examples::referenceOutputs(Name, Plain);
  ASSERT_TRUE(Expected) << Expected.message();
  auto Dev = runtime::makeDevice("func", C);
  ASSERT_TRUE(Dev);
  auto Run = runtime::runProgram(**Dev, *P, Inputs);
  ASSERT_TRUE(Run) << Run.message();
  for (size_t K = 0; K < Expected->size(); ++K) {
    auto R = ir::compareTensors(Run->Outputs[K].Data, (*Expected)[K].Data);
    EXPECT_TRUE(R.Match) << GetParam() << " output " << K << ": " << R.summary();
  }
}

INSTANTIATE_TEST_SUITE_P(All, Examples, ::testing::Values("matmul_tiled", "requant", "pipelined", "conv3x3", "lut"));
