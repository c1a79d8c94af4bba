// Generated host kernels against the reference interpreter: convolutions (pads, strides, dilations, groups,
// depthwise, 1-D/3-D), pooling, Gemm/MatMul at sizes that exercise the GEMM blocking, fused epilogues, and the
// integer forms (ConvInteger, QLinearConv, MatMulInteger, QLinearMatMul).
#include "HostTestUtil.h"
#include "npu/compiler/ops/OpRegistry.h"

using namespace npu;
using namespace npu::test;
using ir::ElemType;

namespace {

/// Long sums of random signs cancel, and then the summation order alone moves the result by more than the
/// relative tolerance: large problems use positive data.
ir::Tensor data(ir::Shape S, uint32_t Seed, bool Positive) {
  return randomTensor(ElemType::Float32, std::move(S), Seed, Positive ? 0 : -1, 1);
}

void conv(ir::Shape X, ir::Shape W, std::vector<ir::Attribute> Attrs, bool Bias, bool ConstW, uint32_t Seed,
          bool Positive = false) {
  std::vector<Operand> Ops = {in(data(X, Seed, Positive))};
  ir::Tensor WT = data(W, Seed + 1, Positive);
  Ops.push_back(ConstW ? cst(WT) : in(WT));
  if (Bias)
    Ops.push_back(cst(randomF32({W[0]}, Seed + 2)));
  SCOPED_TRACE(ir::formatShape(X) + " * " + ir::formatShape(W));
  checkOp("Conv", Ops, std::move(Attrs));
}

/// This CPU, and AVX2's narrower vectors too where the CPU has them.
std::vector<host::HostOptions> testTargets() {
  std::vector<host::HostOptions> Targets = {testOptions()};
  if (__builtin_cpu_supports("avx2")) {
    Targets.push_back(testOptions());
    Targets.back().Cpu = "haswell";
    Targets.back().Features = "+avx2,+avx,+fma,+f16c,+bmi,+bmi2";
  }
  return Targets;
}

struct ConvCase {
  ir::Shape X, W;
  std::vector<ir::Attribute> Attrs;
};

/// Each case (positive data, constant weights and bias) against the reference interpreter, on this CPU and with
/// AVX2's narrower vectors too where this CPU has it.
void checkConvs(const std::vector<ConvCase> &Cases, uint32_t Seed) {
  const std::vector<host::HostOptions> Targets = testTargets();
  for (const ConvCase &Cc : Cases)
    for (const host::HostOptions &O : Targets) {
      std::vector<ir::Tensor> Feeds;
      std::vector<Operand> Ops = {in(data(Cc.X, Seed, true)), cst(data(Cc.W, Seed + 1, true)),
                                  cst(randomF32({Cc.W[0]}, Seed + 2))};
      ir::Graph G = oneNode("Conv", Ops, Cc.Attrs, 1, Feeds);
      SCOPED_TRACE(ir::formatShape(Cc.X) + " * " + ir::formatShape(Cc.W) + " on " + (O.Cpu.empty() ? "host" : O.Cpu));
      expectMatchesReference(G, Feeds, O);
      Seed += 3;
    }
}

TEST(HostConv, Geometry) {
  conv({1, 3, 9, 9}, {8, 3, 3, 3}, {}, true, true, 1);
  conv({2, 3, 9, 10}, {8, 3, 3, 3}, {attr("pads", ints({1, 1, 1, 1}))}, true, true, 2);
  conv({1, 4, 11, 12}, {6, 4, 3, 2}, {attr("strides", ints({2, 3})), attr("pads", ints({1, 0, 2, 1}))}, false, true, 3);
  conv({1, 4, 13, 13}, {5, 4, 3, 3}, {attr("dilations", ints({2, 2})), attr("pads", ints({2, 2, 2, 2}))}, true, false, 4);
  conv({1, 6, 10, 10}, {9, 2, 3, 3}, {attr("group", int64_t(3)), attr("pads", ints({1, 1, 1, 1}))}, true, true, 5);
  conv({1, 3, 9, 9}, {8, 3, 3, 3}, {attr("auto_pad", std::string("SAME_UPPER"))}, true, true, 6);
  conv({1, 3, 20}, {4, 3, 5}, {attr("pads", ints({2, 1})), attr("strides", ints({2}))}, true, true, 7);
  conv({1, 2, 5, 6, 7}, {3, 2, 3, 3, 3}, {attr("pads", ints({1, 1, 1, 1, 1, 1}))}, true, true, 8);
  conv({1, 64, 15, 15}, {64, 64, 1, 1}, {}, false, true, 9);
}

TEST(HostConv, Depthwise) {
  conv({1, 16, 14, 14}, {16, 1, 3, 3}, {attr("group", int64_t(16)), attr("pads", ints({1, 1, 1, 1}))}, true, true, 10);
  conv({2, 8, 15, 15}, {8, 1, 3, 3}, {attr("group", int64_t(8)), attr("strides", ints({2, 2}))}, false, false, 11);
  conv({1, 4, 9, 9}, {8, 1, 5, 5}, {attr("group", int64_t(4)), attr("pads", ints({2, 2, 2, 2})),
                                    attr("dilations", ints({1, 2}))}, true, true, 12);
}

TEST(HostConv, GemmBlockingTails) {
  // Channel and position counts that are not multiples of the register tile or the cache blocks.
  conv({1, 67, 23, 17}, {77, 67, 3, 3}, {attr("pads", ints({1, 1, 1, 1}))}, true, true, 13, true);
  conv({1, 300, 7, 7}, {130, 300, 1, 1}, {}, true, true, 14, true);
  conv({1, 3, 64, 64}, {16, 3, 7, 7}, {attr("strides", ints({2, 2})), attr("pads", ints({3, 3, 3, 3}))}, true, true, 15,
       true);
}

/// Small output planes run with positions as the register tile's rows and channels as its lanes (GemmPos.cpp):
/// planes that a tile count divides (7x7, 13x13, 9x11) and ones that leave a short tile (5x5), channel counts
/// that fill no vector or one panel, groups, batches, strides, the input read in place (plain 1x1), at stride 1
/// from the padded input shifted per tap (tiles of one row's positions, or of whole rows: 7x7, 5x5) or through
/// im2col; with AVX2's narrower tiles too where this CPU has it.
TEST(HostConv, SmallPlanesPositionRows) {
  std::vector<ConvCase> Cases = {
      {{2, 40, 7, 7}, {70, 40, 1, 1}, {}},
      {{1, 36, 13, 13}, {48, 36, 3, 3}, {attr("pads", ints({1, 1, 1, 1}))}},
      {{1, 32, 14, 14},
       {40, 16, 3, 3},
       {attr("group", int64_t(2)), attr("pads", ints({1, 1, 1, 1})), attr("strides", ints({2, 2}))}},
      {{1, 20, 9, 11}, {33, 20, 1, 1}, {}},
      {{1, 64, 13, 13}, {16, 64, 1, 1}, {}}, // one channel panel: the plane's tiles split among tasks
      {{1, 24, 5, 5}, {64, 24, 3, 3}, {attr("pads", ints({1, 1, 1, 1}))}},
      {{1, 300, 7, 7}, {600, 300, 3, 3}, {attr("pads", ints({1, 1, 1, 1}))}},
      // Stride 1 reads the padded input (576 KB) shifted per tap, not a 4.5 MB im2col matrix: three K blocks.
      {{1, 160, 28, 28}, {8, 160, 3, 3}, {attr("pads", ints({1, 1, 1, 1}))}},
      // No tile fits a row of 17 (AVX-512) and the im2col matrix is over 4 MB (K = 3690 x 289): the column path.
      {{1, 410, 17, 17}, {8, 410, 3, 3}, {attr("pads", ints({1, 1, 1, 1}))}}};
  checkConvs(Cases, 300);
}

/// Large stride-1 planes (over 1024 positions, rows a tile count divides, 64 or more channels per group) run the
/// shifted small-plane path over bands of output rows with AVX-512 (GemmPos.cpp): a short last band, three K
/// blocks of channels, more than 8 weight panels (two channel blocks per band) with a short last one,
/// asymmetric pads, dilation, groups and a batch of 2; with AVX2 (the column path) too where this CPU has it.
TEST(HostConv, BandedShiftedPositionRows) {
  std::vector<ConvCase> Cases = {
      {{1, 130, 40, 42}, {40, 130, 3, 3}, {attr("pads", ints({1, 1, 1, 1}))}},
      {{1, 64, 40, 28}, {300, 64, 3, 3}, {attr("pads", ints({1, 1, 1, 1}))}},
      {{1, 64, 37, 28}, {24, 64, 3, 3}, {attr("pads", ints({2, 1, 0, 1}))}},
      {{1, 64, 44, 32}, {20, 64, 3, 3}, {attr("pads", ints({2, 2, 2, 2})), attr("dilations", ints({2, 2}))}},
      {{2, 128, 40, 28}, {48, 64, 3, 3}, {attr("group", int64_t(2)), attr("pads", ints({1, 1, 1, 1}))}}};
  checkConvs(Cases, 700);
}

/// Stride-1 convolutions whose output is as wide as their input read the unpadded input in place with AVX-512:
/// each tap a shift of the output positions, the lanes that fall into the padding masked off (GemmEmit.cpp).
/// Asymmetric and one-sided pads, dilation, 1-D, groups, a batch of 2, two K blocks of channels, position
/// counts that leave a short last panel, a padded 5x5; with AVX2 (the padded copy) too where this CPU has it.
TEST(HostConv, MaskedShiftedColumns) {
  std::vector<ConvCase> Cases = {
      {{1, 24, 37, 41}, {40, 24, 3, 3}, {attr("pads", ints({0, 1, 2, 1}))}},
      {{2, 16, 33, 35}, {24, 16, 3, 3}, {attr("pads", ints({2, 0, 0, 2}))}},
      {{1, 20, 36, 38}, {17, 20, 3, 3}, {attr("pads", ints({2, 2, 2, 2})), attr("dilations", ints({2, 2}))}},
      {{1, 130, 34, 31}, {19, 130, 3, 3}, {attr("pads", ints({1, 1, 1, 1}))}},
      {{1, 32, 40, 30}, {36, 16, 3, 3}, {attr("group", int64_t(2)), attr("pads", ints({1, 1, 1, 1}))}},
      {{1, 16, 33, 37}, {12, 16, 5, 5}, {attr("pads", ints({2, 2, 2, 2}))}},
      {{1, 32, 1500}, {10, 32, 3}, {attr("pads", ints({1, 1}))}}};
  checkConvs(Cases, 500);
}

/// Strided im2col copies (Im2col.cpp): stride 2 along the rows as vector loads and even-lane shuffles, with
/// rows of several vectors and a last one that overlaps the one before, rows shorter than a vector, taps that
/// start outside the row (padding), dilation, 1-D; stride 1 along the rows under a vertical stride. With
/// AVX2's 8-lane vectors too where this CPU has it.
TEST(HostConv, StridedIm2col) {
  std::vector<ConvCase> Cases = {
      {{1, 3, 41, 75}, {12, 3, 7, 7}, {attr("strides", ints({2, 2})), attr("pads", ints({3, 3, 3, 3}))}},
      {{1, 3, 30, 53}, {8, 3, 5, 5}, {attr("strides", ints({2, 2})), attr("pads", ints({0, 1, 2, 0}))}},
      {{1, 2, 25, 70}, {5, 2, 3, 3}, {attr("strides", ints({1, 2})), attr("dilations", ints({2, 3}))}},
      {{1, 4, 19, 23}, {6, 4, 3, 3}, {attr("strides", ints({2, 2})), attr("pads", ints({1, 1, 1, 1}))}},
      {{1, 5, 31, 40}, {7, 5, 3, 3}, {attr("strides", ints({2, 1})), attr("pads", ints({1, 0, 1, 0}))}},
      {{1, 4, 101}, {6, 4, 3}, {attr("strides", ints({2})), attr("pads", ints({1, 1}))}}};
  checkConvs(Cases, 400);
}

/// 2-D MaxPool's vector interior (LowerPool.cpp, f32, stride 1 or 2): rows several vectors wide whose last
/// vector overlaps, rows narrower than a vector (masked: 75 and 27 columns give 36 and 12 or 13 outputs),
/// padding rows and columns, dilation, ceil mode; on this CPU and with AVX2's 8 lanes where it has them.
TEST(HostConv, MaxPoolVectorColumns) {
  const std::vector<host::HostOptions> Targets = testTargets();
  std::vector<std::vector<ir::Attribute>> Cases = {
      {attr("kernel_shape", ints({3, 3})), attr("strides", ints({2, 2}))},
      {attr("kernel_shape", ints({3, 3})), attr("strides", ints({2, 2})), attr("pads", ints({1, 1, 1, 1}))},
      {attr("kernel_shape", ints({3, 3})), attr("strides", ints({2, 2})), attr("ceil_mode", int64_t(1))},
      {attr("kernel_shape", ints({3, 3})), attr("pads", ints({1, 1, 1, 1}))},
      {attr("kernel_shape", ints({2, 3})), attr("strides", ints({1, 2})), attr("dilations", ints({2, 2}))}};
  uint32_t Seed = 500;
  for (const ir::Shape &X : {ir::Shape{2, 3, 9, 75}, ir::Shape{1, 2, 7, 27}})
    for (const auto &Attrs : Cases)
      for (const host::HostOptions &O : Targets) {
        std::vector<ir::Tensor> Feeds;
        ir::Graph G = oneNode("MaxPool", {in(randomF32(X, Seed++))}, Attrs, 1, Feeds);
        SCOPED_TRACE(ir::formatShape(X) + " on " + (O.Cpu.empty() ? "host" : O.Cpu));
        expectMatchesReference(G, Feeds, O);
      }
}

TEST(HostConv, Transposed) {
  checkOp("ConvTranspose", {in(randomF32({1, 3, 5, 5}, 16)), cst(randomF32({3, 4, 3, 3}, 17)), cst(randomF32({4}, 18))},
          {attr("strides", ints({2, 2})), attr("pads", ints({1, 1, 1, 1})), attr("output_padding", ints({1, 1}))});
  checkOp("ConvTranspose", {in(randomF32({1, 4, 6}, 19)), in(randomF32({4, 1, 3}, 20))},
          {attr("group", int64_t(2)), attr("dilations", ints({2}))});
}

TEST(HostConv, Pooling) {
  ir::Tensor X = randomF32({2, 3, 11, 12}, 21);
  for (const char *Op : {"MaxPool", "AveragePool"}) {
    checkOp(Op, {in(X)}, {attr("kernel_shape", ints({3, 3}))});
    checkOp(Op, {in(X)}, {attr("kernel_shape", ints({3, 2})), attr("strides", ints({2, 2})), attr("pads", ints({1, 0, 1, 1}))});
    checkOp(Op, {in(X)}, {attr("kernel_shape", ints({2, 2})), attr("strides", ints({2, 2})), attr("ceil_mode", int64_t(1))});
    checkOp(Op, {in(X)}, {attr("kernel_shape", ints({3, 3})), attr("auto_pad", std::string("SAME_LOWER"))});
    checkOp(Op, {in(randomF32({1, 2, 9}, 22))}, {attr("kernel_shape", ints({4})), attr("pads", ints({2, 1}))});
  }
  checkOp("AveragePool", {in(X)}, {attr("kernel_shape", ints({3, 3})), attr("pads", ints({1, 1, 1, 1})),
                                   attr("count_include_pad", int64_t(1))});
  checkOp("MaxPool", {in(X)}, {attr("kernel_shape", ints({2, 2})), attr("dilations", ints({2, 2}))});
  checkOp("MaxPool", {in(X)}, {attr("kernel_shape", ints({3, 3})), attr("strides", ints({2, 2}))}, 2);
  checkOp("MaxPool", {in(X)}, {attr("kernel_shape", ints({3, 3})), attr("storage_order", int64_t(1))}, 2);
  checkOp("MaxPool", {in(randomTensor(ElemType::Int8, {1, 2, 6, 6}, 23, -100, 100))}, {attr("kernel_shape", ints({2, 2}))});
  checkOp("GlobalAveragePool", {in(X)});
  checkOp("GlobalMaxPool", {in(X)});
  // Planes long enough for the vectorized sum (partial sums in vector lanes, then their reduction), with a
  // remainder after the last full vector.
  for (const ir::Shape &S : {ir::Shape{2, 5, 13, 13}, ir::Shape{1, 3, 37, 41}}) {
    checkOp("GlobalAveragePool", {in(randomF32(S, 24))});
    checkOp("GlobalMaxPool", {in(randomF32(S, 25))});
  }
}

TEST(HostMatMul, GemmAttributes) {
  for (int64_t TA : {0, 1})
    for (int64_t TB : {0, 1}) {
      ir::Shape AS = TA ? ir::Shape{37, 29} : ir::Shape{29, 37}, BS = TB ? ir::Shape{45, 37} : ir::Shape{37, 45};
      checkOp("Gemm", {in(data(AS, 30, true)), cst(data(BS, 31, true)), cst(randomF32({45}, 32))},
              {attr("transA", TA), attr("transB", TB), attr("alpha", 0.7f), attr("beta", 1.3f)});
      checkOp("Gemm", {in(data(AS, 30, true)), in(data(BS, 31, true)), in(randomF32({29, 1}, 33))},
              {attr("transA", TA), attr("transB", TB)});
    }
  checkOp("Gemm", {in(data({1, 700}, 34, true)), cst(data({300, 700}, 35, true)), cst(randomF32({1, 300}, 36))},
          {attr("transB", int64_t(1))});
  checkOp("Gemm", {in(randomTensor(ElemType::Int32, {5, 6}, 37, -9, 9)), in(randomTensor(ElemType::Int32, {6, 4}, 38, -9, 9))});
  checkOp("Gemm", {in(randomTensor(ElemType::Float64, {5, 6}, 39)), in(randomTensor(ElemType::Float64, {6, 4}, 40))});
}

TEST(HostMatMul, Batched) {
  checkOp("MatMul", {in(data({130, 260}, 41, true)), cst(data({260, 70}, 42, true))});
  checkOp("MatMul", {in(randomF32({3, 20, 30}, 43)), in(randomF32({3, 30, 17}, 44))});
  checkOp("MatMul", {in(randomF32({2, 3, 20, 30}, 45)), cst(randomF32({30, 17}, 46))});
  checkOp("MatMul", {in(randomF32({30}, 47)), in(randomF32({2, 30, 5}, 48))});
  checkOp("MatMul", {in(randomF32({4, 30}, 49)), in(randomF32({30}, 50))});
  checkOp("MatMul", {in(randomF32({2, 1, 4, 6}, 51)), in(randomF32({1, 3, 6, 5}, 52))});
  for (ElemType E : {ElemType::Int8, ElemType::Int32, ElemType::UInt8, ElemType::Float16, ElemType::Float64})
    checkOp("MatMul", {in(randomTensor(E, {3, 7, 9}, 53, 0, 5)), in(randomTensor(E, {9, 4}, 54, 0, 5))});
}

/// Conv -> BatchNormalization -> Add(residual) -> Relu, and Gemm -> Add(bias) -> Clip: fused into one kernel.
TEST(HostFusion, ConvBatchNormAddRelu) {
  ir::Graph G;
  G.Name = "fused";
  auto F32 = [](ir::Shape S) { return ir::TensorType(ElemType::Float32, std::move(S)); };
  ir::ValueId X = G.addInput("x", F32({1, 8, 10, 10})), R = G.addInput("r", F32({1, 16, 10, 10}));
  ir::ValueId W = G.addConstant("w", randomF32({16, 8, 3, 3}, 60)), Bv = G.addConstant("b", randomF32({16}, 61));
  ir::ValueId C1 = G.addValue("c1", F32({1, 16, 10, 10}));
  ir::Node &Cv = G.addNode("Conv", {X, W, Bv}, {C1}, "conv");
  Cv.setAttr("pads", ints({1, 1, 1, 1}));
  std::vector<ir::ValueId> Bn = {C1};
  for (uint32_t I = 0; I < 4; ++I)
    Bn.push_back(G.addConstant("bn" + std::to_string(I), randomTensor(ElemType::Float32, {16}, 62 + I, 0.5, 1.5)));
  ir::ValueId C2 = G.addValue("c2", F32({1, 16, 10, 10})), C3 = G.addValue("c3", F32({1, 16, 10, 10}));
  ir::ValueId C4 = G.addValue("c4", F32({1, 16, 10, 10}));
  G.addNode("BatchNormalization", Bn, {C2}, "bn");
  G.addNode("Sum", {R, C2}, {C3}, "add");
  G.addNode("Relu", {C3}, {C4}, "relu");
  ir::ValueId A = G.addInput("a", F32({3, 20}));
  ir::ValueId GW = G.addConstant("gw", randomF32({20, 9}, 70)), GB = G.addConstant("gb", randomF32({9}, 71));
  ir::ValueId G1 = G.addValue("g1", F32({3, 9})), G2 = G.addValue("g2", F32({3, 9})), G3 = G.addValue("g3", F32({3, 9}));
  G.addNode("MatMul", {A, GW}, {G1}, "mm");
  G.addNode("Add", {G1, GB}, {G2}, "bias");
  G.addNode("Clip", {G2, G.addConstant("lo", ir::Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{-0.5f})),
                     G.addConstant("hi", ir::Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{0.5f}))},
            {G3}, "clip");
  G.Outputs = {C4, G3};
  std::vector<ir::Tensor> Feeds = {randomF32({1, 8, 10, 10}, 72), randomF32({1, 16, 10, 10}, 73), randomF32({3, 20}, 74)};
  expectMatchesReference(G, Feeds);
  auto M = host::compileHostModel(G, testOptions());
  ASSERT_TRUE(M.isOk()) << M.message();
  EXPECT_EQ((*M)->stats().Kernels, 2);
  EXPECT_EQ((*M)->stats().FusedNodes, 5);
  host::HostOptions NoFuse = testOptions();
  NoFuse.Fuse = false;
  expectMatchesReference(G, Feeds, NoFuse);
}

