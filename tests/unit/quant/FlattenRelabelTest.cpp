// A Flatten of a whole activation into a MatMul (mnist-8's classifier) in the blocked layout: the flatten relabels
// the blocked rows and the matmul's weight rows are permuted instead. Checked against the reference interpreter
// running the unblocked quantized graph (the logical flatten order), blocked and on the NPU, channel counts that
// fill the blocks and that leave padding lanes, on configs with different blocks and batch.
#include "../npu/NpuTestUtil.h"
#include "QuantTestUtil.h"

#include "npu/compiler/ref/Interpreter.h"

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

/// x [Batch, 3, 8, 8] -> Conv 3x3 pad 1 (Ch) -> Relu -> MaxPool 2x2 -> Flatten -> MatMul [Ch x 16, 10] -> Add.
Graph flattenNet(int64_t Batch, int64_t Ch) {
  Graph G;
  G.Name = "flatten_matmul";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {Batch, 3, 8, 8}));
  ValueId C = addOp(G, "Conv", {X, G.addConstant("w1", randomFloats({Ch, 3, 3, 3}, 1)),
                                G.addConstant("b1", randomFloats({Ch}, 2, -0.2f, 0.2f))},
                    {ints("pads", {1, 1, 1, 1}), ints("kernel_shape", {3, 3})});
  ValueId P = addOp(G, "MaxPool", {addOp(G, "Relu", {C})}, {ints("kernel_shape", {2, 2}), ints("strides", {2, 2})});
  ValueId F = addOp(G, "Flatten", {P}, {i64("axis", 1)});
  ValueId M = addOp(G, "MatMul", {F, G.addConstant("w2", randomFloats({Ch * 16, 10}, 3, -0.2f, 0.2f))});
  G.Outputs = {addOp(G, "Add", {M, G.addConstant("b2", randomFloats({10}, 4, -0.5f, 0.5f))})};
  return G;
}

TEST(FlattenRelabel, BlockedAndOnTheNpuBitExactWithTheLogicalFlatten) {
  for (const char *Config : {"default", "edge", "large"}) {
    const HardwareConfig C = loadConfig(Config);
    for (int64_t Ch : {int64_t(12), int64_t(16), int64_t(40)})
      for (int64_t Batch : {int64_t(1), int64_t(C.Batch)}) {
        SCOPED_TRACE(std::string(Config) + ", " + std::to_string(Ch) + " channels, batch " + std::to_string(Batch));
        const Graph F = flattenNet(Batch, Ch);
        std::vector<std::vector<Tensor>> Sets =
            randomInputSets(3, uint32_t(700 + Ch + Batch), {Batch, 3, 8, 8}, -1, 1);
        passes::PassOptions Opts;
        Opts.CalibDirs = writeSets(tempDir(std::string("flatten_") + Config), Sets);
        Graph Q = F;
        ASSERT_TRUE(runPasses(Q, {"shape-inference", "quantize"}, Opts).isOk());
        Graph L = Q;
        Opts.Config = &C;
        ASSERT_TRUE(runPasses(L, {"layout"}, Opts).isOk());
        // The flatten is a blocked Reshape of rows [N/n, (C/c) x 4 x 4, n, c] that the matmul reads directly.
        const int64_t Cb = (Ch + int64_t(C.BlockOut) - 1) / int64_t(C.BlockOut);
        int Relabels = 0;
        for (const Node &N : L.nodes())
          if (N.OpType == "Reshape" && L.type(N.Outputs[0]).rank() == 4) {
            EXPECT_EQ(L.type(N.Outputs[0]).Dims[1], Cb * 16);
            ++Relabels;
          }
        EXPECT_EQ(Relabels, 1) << printGraph(L);
        EXPECT_EQ(countOps(L, "npu.FromBlocked"), 1) << printGraph(L); // only the result leaves the chain
        backend::CompileResult Res;
        for (const auto &Set : Sets) {
          auto Want = ref::interpret(Q, Set), Blocked = ref::interpret(L, Set);
          ASSERT_TRUE(Want.isOk() && Blocked.isOk());
          EXPECT_EQ((*Blocked)[0].byteVector(), (*Want)[0].byteVector());
          auto Got = test::compileAndRun(L, C, Set, &Res);
          ASSERT_TRUE(Got.isOk()) << Got.message();
          EXPECT_EQ((*Got)[0].byteVector(), (*Want)[0].byteVector());
        }
        int NpuSegments = 0;
        for (const backend::ArtifactSegment &S : Res.Artifact.Segments)
          NpuSegments += S.K == backend::ArtifactSegment::Npu;
        EXPECT_EQ(NpuSegments, 1);
        for (const backend::NodePlacement &P : Res.Placements)
          if (P.OpType == "Reshape" || P.OpType == "npu.QMatMul")
            EXPECT_TRUE(P.Npu) << P.OpType << ": " << P.Reason;
      }
  }
}

} // namespace
