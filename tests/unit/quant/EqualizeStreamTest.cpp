// Residual-stream equalization: which streams it finds, that the float function stays the same, and that
// the int8 graph gets closer to it (measured against the float graph run by the reference interpreter).
#include "QuantTestUtil.h"

#include "../../../compiler/passes/EqualizeStream.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/ref/Interpreter.h"

#include <cmath>

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

const float Gain[4] = {100.0f, 1.0f, 0.01f, 10.0f};

/// A residual block as in BlazeFace: s0 = Relu(conv(x)) whose channels differ by 10^4 in range, then
/// s1 = Relu(s0 + conv1x1(depthwise(s0))) with the same channel gains (the depthwise undoes them, the 1x1 conv
/// restores them), then a depthwise head that undoes them again, so every output channel matters equally and
/// the narrow stream channels' rounding shows in the output.
Graph residualBlock(const std::string &Act = "Relu") {
  Graph G;
  G.Name = "stream";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 4, 8, 8}));
  auto Scaled = [&](Shape S, uint32_t Seed, bool Divide, int64_t PerChannel) {
    Tensor W = randomFloats(S, Seed, 0.2f, 1.0f);
    for (int64_t I = 0; I < W.numElements(); ++I)
      W.data<float>()[I] *= Divide ? 1.0f / Gain[(I / PerChannel) % 4] : Gain[(I / PerChannel) % 4];
    return W;
  };
  auto Bias = [&](uint32_t Seed) {
    Tensor B = randomFloats({4}, Seed, 0.2f, 1.0f);
    for (int64_t I = 0; I < 4; ++I)
      B.data<float>()[I] *= Gain[I];
    return B;
  };
  auto Depthwise = [&](ValueId In, uint32_t Seed) {
    return addOp(G, "Conv", {In, G.addConstant(G.uniqueName("dw"), Scaled({4, 1, 3, 3}, Seed, true, 9))},
                 {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1}), i64("group", 4)});
  };
  auto Activation = [&](ValueId V) {
    if (Act == "Relu")
      return addOp(G, "Relu", {V});
    return addOp(G, "Clip", {V, G.addConstant(G.uniqueName("lo"), Tensor::fromValues<float>(ElemType::Float32, {}, {0.0f})),
                             G.addConstant(G.uniqueName("hi"), Tensor::fromValues<float>(ElemType::Float32, {}, {6.0f}))});
  };
  ValueId S0 = Activation(addOp(G, "Conv", {X, G.addConstant("w0", Scaled({4, 4, 1, 1}, 21, false, 4)),
                                            G.addConstant("b0", Bias(22))},
                                {ints("kernel_shape", {1, 1})}));
  ValueId Block = addOp(G, "Conv", {Depthwise(S0, 23), G.addConstant("w1", Scaled({4, 4, 1, 1}, 24, false, 4))},
                        {ints("kernel_shape", {1, 1})});
  ValueId S1 = Activation(addOp(G, "Add", {S0, Block}));
  G.Outputs = {Depthwise(S1, 25)};
  EXPECT_TRUE(verifyGraph(G).isOk());
  return G;
}

std::vector<std::vector<Tensor>> sets(int N, uint32_t Seed) { return randomInputSets(N, Seed, {1, 4, 8, 8}, -1, 1); }


} // namespace

TEST(EqualizeStream, FindsTheStreamItsWritersAndReaders) {
  Graph G = compileWith(residualBlock(), {}, {});
  auto Streams = passes::findStreamComponents(G);
  ASSERT_EQ(Streams.size(), 1u);
  // Writers: the first conv (fused with its Relu) and the block's 1x1 conv; readers: the two depthwise convs.
  EXPECT_EQ(Streams[0].Writers.size(), 2u);
  EXPECT_EQ(Streams[0].Readers.size(), 2u);
  // s0, the block's output, the Add and s1.
  EXPECT_EQ(Streams[0].Values.size(), 4u);
}

TEST(EqualizeStream, ScalesAreTheInverseSquareRootOfTheRangesCentredOnOne) {
  std::vector<double> T = passes::streamScales({100.0, 1.0, 0.0, 0.01});
  ASSERT_EQ(T.size(), 4u);
  // 1/sqrt(a) = 0.1, 1, -, 10; their geometric mean is 1.
  EXPECT_NEAR(T[0], 0.1, 1e-12);
  EXPECT_NEAR(T[1], 1.0, 1e-12);
  EXPECT_EQ(T[2], 1.0);
  EXPECT_NEAR(T[3], 10.0, 1e-12);
}

TEST(EqualizeStream, KeepsTheFloatFunctionAndLiftsInt8Accuracy) {
  Graph Base = compileWith(residualBlock(), {}, {});
  std::string Dir = tempDir("equalize_stream");
  std::vector<std::string> Calib = writeSets(Dir, sets(3, 70));
  const EqualizeGain G = measureEqualize(Base, Calib, sets(2, 90)); // held-out inputs
  const double Plain = G.Plain, Equalized = G.Equalized;
  // The narrow channel (gain 0.01) has no int8 level left in the plain stream; the square-root scales give
  // it about 10^2 of the 10^4 range back.
  EXPECT_GT(Equalized, Plain + 10) << "plain " << Plain << " dB, equalized " << Equalized << " dB";
}

TEST(EqualizeStream, LeavesStreamsItCannotRescale) {
  // Relu6 does not commute with a per-channel scale: no stream.
  EXPECT_TRUE(passes::findStreamComponents(compileWith(residualBlock("Relu6"), {}, {})).empty());
  // A stream tensor that is also a graph output keeps its values.
  Graph G = compileWith(residualBlock(), {}, {});
  auto Streams = passes::findStreamComponents(G);
  ASSERT_EQ(Streams.size(), 1u);
  G.Outputs.push_back(Streams[0].Values.front());
  EXPECT_TRUE(passes::findStreamComponents(G).empty());
}
