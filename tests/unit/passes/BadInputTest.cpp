// Damaged input (issue 3, point 6) through importer, verifier and passes: ONNX graphs with cycles, missing
// inputs and shape mismatches give errors naming the node; bit-flipped and truncated models and mutated Graph
// IR text either fail with a message or come out of the pipeline verified; never a crash or hang.
#include "../compiler/OnnxBuilder.h"
#include "PassTestUtil.h"
#include "npu/compiler/ir/Verifier.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

using namespace npu;
using test::OnnxBuilder;
namespace fs = std::filesystem;

namespace {

void expectErrorWith(const Expected<ir::Graph> &G, const std::vector<std::string> &Parts) {
  ASSERT_FALSE(G.isOk()) << "expected an error";
  for (const std::string &P : Parts)
    EXPECT_NE(G.message().find(P), std::string::npos) << G.message();
}

std::string readFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::stringstream SS;
  SS << In.rdbuf();
  return SS.str();
}

/// Conv + BN + Relu + Gemm: every pass has something to do on it.
std::string ownModelBytes() {
  OnnxBuilder B(13);
  B.input("x", test::OnnxFloat, {1, 1, 5, 5});
  B.initializer("w", std::vector<float>(18, 0.5f), {2, 1, 3, 3});
  for (const char *P : {"s", "b", "m", "v"})
    B.initializer(P, {1.0f, 2.0f}, {2});
  B.initializer("fc", std::vector<float>(18 * 4, 0.25f), {18, 4});
  B.initializerInts("shape", {1, 18});
  B.node("Conv", {"x", "w"}, {"c"}, "conv");
  B.node("BatchNormalization", {"c", "s", "b", "m", "v"}, {"n"}, "bn");
  B.node("Relu", {"n"}, {"r"}, "relu");
  B.node("Reshape", {"r", "shape"}, {"f"}, "flat");
  B.node("MatMul", {"f", "fc"}, {"y"}, "fc");
  B.output("y");
  return B.bytes();
}

/// A damaged model must fail to import, or import, pass through the pipeline verified and run.
void importAndOptimize(const std::string &Bytes, const std::string &What) {
  auto G = frontend::importOnnxBytes(Bytes, {}, "", What);
  if (!G) {
    EXPECT_FALSE(G.message().empty());
    return;
  }
  Status S = test::runPasses(*G, test::floatPipeline());
  if (!S) {
    EXPECT_FALSE(S.message().empty());
    return;
  }
  EXPECT_TRUE(ir::verifyGraph(*G).isOk()) << What;
}

} // namespace

TEST(BadInput, OnnxCycleIsAnErrorNamingTheNode) {
  OnnxBuilder B(13);
  B.input("x", test::OnnxFloat, {2});
  B.node("Add", {"x", "b"}, {"a"}, "first");
  B.node("Relu", {"a"}, {"b"}, "second");
  B.output("b");
  expectErrorWith(B.import(), {"test.onnx", "first"});
}

TEST(BadInput, OnnxMissingRequiredInput) {
  OnnxBuilder B(13);
  B.input("x", test::OnnxFloat, {1, 1, 3, 3});
  B.node("Conv", {"x"}, {"y"}, "lonely_conv");
  B.output("y");
  expectErrorWith(B.import(), {"lonely_conv", "Conv"});
  OnnxBuilder E(13);
  E.input("x", test::OnnxFloat, {1, 1, 3, 3});
  E.node("Conv", {"x", ""}, {"y"}, "empty_weights");
  E.output("y");
  expectErrorWith(E.import(), {"empty_weights", "Conv takes 2"});
}

