// ONNX importer on bad input: truncated, bit-flipped and garbage files, dynamic shapes, unsupported content.
#include "OnnxBuilder.h"
#include "TestUtil.h"
#include "npu/compiler/ir/Verifier.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace npu;
using test::OnnxBuilder;

namespace {

std::string readFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::stringstream SS;
  SS << In.rdbuf();
  return SS.str();
}

std::string mnistBytes() {
  std::string Dir = test::testData("models/mnist-8");
  return Dir.empty() ? std::string() : readFile(Dir + "/model.onnx");
}

/// A small self-made model (Conv + Relu + Gemm) used when the external data is absent.
std::string ownModelBytes() {
  OnnxBuilder B(13);
  B.input("x", test::OnnxFloat, {1, 1, 5, 5});
  B.initializer("w", std::vector<float>(9, 0.5f), {1, 1, 3, 3});
  B.initializer("fc", std::vector<float>(9 * 4, 0.25f), {9, 4});
  B.initializerInts("shape", {1, 9});
  B.node("Conv", {"x", "w"}, {"c"}, "conv");
  B.node("Relu", {"c"}, {"r"}, "relu");
  B.node("Reshape", {"r", "shape"}, {"f"}, "flat");
  B.node("Gemm", {"f", "fc"}, {"y"}, "gemm");
  B.output("y");
  return B.bytes();
}

/// Importing must give an error or a graph the verifier accepts; never a crash.
void expectErrorOrValid(const std::string &Bytes, const std::string &What) {
  auto G = frontend::importOnnxBytes(Bytes, {}, "", What);
  if (G.isOk())
    EXPECT_TRUE(ir::verifyGraph(*G).isOk()) << What;
  else
    EXPECT_FALSE(G.message().empty());
}

} // namespace

TEST(ImporterErrors, TruncatedFiles) {
  for (const std::string &Model : {mnistBytes(), ownModelBytes()}) {
    if (Model.empty())
      continue;
    for (size_t Len = 0; Len < Model.size(); Len += 1 + Len / 8) {
      auto G = frontend::importOnnxBytes(Model.substr(0, Len), {}, "", "cut");
      EXPECT_FALSE(G.isOk()) << "truncated to " << Len << " of " << Model.size() << " bytes";
    }
  }
}

TEST(ImporterErrors, BitFlippedFilesInTempDir) {
  std::filesystem::path Dir = std::filesystem::temp_directory_path() / "npu_importer_flips";
  std::filesystem::create_directories(Dir);
  std::mt19937 Rng(1234);
  for (const std::string &Model : {mnistBytes(), ownModelBytes()}) {
    if (Model.empty())
      continue;
    for (int I = 0; I < 150; ++I) {
      std::string Bytes = Model;
      int Flips = 1 + I % 4;
      for (int F = 0; F < Flips; ++F)
        Bytes[Rng() % Bytes.size()] ^= static_cast<char>(1u << (Rng() % 8));
      std::string Path = (Dir / ("flip" + std::to_string(I) + ".onnx")).string();
      std::ofstream(Path, std::ios::binary) << Bytes;
      auto G = frontend::importOnnx(Path);
      if (G.isOk())
        EXPECT_TRUE(ir::verifyGraph(*G).isOk()) << Path;
      else
        EXPECT_NE(G.message().find(Path), std::string::npos) << G.message();
    }
  }
  std::filesystem::remove_all(Dir);
}

TEST(ImporterErrors, GarbageAndMissingFiles) {
  std::mt19937 Rng(99);
  for (int I = 0; I < 50; ++I) {
    std::string Bytes(1 + Rng() % 2000, '\0');
    for (char &C : Bytes)
      C = static_cast<char>(Rng());
    expectErrorOrValid(Bytes, "garbage");
  }
  auto G = frontend::importOnnx("/nonexistent/model.onnx");
  ASSERT_FALSE(G.isOk());
  EXPECT_NE(G.message().find("/nonexistent/model.onnx"), std::string::npos);
  auto E = frontend::importOnnxBytes("", {}, "", "empty.onnx");
  ASSERT_FALSE(E.isOk());
  EXPECT_NE(E.message().find("empty.onnx"), std::string::npos);
}