TEST(HostQuant, IntegerConvAndMatMul) {
  ir::Tensor X = randomTensor(ElemType::UInt8, {1, 3, 7, 7}, 80, 0, 255), W = randomTensor(ElemType::Int8, {4, 3, 3, 3}, 81, -127, 127);
  ir::Tensor XZ = ir::Tensor::fromValues(ElemType::UInt8, {}, std::vector<uint8_t>{128});
  checkOp("ConvInteger", {in(X), cst(W), cst(XZ)}, {attr("pads", ints({1, 1, 1, 1}))});
  checkOp("ConvInteger", {in(X), in(W), none(), in(randomTensor(ElemType::Int8, {4}, 82, -3, 3))});
  auto F = [](float V) { return ir::Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{V}); };
  checkOp("QLinearConv", {in(X), cst(F(0.02f)), cst(XZ), cst(W), cst(randomTensor(ElemType::Float32, {4}, 83, 0.001, 0.01)),
                          cst(ir::Tensor::fromValues(ElemType::Int8, {4}, std::vector<int8_t>{0, 0, 0, 0})), cst(F(0.05f)),
                          cst(ir::Tensor::fromValues(ElemType::UInt8, {}, std::vector<uint8_t>{100})),
                          cst(randomTensor(ElemType::Int32, {4}, 84, -500, 500))},
          {attr("pads", ints({1, 1, 1, 1}))});
  ir::Tensor A = randomTensor(ElemType::UInt8, {2, 5, 9}, 85, 0, 255), B = randomTensor(ElemType::Int8, {9, 6}, 86, -127, 127);
  checkOp("MatMulInteger", {in(A), in(B), in(ir::Tensor::fromValues(ElemType::UInt8, {}, std::vector<uint8_t>{3}))});
  checkOp("MatMulInteger", {in(A), cst(B), none(), cst(randomTensor(ElemType::Int8, {6}, 87, -4, 4))});
  checkOp("QLinearMatMul", {in(A), cst(F(0.03f)), cst(ir::Tensor::fromValues(ElemType::UInt8, {}, std::vector<uint8_t>{120})),
                            cst(B), cst(F(0.02f)), cst(ir::Tensor::fromValues(ElemType::Int8, {}, std::vector<int8_t>{1})),
                            cst(F(0.1f)), cst(ir::Tensor::fromValues(ElemType::UInt8, {}, std::vector<uint8_t>{128}))});
}

} // namespace

