// Graph IR verifier: accepts valid graphs; catches cycles, undefined uses, duplicate names, type mismatches.
#include "npu/compiler/ir/Verifier.h"

#include <gtest/gtest.h>

using namespace npu;
using namespace npu::ir;

namespace {

TensorType f32(Shape S) { return TensorType(ElemType::Float32, std::move(S)); }

/// x -> Relu -> a -> Add(a, x) -> y
Graph valid() {
  Graph G;
  G.Name = std::string("valid");
  ValueId X = G.addInput("x", f32({2, 3}));
  ValueId A = G.addValue("a", f32({2, 3}));
  ValueId Y = G.addValue("y", f32({2, 3}));
  G.addNode("Relu", {X}, {A}, "relu");
  G.addNode("Add", {A, X}, {Y}, "add");
  G.Outputs = {Y};
  return G;
}

void expectError(const Graph &G, const std::string &Part) {
  Status S = verifyGraph(G);
  ASSERT_FALSE(S.isOk()) << "expected an error containing '" << Part << "'";
  EXPECT_NE(S.message().find(Part), std::string::npos) << S.message();
}

} // namespace

TEST(Verifier, AcceptsValidGraph) { EXPECT_TRUE(verifyGraph(valid()).isOk()); }

TEST(Verifier, CatchesCycles) {
  Graph G;
  ValueId X = G.addInput("x", f32({2}));
  ValueId A = G.addValue("a", f32({2}));
  ValueId B = G.addValue("b", f32({2}));
  G.addNode("Add", {X, B}, {A}, "n1");
  G.addNode("Relu", {A}, {B}, "n2");
  G.Outputs = {B};
  expectError(G, "cycle");
}

TEST(Verifier, CatchesUseBeforeDefinition) {
  Graph G = valid();
  std::swap(G.nodes()[0], G.nodes()[1]);
  expectError(G, "before its definition");
}

TEST(Verifier, CatchesUndefinedValues) {
  Graph G = valid();
  ValueId Ghost = G.addValue("ghost", f32({2, 3}));
  G.nodes()[1].Inputs[1] = Ghost;
  expectError(G, "never defined");
}

TEST(Verifier, CatchesDuplicateNames) {
  Graph G = valid();
  G.addConstant("a", Tensor(ElemType::Float32, {2, 3}));
  expectError(G, "duplicate value name 'a'");
  Graph H = valid();
  H.nodes()[1].Name = "relu";
  expectError(H, "duplicate node name 'relu'");
}

TEST(Verifier, CatchesMissingAndDynamicTypes) {
  Graph G = valid();
  G.value(1).Type.reset();
  expectError(G, "has no type");
  Graph H = valid();
  H.value(0).Type = f32({-1, 3});
  expectError(H, "non-static");
}

TEST(Verifier, CatchesShapeMismatches) {
  Graph G = valid();
  G.value(G.findValue("y")).Type = f32({3, 2});
  expectError(G, "is declared f32[3,2] but its inputs give f32[2,3]");

  Graph H;
  ValueId X = H.addInput("x", f32({2, 3}));
  ValueId Z = H.addInput("z", f32({4}));
  ValueId Y = H.addValue("y", f32({2, 3}));
  H.addNode("Add", {X, Z}, {Y}, "add");
  H.Outputs = {Y};
  expectError(H, "do not broadcast");

  Graph C;
  ValueId In = C.addInput("in", f32({1, 3, 8, 8}));
  ValueId W = C.addConstant("w", Tensor(ElemType::Float32, {4, 2, 3, 3}));
  ValueId Out = C.addValue("out", f32({1, 4, 6, 6}));
  C.addNode("Conv", {In, W}, {Out}, "conv");
  C.Outputs = {Out};
  expectError(C, "do not match 3 input channels");

  Graph T = valid();
  T.value(T.findValue("y")).Type = TensorType(ElemType::Int32, {2, 3});
  expectError(T, "declared i32[2,3]");
}

TEST(Verifier, CatchesBadOperatorsAndAttributes) {
  Graph G = valid();
  G.nodes()[0].OpType = "NoSuchOp";
  expectError(G, "unknown operator");
  Graph H = valid();
  H.nodes()[0].Attrs.push_back({"alpha", 1.0f});
  expectError(H, "unsupported attribute 'alpha'");
  Graph K;
  ValueId X = K.addInput("x", f32({2, 3}));
  ValueId Y = K.addValue("y", f32({2, 3}));
  K.addNode("LeakyRelu", {X}, {Y}, "lr").Attrs.push_back({"alpha", int64_t(1)});
  K.Outputs = {Y};
  expectError(K, "attribute 'alpha' is int, expected float");
  Graph M = valid();
  M.nodes()[1].Inputs.push_back(M.Inputs[0]);
  expectError(M, "3 inputs given");
}

TEST(Verifier, CatchesConstantDataMismatch) {
  Graph G = valid();
  ValueId C = G.addConstant("c", Tensor(ElemType::Float32, {2}));
  G.value(C).Type = f32({3});
  expectError(G, "constant 'c' data is f32[2] but its type is f32[3]");
}

TEST(Verifier, ChecksQuantizationParameters) {
  Graph G = valid();
  TensorType T = f32({2, 3});
  T.Quant = QuantParams{{0.5f, 0.25f}, {0, 0}, 1};
  G.value(0).Type = T;
  expectError(G, "per-channel quantization does not match axis 1");
}
