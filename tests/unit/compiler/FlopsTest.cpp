// ir::nodeFlops against operation counts worked out by hand from each node's shapes (2 per multiply-accumulate
// for convolutions and matrix products, window elements for pools, 0 for data movement, 1 per output element).
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ops/Flops.h"

#include <gtest/gtest.h>

namespace {

using namespace npu;

/// The FLOPs of the node named Name in the graph Text.
double flopsOf(const std::string &Text, const std::string &Name) {
  auto G = ir::parseGraph(Text);
  EXPECT_TRUE(G.isOk()) << G.message();
  if (!G)
    return -1;
  for (const ir::Node &N : G->nodes())
    if (N.Name == Name)
      return ir::nodeFlops(*G, N);
  ADD_FAILURE() << "no node " << Name;
  return -1;
}

const char *Graph = R"(graph "g" {
  input %x: f32[1,3,8,8]
  input %w: f32[4,3,3,3]
  input %wg: f32[4,2,3,3]
  input %a: f32[2,5]
  input %at: f32[5,2]
  input %b: f32[5,3]
  input %m: f32[2,4,5]
  %c: f32[1,4,8,8] = Conv(%x, %w) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} name "conv"
  %f: f32[1,4,8,8] = npu.FusedConv(%x, %w) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], activation = "relu"} name "fused"
  %g: f32[1,4,8,8] = Conv(%c, %wg) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], group = 2} name "grouped"
  %s: f32[1,4,4,4] = Conv(%c, %wg) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2], group = 2} name "strided"
  %y: f32[2,3] = Gemm(%a, %b) name "gemm"
  %yt: f32[2,3] = Gemm(%at, %b) {transA = 1} name "gemm_t"
  %mm: f32[2,4,3] = MatMul(%m, %b) name "matmul"
  %p: f32[1,4,4,4] = MaxPool(%c) {kernel_shape = [2, 2], strides = [2, 2]} name "pool"
  %gp: f32[1,4,1,1] = GlobalAveragePool(%c) name "gap"
  %r: f32[1,256] = Flatten(%c) {axis = 1} name "flatten"
  %sum: f32[1,4,8,8] = Add(%c, %g) name "add"
  %sm: f32[2,3] = Softmax(%y) {axis = -1} name "softmax"
  output %f, %s, %yt, %mm, %p, %gp, %r, %sum, %sm
}
)";

TEST(Flops, ConvolutionsCountTwoPerMultiplyAccumulate) {
  // 1x4x8x8 outputs, each a sum over 3 input channels x 3x3 taps.
  EXPECT_EQ(flopsOf(Graph, "conv"), 2.0 * (4 * 8 * 8) * (3 * 3 * 3));
  EXPECT_EQ(flopsOf(Graph, "fused"), 2.0 * (4 * 8 * 8) * (3 * 3 * 3)); // its activation is not counted
  // Two groups: each output sums over 2 of the 4 input channels.
  EXPECT_EQ(flopsOf(Graph, "grouped"), 2.0 * (4 * 8 * 8) * (2 * 3 * 3));
  EXPECT_EQ(flopsOf(Graph, "strided"), 2.0 * (4 * 4 * 4) * (2 * 3 * 3));
}

TEST(Flops, MatrixProductsCountTwoPerMultiplyAccumulate) {
  EXPECT_EQ(flopsOf(Graph, "gemm"), 2.0 * 2 * 3 * 5); // M=2, N=3, K=5
  EXPECT_EQ(flopsOf(Graph, "gemm_t"), 2.0 * 2 * 3 * 5);
  EXPECT_EQ(flopsOf(Graph, "matmul"), 2.0 * (2 * 4) * 3 * 5);
}

TEST(Flops, PoolsReductionsMovementAndElementwise) {
  EXPECT_EQ(flopsOf(Graph, "pool"), double(4 * 4 * 4) * (2 * 2)); // each output reads a 2x2 window
  EXPECT_EQ(flopsOf(Graph, "gap"), double(4 * 8 * 8));            // every input element once
  EXPECT_EQ(flopsOf(Graph, "flatten"), 0.0);
  EXPECT_EQ(flopsOf(Graph, "add"), double(4 * 8 * 8));
  EXPECT_EQ(flopsOf(Graph, "softmax"), 2.0 * 3);
}

} // namespace