namespace {

/// The graph passes' fused nodes (a Conv/Gemm with its activation as attributes) run in the GEMM kernels.
TEST(HostFusion, GraphPassFusedNodes) {
  if (!ir::findOp("npu.FusedConv"))
    GTEST_SKIP() << "npu.FusedConv is not registered";
  checkOp("npu.FusedConv", {in(randomF32({1, 4, 9, 9}, 91)), cst(randomF32({8, 4, 3, 3}, 92)), cst(randomF32({8}, 93))},
          {attr("pads", ints({1, 1, 1, 1})), attr("activation", std::string("relu"))});
  checkOp("npu.FusedConv", {in(randomF32({1, 8, 9, 9}, 94)), cst(randomF32({8, 1, 3, 3}, 95))},
          {attr("group", int64_t(8)), attr("activation", std::string("clip")), attr("act_min", 0.0f),
           attr("act_max", 0.5f)});
  checkOp("npu.FusedGemm", {in(randomF32({5, 12}, 96)), cst(randomF32({12, 7}, 97)), cst(randomF32({7}, 98))},
          {attr("activation", std::string("leaky_relu")), attr("act_alpha", 0.2f)});
  checkOp("npu.FusedConv", {in(randomTensor(ElemType::Float64, {1, 2, 6, 6}, 99)), in(randomTensor(ElemType::Float64, {3, 2, 3, 3}, 100))},
          {attr("activation", std::string("relu"))});
}

} // namespace