TEST(ImporterErrors, DynamicDimsNeedAShape) {
  OnnxBuilder B(13);
  B.input("images", test::OnnxFloat, {-1, 3});
  B.node("Relu", {"images"}, {"y"}, "r");
  B.output("y");
  auto G = B.import();
  ASSERT_FALSE(G.isOk());
  EXPECT_NE(G.message().find("input 'images' has a dynamic dim 0 ('N')"), std::string::npos) << G.message();
  frontend::ImportOptions O;
  ASSERT_TRUE(frontend::addInputShapeOption(O, "images=4x3").isOk());
  auto G2 = B.import(O);
  ASSERT_TRUE(G2.isOk()) << G2.message();
  EXPECT_EQ(G2->type(G2->Outputs[0]).Dims, (ir::Shape{4, 3}));
  frontend::ImportOptions Bad;
  ASSERT_TRUE(frontend::addInputShapeOption(Bad, "images=4x5").isOk());
  EXPECT_FALSE(B.import(Bad).isOk()); // contradicts the static dim 3
  frontend::ImportOptions Other;
  ASSERT_TRUE(frontend::addInputShapeOption(Other, "nope=1").isOk());
  auto G3 = B.import(Other);
  ASSERT_FALSE(G3.isOk());
  EXPECT_NE(G3.message().find("'nope'"), std::string::npos);
  EXPECT_FALSE(frontend::addInputShapeOption(Other, "x=1xbad").isOk());
  EXPECT_FALSE(frontend::addInputShapeOption(Other, "noequals").isOk());
}

TEST(ImporterErrors, UnsupportedOperatorNamesNodeOpAndOpset) {
  OnnxBuilder B(17);
  B.input("x", test::OnnxFloat, {2});
  B.node("Relu", {"x"}, {"a"}, "fine");
  B.node("FooBar", {"a"}, {"y"}, "strange_node");
  B.output("y");
  auto G = B.import();
  ASSERT_FALSE(G.isOk());
  for (const char *Part : {"strange_node", "FooBar", "opset 17", "unsupported"})
    EXPECT_NE(G.message().find(Part), std::string::npos) << G.message();
}

TEST(ImporterErrors, UnsupportedAttributeValueAndTypes) {
  OnnxBuilder B(19);
  B.input("x", test::OnnxFloat, {1, 1, 2, 2});
  B.initializer("scales", {1, 1, 2, 2}, {4});
  OnnxBuilder::attr(B.node("Resize", {"x", "", "scales"}, {"y"}, "rs"), "mode", std::string("cubic"));
  B.output("y");
  auto G = B.import();
  ASSERT_FALSE(G.isOk());
  EXPECT_NE(G.message().find("unsupported Resize mode 'cubic'"), std::string::npos) << G.message();
  EXPECT_NE(G.message().find("'rs' (Resize, opset 19)"), std::string::npos) << G.message();

  OnnxBuilder F(21);
  F.input("x", 17, {2}); // FLOAT8E4M3FN (newer than the ONNX headers)
  F.node("Identity", {"x"}, {"y"});
  F.output("y");
  auto GF = F.import();
  ASSERT_FALSE(GF.isOk());
  EXPECT_NE(GF.message().find("unsupported element type FLOAT8E4M3FN"), std::string::npos) << GF.message();
  EXPECT_NE(GF.message().find("'x'"), std::string::npos) << GF.message();

  OnnxBuilder S(17);
  auto *In = S.M.mutable_graph()->add_input();
  In->set_name("seq");
  In->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(1);
  S.node("Identity", {"seq"}, {"y"});
  S.output("y");
  auto GS = S.import();
  ASSERT_FALSE(GS.isOk());
  EXPECT_NE(GS.message().find("unsupported: input 'seq' is a sequence"), std::string::npos) << GS.message();
}

