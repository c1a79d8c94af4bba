// Pass behaviour golden tests cannot show: shape-inference on untyped graphs and its errors, folding limits
// and reports, and the numerics of BN folding and fusion on random weights against the unrewritten graph.
#include "PassTestUtil.h"
#include "npu/compiler/ir/Verifier.h"

#include <gtest/gtest.h>

#include <random>

using namespace npu;
using namespace npu::ir;

namespace {

Tensor random(Shape Dims, uint32_t Seed, float Lo = -1.0f, float Hi = 1.0f) {
  std::mt19937 Rng(Seed);
  std::uniform_real_distribution<float> D(Lo, Hi);
  Tensor T(ElemType::Float32, std::move(Dims));
  for (int64_t I = 0; I < T.numElements(); ++I)
    T.data<float>()[I] = D(Rng);
  return T;
}

Graph parse(const std::string &Text) {
  auto G = parseGraph(Text);
  EXPECT_TRUE(G.isOk()) << G.message();
  return G ? G.takeValue() : Graph();
}

int count(const Graph &G, const std::string &Op) {
  int N = 0;
  for (const Node &Nd : G.nodes())
    N += Nd.OpType == Op;
  return N;
}

/// A graph under construction: node output types are left to shape-inference.
struct Builder {
  Graph G;
  int Seed = 1;
  ValueId input(const std::string &Name, Shape S) {
    return G.addInput(Name, TensorType(ElemType::Float32, S));
  }
  ValueId weight(Shape S, float Lo = -1.0f, float Hi = 1.0f) {
    int K = Seed++;
    return G.addConstant(std::string("c") + std::to_string(K), random(std::move(S), uint32_t(K), Lo, Hi));
  }
  ValueId node(const std::string &Op, std::vector<ValueId> Ins, std::vector<Attribute> Attrs = {}) {
    ValueId Out = G.addValue(std::string("v") + std::to_string(G.numValues()), std::nullopt);
    G.addNode(Op, std::move(Ins), {Out}, std::string("n") + std::to_string(G.nodes().size())).Attrs =
        std::move(Attrs);
    return Out;
  }
  ValueId bn(ValueId X, int64_t C) {
    return node("BatchNormalization", {X, weight({C}), weight({C}), weight({C}), weight({C}, 0.1f, 2.0f)},
                {{"epsilon", 1e-3f}});
  }
};

/// Types G, runs the float pipeline and checks the interpreter's outputs stay within rtol 1e-4 / atol 1e-5.
void expectSameNumbers(Graph &G, const std::vector<Tensor> &Inputs) {
  ASSERT_TRUE(test::runPasses(G, {"shape-inference"}).isOk());
  auto Before = ref::interpret(G, Inputs);
  ASSERT_TRUE(Before.isOk()) << Before.message();
  Status S = test::runPasses(G, test::floatPipeline());
  ASSERT_TRUE(S.isOk()) << S.message() << "\n" << printGraph(G);
  auto After = ref::interpret(G, Inputs);
  ASSERT_TRUE(After.isOk()) << After.message();
  for (size_t K = 0; K < After->size(); ++K)
    EXPECT_EQ(test::compareOutputs((*After)[K], (*Before)[K], 1e-4, 1e-5), "") << "output " << K;
}

} // namespace

TEST(ShapeInference, FillsTypesLeftToInfer) {
  Graph G = parse(R"(graph "t" {
    input %x: f32[2,3]
    const %w: f32[3,4] = splat 0x3f800000
    %m: ? = MatMul(%x, %w)
    %r: f32[?,?] = Relu(%m)
    %s: ? = Shape(%r)
    output %r, %s
  })");
  EXPECT_FALSE(verifyGraph(G).isOk());
  std::string Report;
  Status S = test::runPasses(G, {"shape-inference"}, &Report);
  ASSERT_TRUE(S.isOk()) << S.message();
  EXPECT_EQ(formatType(G.type(G.findValue("m"))), "f32[2,4]");
  EXPECT_EQ(formatType(G.type(G.findValue("r"))), "f32[2,4]");
  EXPECT_EQ(formatType(G.type(G.findValue("s"))), "i64[2]");
  EXPECT_NE(Report.find("shape-inference: 3 -> 3 nodes (-0); 3 types updated"), std::string::npos) << Report;
}