namespace {

/// Convolutions fed by another kernel (their input in the arena): stride-1 ones read it in place or through a
/// padded copy, the padded-width grid is compacted with the fused epilogue (planes above 1024 positions: the
/// smaller ones run with positions as rows).
TEST(HostConv, ChainedStrideOneConvolutions) {
  auto F32 = [](ir::Shape S) { return ir::TensorType(ElemType::Float32, std::move(S)); };
  for (auto [Kh, Pad, Dil, Len] : std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t>>{
           {3, 1, 1, 13}, {1, 0, 1, 7}, {3, 2, 2, 9}, {5, 2, 1, 11}, {3, 0, 1, 10}, {3, 1, 1, 34}, {1, 0, 1, 36}}) {
    SCOPED_TRACE("k" + std::to_string(Kh) + " p" + std::to_string(Pad) + " d" + std::to_string(Dil));
    ir::Graph G;
    G.Name = "chain";
    ir::ValueId X = G.addInput("x", F32({1, 24, Len, Len + 2}));
    ir::ValueId R = G.addValue("r", F32({1, 24, Len, Len + 2}));
    G.addNode("Relu", {X}, {R}, "relu0");
    int64_t OH = Len + 2 * Pad - Dil * (Kh - 1), OW = Len + 2 + 2 * Pad - Dil * (Kh - 1);
    ir::ValueId W = G.addConstant("w", data({40, 24, Kh, Kh}, 200, true));
    ir::ValueId Y = G.addValue("y", F32({1, 40, OH, OW}));
    ir::Node &Cv = G.addNode("Conv", {R, W, G.addConstant("b", randomF32({40}, 201))}, {Y}, "conv");
    Cv.setAttr("pads", ints({Pad, Pad, Pad, Pad}));
    Cv.setAttr("dilations", ints({Dil, Dil}));
    ir::ValueId Res = G.addInput("res", F32({1, 40, OH, OW}));
    ir::ValueId S = G.addValue("s", F32({1, 40, OH, OW})), Z = G.addValue("z", F32({1, 40, OH, OW}));
    G.addNode("Add", {Y, Res}, {S}, "add");
    G.addNode("Relu", {S}, {Z}, "relu1");
    // A second, pointwise convolution reading the first one's result in place.
    ir::ValueId W2 = G.addConstant("w2", data({33, 40, 1, 1}, 202, true));
    ir::ValueId Y2 = G.addValue("y2", F32({1, 33, OH, OW}));
    G.addNode("Conv", {Z, W2}, {Y2}, "conv2");
    G.Outputs = {Y2};
    std::vector<ir::Tensor> Feeds = {data({1, 24, Len, Len + 2}, 203, true), randomF32({1, 40, OH, OW}, 204)};
    expectMatchesReference(G, Feeds);
  }
}

} // namespace