TEST(ImporterErrors, OpsetAndDomainChecks) {
  OnnxBuilder New(26);
  New.input("x", test::OnnxFloat, {2});
  New.node("Relu", {"x"}, {"y"});
  New.output("y");
  auto G = New.import();
  ASSERT_FALSE(G.isOk());
  EXPECT_NE(G.message().find("unsupported opset 26"), std::string::npos) << G.message();

  OnnxBuilder Ms(13);
  Ms.input("x", test::OnnxFloat, {2});
  Ms.node("Relu", {"x"}, {"y"}, "n").set_domain("com.microsoft");
  Ms.output("y");
  auto GM = Ms.import();
  ASSERT_FALSE(GM.isOk());
  // com.microsoft is imported for onnxruntime's quantized operators only (tests/unit/quant/ContribOpsTest.cpp).
  EXPECT_NE(GM.message().find("node 'n'"), std::string::npos) << GM.message();
  EXPECT_NE(GM.message().find("unsupported operator 'com.microsoft.Relu'"), std::string::npos) << GM.message();
  Ms.M.mutable_graph()->mutable_node(0)->set_domain("ai.onnx.ml");
  auto GML = Ms.import();
  ASSERT_FALSE(GML.isOk());
  EXPECT_NE(GML.message().find("unsupported operator domain 'ai.onnx.ml'"), std::string::npos) << GML.message();

  OnnxBuilder Undef(13);
  Undef.input("x", test::OnnxFloat, {2});
  Undef.node("Add", {"x", "ghost"}, {"y"}, "add");
  Undef.output("y");
  auto GU = Undef.import();
  ASSERT_FALSE(GU.isOk());
  EXPECT_NE(GU.message().find("undefined value 'ghost'"), std::string::npos) << GU.message();
}

namespace {

/// A model whose one initializer "w" (4 floats) lives in external data at Location, Offset, Length.
std::string externalDataModel(const std::string &Location, const std::string &Offset, const std::string &Length) {
  OnnxBuilder B(13);
  B.input("x", test::OnnxFloat, {4});
  B.initializer("w", std::vector<float>(4, 1.0f), {4});
  onnx::TensorProto *T = B.M.mutable_graph()->mutable_initializer(0);
  T->clear_float_data();
  T->clear_raw_data();
  T->set_data_location(onnx::TensorProto::EXTERNAL);
  for (auto [K, V] : {std::pair{"location", Location}, {"offset", Offset}, {"length", Length}}) {
    auto *E = T->add_external_data();
    E->set_key(K);
    E->set_value(V);
  }
  B.node("Add", {"x", "w"}, {"y"}, "add");
  B.output("y");
  return B.bytes();
}

} // namespace

// External data must lie in the model's folder (as ONNX's checker requires) and inside its file: a location
// outside, or an offset + length past the end (even one that overflows), is an error naming the problem.
TEST(ImporterErrors, ExternalDataOutsideTheModelFolderOrFile) {
  namespace fs = std::filesystem;
  const fs::path Root = fs::temp_directory_path() / ("npu-extdata-" + std::to_string(::getpid()));
  fs::create_directories(Root / "model");
  std::ofstream(Root / "secret.bin", std::ios::binary).write(std::string(16, '\1').data(), 16);
  std::ofstream(Root / "model" / "w.bin", std::ios::binary).write(std::string(16, '\0').data(), 16);
  const std::string Base = (Root / "model").string();
  auto Import = [&](const std::string &Bytes) {
    return frontend::importOnnxBytes(Bytes, {}, Base, "ext.onnx");
  };
  EXPECT_TRUE(Import(externalDataModel("w.bin", "0", "16")).isOk());
  for (const std::string &Loc : {std::string("../secret.bin"), (Root / "secret.bin").string()}) {
    auto G = Import(externalDataModel(Loc, "0", "16"));
    ASSERT_FALSE(G.isOk()) << Loc;
    EXPECT_NE(G.message().find("outside the model's folder"), std::string::npos) << G.message();
  }
  auto Overflow = Import(externalDataModel("w.bin", "1", "9223372036854775807"));
  ASSERT_FALSE(Overflow.isOk());
  EXPECT_NE(Overflow.message().find("external data range outside"), std::string::npos) << Overflow.message();
  fs::remove_all(Root);
}