TEST(ShapeInference, ErrorsNameTheNode) {
  Graph Mismatch = parse(R"(graph "t" {
    input %x: f32[2,3]
    input %y: f32[4]
    %a: ? = Add(%x, %y) name "adder"
    output %a
  })");
  Status S = test::runPasses(Mismatch, {"shape-inference"});
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("node 'adder' (Add)"), std::string::npos) << S.message();
  EXPECT_NE(S.message().find("pass shape-inference"), std::string::npos) << S.message();

  Graph Cycle = parse(R"(graph "t" {
    input %x: f32[2]
    %a: ? = Add(%x, %b) name "first"
    %b: ? = Relu(%a) name "second"
    output %b
  })");
  S = test::runPasses(Cycle, {"shape-inference"});
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("node 'first' (Add) uses value 'b' before its definition"), std::string::npos)
      << S.message();

  Graph Unknown =
      parse("graph \"t\" {\n input %x: f32[2]\n %a: ? = Frobnicate(%x) name \"f\"\n output %a\n}");
  S = test::runPasses(Unknown, {"shape-inference"});
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("node 'f' (Frobnicate): unknown operator"), std::string::npos) << S.message();

  Graph Missing =
      parse("graph \"t\" {\n input %x: f32[1,1,3,3]\n %c: ? = Conv(%x, _) name \"c\"\n output %c\n}");
  S = test::runPasses(Missing, {"shape-inference"});
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("node 'c' (Conv): required input 1 is missing"), std::string::npos)
      << S.message();
}

TEST(ShapeInference, ValueDependentShapesNeedADeclaredType) {
  auto Text = [](const std::string &Type) {
    return "graph \"t\" {\n input %x: f32[6]\n input %shape: i64[2]\n %r: " + Type +
           " = Reshape(%x, %shape) name \"reshape\"\n output %r\n}\n";
  };
  std::string Declared = Text("f32[2,3]"), Unknown = Text("?");
  Graph G = parse(Declared);
  EXPECT_TRUE(test::runPasses(G, {"shape-inference"}).isOk());
  EXPECT_EQ(formatType(G.type(G.findValue("r"))), "f32[2,3]");
  Graph H = parse(Unknown);
  Status S = test::runPasses(H, {"shape-inference"});
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("declare its output types"), std::string::npos) << S.message();
}

TEST(ConstantFolding, ResultsAboveTheLimitStayAndTheReportSaysSo) {
  // 17 Mi floats = 68 MiB: refused before anything is allocated.
  Graph G = parse(R"(graph "t" {
    input %x: f32[1]
    const %big: i64[3] = [17, 1024, 1024]
    const %small: i64[1] = [4]
    %fill: f32[17,1024,1024] = ConstantOfShape(%big) {value = tensor<f32[1]> [2.0]} name "huge"
    %four: f32[4] = ConstantOfShape(%small) {value = tensor<f32[1]> [2.0]} name "tiny"
    %a: f32[17,1024,1024] = Add(%fill, %x)
    %b: f32[4] = Add(%four, %x)
    output %a, %b
  })");
  std::string Report;
  ASSERT_TRUE(test::runPasses(G, {"constant-folding"}, &Report).isOk());
  EXPECT_EQ(count(G, "ConstantOfShape"), 1);
  EXPECT_EQ(G.value(G.findValue("four")).Kind, ValueKind::Constant);
  EXPECT_NE(Report.find("not folding node 'huge' (ConstantOfShape): its result f32[17,1024,1024] (68 MiB) is "
                        "above the 64 MiB folding limit"),
            std::string::npos)
      << Report;
  EXPECT_NE(Report.find("constant-folding: 4 -> 3 nodes (-1); 1 folded, 1 not folded"), std::string::npos)
      << Report;
}

TEST(ConstantFolding, AKernelErrorLeavesTheNodeForRunTime) {
  Graph G = parse(R"(graph "t" {
    const %a: i32[2] = [4, 5]
    const %zero: i32[2] = [1, 0]
    %q: i32[2] = Div(%a, %zero) name "divide"
    output %q
  })");
  std::string Report;
  ASSERT_TRUE(test::runPasses(G, {"constant-folding"}, &Report).isOk());
  EXPECT_EQ(count(G, "Div"), 1);
  EXPECT_NE(Report.find("not folding node 'divide' (Div)"), std::string::npos) << Report;
}

TEST(FoldBatchNorm, ConvWithGroupsAndBiasThenBn) {
  Builder B;
  ValueId X = B.input("x", {2, 4, 7, 7});
  ValueId C = B.node("Conv", {X, B.weight({6, 2, 3, 3}), B.weight({6})},
                     {{"group", int64_t(2)}, {"pads", std::vector<int64_t>{1, 0, 1, 2}}});
  B.G.Outputs = {B.node("Relu", {B.bn(C, 6)})};
  expectSameNumbers(B.G, {random({2, 4, 7, 7}, 99)});
  EXPECT_EQ(count(B.G, "BatchNormalization"), 0);
  EXPECT_EQ(count(B.G, "npu.FusedConv"), 1);
}