TEST(BadInput, OnnxShapeMismatchNamesTheNode) {
  OnnxBuilder B(13);
  B.input("x", test::OnnxFloat, {2, 3});
  B.input("z", test::OnnxFloat, {4});
  B.node("Add", {"x", "z"}, {"y"}, "bad_add");
  B.output("y");
  expectErrorWith(B.import(), {"bad_add", "broadcast"});
  OnnxBuilder M(13);
  M.input("x", test::OnnxFloat, {2, 3});
  M.initializer("w", std::vector<float>(8, 1.0f), {4, 2});
  M.node("MatMul", {"x", "w"}, {"y"}, "bad_matmul");
  M.output("y");
  expectErrorWith(M.import(), {"bad_matmul"});
}

TEST(BadInput, TruncatedAndBitFlippedModelsThroughThePipeline) {
  std::vector<std::string> Models = {ownModelBytes()};
  if (std::string Dir = test::passTestData("models/mnist-8"); !Dir.empty())
    Models.push_back(readFile(Dir + "/model.onnx"));
  std::mt19937 Rng(4321);
  for (const std::string &Model : Models) {
    importAndOptimize(Model, "intact");
    for (size_t Len = 0; Len < Model.size(); Len += 1 + Len / 6)
      importAndOptimize(Model.substr(0, Len), std::string("cut to ") + std::to_string(Len));
    for (int I = 0; I < 200; ++I) {
      std::string Bytes = Model;
      for (int F = 0; F <= I % 4; ++F)
        Bytes[Rng() % Bytes.size()] ^= static_cast<char>(1u << (Rng() % 8));
      importAndOptimize(Bytes, std::string("flip ") + std::to_string(I));
    }
  }
}

TEST(BadInput, MutatedGraphTextThroughShapeInferenceAndThePipeline) {
  // What `npuc opt FILE.graph --passes=shape-inference,...` does: parse without the verifier, infer types,
  // verify, run the rest. Mutations of the golden inputs hit every pass with odd but parseable graphs.
  std::vector<std::string> Texts;
  for (const auto &E : fs::recursive_directory_iterator(fs::path(NPU_SOURCE_DIR) / "tests" / "golden"))
    if (E.path().extension() == ".graph")
      Texts.push_back(readFile(E.path().string()));
  ASSERT_FALSE(Texts.empty());
  std::vector<std::string> Passes = {"shape-inference"};
  for (const std::string &P : test::floatPipeline())
    if (P != "shape-inference")
      Passes.push_back(P);
  std::mt19937 Rng(77);
  int Parsed = 0;
  for (int I = 0; I < 3000; ++I) {
    std::vector<std::string> Lines;
    std::stringstream SS(Texts[Rng() % Texts.size()]);
    for (std::string L; std::getline(SS, L);)
      Lines.push_back(L);
    size_t A = Rng() % Lines.size(), B = Rng() % Lines.size();
    switch (Rng() % 4) {
    case 0: // drop a line (a definition, an input, the output line)
      Lines.erase(Lines.begin() + long(A));
      break;
    case 1: // swap two lines (use before definition)
      std::swap(Lines[A], Lines[B]);
      break;
    case 2: { // replace a digit (shapes, attribute values, data)
      size_t P = Lines[A].find_first_of("0123456789");
      if (P != std::string::npos)
        Lines[A][P] = char('0' + Rng() % 10);
      break;
    }
    default: { // make a type unknown or change a name
      size_t P = Lines[A].find("f32[");
      if (P != std::string::npos)
        Lines[A] = Lines[A].substr(0, P).append("?").append(Lines[A].substr(Lines[A].find(']', P) + 1));
      else if ((P = Lines[A].find('%')) != std::string::npos)
        Lines[A].insert(Lines[A].begin() + std::ptrdiff_t(P) + 1, 'z');
    }
    }
    std::string Text;
    for (const std::string &L : Lines)
      Text += L + "\n";
    auto G = ir::parseGraph(Text);
    if (!G)
      continue;
    ++Parsed;
    Status S = test::runPasses(*G, Passes);
    if (S)
      EXPECT_TRUE(ir::verifyGraph(*G).isOk()) << Text;
    else
      EXPECT_FALSE(S.message().empty());
  }
  EXPECT_GT(Parsed, 1000);
}
