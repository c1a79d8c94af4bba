// npu.FusedConv / npu.FusedGemm: the reference kernels give exactly the numbers of the unfused pair, a small
// case matches plain loops, and type inference checks the activation and delegates the rest.
#include "PassTestUtil.h"
#include "npu/compiler/ir/Verifier.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

using namespace npu;
using namespace npu::ir;

namespace {

Tensor random(Shape Dims, uint32_t Seed) {
  std::mt19937 Rng(Seed);
  std::uniform_real_distribution<float> D(-2.0f, 2.0f);
  Tensor T(ElemType::Float32, std::move(Dims));
  for (int64_t I = 0; I < T.numElements(); ++I)
    T.data<float>()[I] = D(Rng);
  return T;
}

struct Activation {
  const char *Name;
  std::vector<Attribute> FusedAttrs;
};

std::vector<Activation> activations() {
  float Inf = std::numeric_limits<float>::infinity();
  return {{"relu", {{"activation", std::string("relu")}}},
          {"leaky_relu", {{"activation", std::string("leaky_relu")}, {"act_alpha", 0.3f}}},
          {"clip", {{"activation", std::string("clip")}, {"act_min", -0.5f}, {"act_max", 0.75f}}},
          {"clip_no_min", {{"activation", std::string("clip")}, {"act_min", -Inf}, {"act_max", 0.75f}}}};
}

/// Base(x, w, b) {BaseAttrs} followed by the activation, as two nodes (Fused = false) or one fused node.
Graph build(const std::string &Base, const std::vector<Attribute> &BaseAttrs, const Activation &A, Shape XS,
            Tensor W, Tensor B, bool Fused) {
  Graph G;
  G.Name = "t";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, XS));
  std::vector<ValueId> Ins = {X, G.addConstant("w", std::move(W)), G.addConstant("b", std::move(B))};
  ValueId Y = G.addValue("y", std::nullopt);
  if (Fused) {
    Node &N = G.addNode(Base == "Conv" ? "npu.FusedConv" : "npu.FusedGemm", Ins, {Y}, "fused");
    N.Attrs = BaseAttrs;
    N.Attrs.insert(N.Attrs.end(), A.FusedAttrs.begin(), A.FusedAttrs.end());
  } else {
    ValueId Pre = G.addValue("pre", std::nullopt);
    G.addNode(Base, Ins, {Pre}, "base").Attrs = BaseAttrs;
    std::string Kind = A.FusedAttrs[0].Name == "activation" ? std::get<std::string>(A.FusedAttrs[0].Val) : "";
    if (Kind == "relu") {
      G.addNode("Relu", {Pre}, {Y}, "act");
    } else if (Kind == "leaky_relu") {
      G.addNode("LeakyRelu", {Pre}, {Y}, "act").Attrs = {{"alpha", 0.3f}};
    } else {
      bool HasMin = std::string(A.Name) == "clip";
      ValueId Lo =
          HasMin ? G.addConstant("lo", Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{-0.5f}))
                 : NoValue;
      ValueId Hi = G.addConstant("hi", Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{0.75f}));
      G.addNode("Clip", {Pre, Lo, Hi}, {Y}, "act");
    }
  }
  G.Outputs = {Y};
  Status S = test::runPasses(G, {"shape-inference"});
  EXPECT_TRUE(S.isOk()) << S.message();
  return G;
}

Tensor run(const Graph &G, const Tensor &X) {
  auto R = ref::interpret(G, {X});
  EXPECT_TRUE(R.isOk()) << R.message();
  return R ? (*R)[0] : Tensor();
}

} // namespace

TEST(FusedOps, FusedConvEqualsConvThenActivationExactly) {
  std::vector<Attribute> Attrs = {{"group", int64_t(2)},
                                  {"pads", std::vector<int64_t>{1, 0, 2, 1}},
                                  {"strides", std::vector<int64_t>{2, 1}},
                                  {"dilations", std::vector<int64_t>{1, 2}}};
  Tensor X = random({2, 4, 9, 8}, 1);
  for (const Activation &A : activations()) {
    Graph Plain = build("Conv", Attrs, A, X.shape(), random({6, 2, 3, 3}, 2), random({6}, 3), false);
    Graph Fused = build("Conv", Attrs, A, X.shape(), random({6, 2, 3, 3}, 2), random({6}, 3), true);
    Tensor P = run(Plain, X), F = run(Fused, X);
    EXPECT_EQ(P, F) << A.Name; // same bytes
  }
}

TEST(FusedOps, FusedGemmEqualsGemmThenActivationExactly) {
  std::vector<Attribute> Attrs = {{"transB", int64_t(1)}, {"alpha", 0.75f}, {"beta", 1.5f}};
  Tensor X = random({3, 7}, 4);
  for (const Activation &A : activations()) {
    Graph Plain = build("Gemm", Attrs, A, X.shape(), random({5, 7}, 5), random({5}, 6), false);
    Graph Fused = build("Gemm", Attrs, A, X.shape(), random({5, 7}, 5), random({5}, 6), true);
    EXPECT_EQ(run(Plain, X), run(Fused, X)) << A.Name;
  }
}

TEST(FusedOps, FusedConvReluMatchesPlainLoops) {
  // 1 image, 2 -> 3 channels, 4x4 input, 3x3 kernel, no padding: out[o][i][j] = relu(b[o] + sum w * x).
  Tensor X = random({1, 2, 4, 4}, 7), W = random({3, 2, 3, 3}, 8), B = random({3}, 9);
  Graph G = build("Conv", {}, activations()[0], X.shape(), W, B, true);
  Tensor Y = run(G, X);
  ASSERT_EQ(Y.shape(), (Shape{1, 3, 2, 2}));
  for (int O = 0; O < 3; ++O)
    for (int I = 0; I < 2; ++I)
      for (int J = 0; J < 2; ++J) {
        double Acc = B.data<float>()[O];
        for (int C = 0; C < 2; ++C)
          for (int KH = 0; KH < 3; ++KH)
            for (int KW = 0; KW < 3; ++KW)
              Acc += double(W.data<float>()[((O * 2 + C) * 3 + KH) * 3 + KW]) *
                     X.data<float>()[(C * 4 + I + KH) * 4 + J + KW];
        EXPECT_NEAR(Y.data<float>()[(O * 2 + I) * 2 + J], std::max(0.0, Acc), 1e-5);
      }
}

TEST(FusedOps, InferenceChecksTheActivationAndDelegates) {
  Graph G = build("Conv", {}, activations()[0], {1, 2, 4, 4}, random({3, 2, 3, 3}, 1), random({3}, 2), true);
  G.nodes()[0].setAttr("activation", std::string("gelu"));
  Status S = verifyGraph(G);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(
      S.message().find("node 'fused' (npu.FusedConv): activation 'gelu' is not relu, leaky_relu or clip"),
      std::string::npos)
      << S.message();
  G.nodes()[0].removeAttr("activation");
  EXPECT_FALSE(verifyGraph(G).isOk());
  // The Conv rules still apply: a bias of the wrong size.
  Graph H = build("Conv", {}, activations()[0], {1, 2, 4, 4}, random({3, 2, 3, 3}, 1), random({3}, 2), true);
  H.nodes()[0].Inputs[2] = H.addConstant("b4", random({4}, 2));
  S = verifyGraph(H);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("bias [4] does not match 3 output channels"), std::string::npos) << S.message();
  // An attribute outside the schema.
  G.nodes()[0].setAttr("activation", std::string("relu"));
  G.nodes()[0].setAttr("alpha", 0.5f);
  EXPECT_FALSE(verifyGraph(G).isOk());
}