TEST(FoldBatchNorm, GemmMatMulAndMatMulPlusBias) {
  Builder B;
  ValueId X = B.input("x", {3, 5});
  ValueId G1 = B.node("Gemm", {X, B.weight({8, 5}), B.weight({1, 8})},
                      {{"transB", int64_t(1)}, {"alpha", 0.5f}, {"beta", 2.0f}});
  ValueId M = B.node("MatMul", {B.bn(G1, 8), B.weight({8, 4})});
  ValueId M2 = B.node("MatMul", {B.bn(M, 4), B.weight({4, 6})});
  ValueId A = B.node("Add", {B.weight({6}), M2});
  B.G.Outputs = {B.bn(A, 6)};
  expectSameNumbers(B.G, {random({3, 5}, 7)});
  EXPECT_EQ(count(B.G, "BatchNormalization"), 0);
  EXPECT_EQ(count(B.G, "MatMul") + count(B.G, "Add"), 0);
  EXPECT_EQ(count(B.G, "Gemm"), 3);
}

TEST(FoldBatchNorm, StandaloneBnAbsorbsMulAndAdd) {
  Builder B;
  ValueId X = B.input("x", {1, 3, 4, 4});
  ValueId P = B.node("MaxPool", {X}, {{"kernel_shape", std::vector<int64_t>{1, 1}}});
  ValueId Bn = B.bn(P, 3);
  ValueId M = B.node("Mul", {Bn, B.weight({3, 1, 1})});
  B.G.Outputs = {B.node("Add", {B.weight({1, 3, 1, 1}), M})};
  expectSameNumbers(B.G, {random({1, 3, 4, 4}, 5)});
  EXPECT_EQ(B.G.nodes().size(), 2u);
  EXPECT_EQ(count(B.G, "BatchNormalization"), 1);
}

TEST(Fuse, BiasAndActivationsOnRandomWeights) {
  Builder B;
  ValueId X = B.input("x", {1, 3, 6, 6});
  ValueId C = B.node("Conv", {X, B.weight({4, 3, 3, 3})}, {{"strides", std::vector<int64_t>{2, 2}}});
  ValueId A = B.node("Add", {C, B.weight({1, 4, 1, 1})});
  ValueId Lo = B.G.addConstant("lo", Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{-0.25f}));
  ValueId Hi = B.G.addConstant("hi", Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{0.5f}));
  ValueId Cl = B.node("Clip", {A, Lo, Hi});
  ValueId F = B.node("Reshape", {Cl, B.G.addConstant("shape", Tensor::fromInt64s({1, 16}))});
  ValueId M = B.node("MatMul", {F, B.weight({16, 5})});
  ValueId Add = B.node("Add", {M, B.weight({1, 5})});
  B.G.Outputs = {B.node("LeakyRelu", {Add}, {{"alpha", 0.2f}})};
  expectSameNumbers(B.G, {random({1, 3, 6, 6}, 3)});
  EXPECT_EQ(count(B.G, "npu.FusedConv"), 1);
  EXPECT_EQ(count(B.G, "npu.FusedGemm"), 1);
  EXPECT_EQ(B.G.nodes().size(), 3u);
}

TEST(Cse, GraphOutputsKeepTheirNames) {
  Graph G = parse(R"(graph "t" {
    input %x: f32[2]
    const %c1: f32[1] = [3.0]
    const %c2: f32[1] = [3.0]
    %a: f32[2] = Mul(%x, %c1)
    %b: f32[2] = Mul(%x, %c2)
    %c: f32[2] = Mul(%x, %c2)
    %s: f32[2] = Sub(%a, %c)
    output %a, %b, %s
  })");
  std::string Report;
  ASSERT_TRUE(test::runPasses(G, {"cse", "dce"}, &Report).isOk());
  // b is an output: it stays (reading the merged constant); c merges into a.
  EXPECT_EQ(printNode(G, G.nodes()[1]), "%b: f32[2] = Mul(%x, %c1)");
  EXPECT_EQ(printNode(G, G.nodes()[2]), "%s: f32[2] = Sub(%a, %a)");
  EXPECT_NE(Report.find("1 constants and 1 nodes merged"), std::string::npos) << Report;
}