namespace {

/// Conv -> BatchNormalization -> Sum(residual) -> Relu, ResNet-50's fused group, with 77 output channels (a short
/// row tile, a partial channel panel): on planes above 1024 positions (the column path: a masked column tile,
/// K = 300 and 360 in two K blocks, a 1x1 read in place and a stride-2 3x3 through im2col) and on small planes
/// (GemmPos.cpp: a 1x1 read in place and a 3x3 through im2col, short position tiles). On AVX2's narrower
/// vectors too where this CPU has it.
TEST(HostFusion, ResidualConvEpilogues) {
  auto F32 = [](ir::Shape S) { return ir::TensorType(ElemType::Float32, std::move(S)); };
  for (auto [C, H, W, Kh, S] : std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>>{
           {300, 33, 35, 1, 1}, {40, 70, 66, 3, 2}, {600, 14, 14, 1, 1}, {64, 13, 13, 3, 1}}) {
    int64_t OH = (H + 2 * (Kh / 2) - Kh) / S + 1, OW = (W + 2 * (Kh / 2) - Kh) / S + 1, M = 77;
    SCOPED_TRACE("k" + std::to_string(Kh) + " s" + std::to_string(S));
    ir::Graph G;
    G.Name = "residual";
    ir::ValueId X = G.addInput("x", F32({1, C, H, W})), R = G.addInput("r", F32({1, M, OH, OW}));
    ir::ValueId Y = G.addValue("y", F32({1, M, OH, OW}));
    ir::Node &Cv = G.addNode("Conv", {X, G.addConstant("w", data({M, C, Kh, Kh}, 400, true))}, {Y}, "conv");
    Cv.setAttr("pads", ints({Kh / 2, Kh / 2, Kh / 2, Kh / 2}));
    Cv.setAttr("strides", ints({S, S}));
    std::vector<ir::ValueId> Bn = {Y};
    for (uint32_t I = 0; I < 4; ++I)
      Bn.push_back(G.addConstant("bn" + std::to_string(I), randomTensor(ElemType::Float32, {M}, 401 + I, 0.5, 1.5)));
    ir::ValueId B = G.addValue("b", F32({1, M, OH, OW})), Sm = G.addValue("s", F32({1, M, OH, OW}));
    ir::ValueId Z = G.addValue("z", F32({1, M, OH, OW}));
    G.addNode("BatchNormalization", Bn, {B}, "bn");
    G.addNode("Sum", {R, B}, {Sm}, "add");
    G.addNode("Relu", {Sm}, {Z}, "relu");
    G.Outputs = {Z};
    // Every third residual far below the convolution's range (about 75), so that the Relu clips those outputs;
    // no sum close to zero, where the summation order alone would move the result past the tolerance.
    ir::Tensor Res = data({1, M, OH, OW}, 406, true);
    for (int64_t I = 0; I < Res.numElements(); I += 3)
      Res.data<float>()[I] -= 1000.0f;
    std::vector<ir::Tensor> Feeds = {data({1, C, H, W}, 405, true), Res};
    for (const host::HostOptions &O : testTargets())
      expectMatchesReference(G, Feeds, O);
  }
}

} // namespace
