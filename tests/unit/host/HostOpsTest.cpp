// Generated host kernels against the reference interpreter: elementwise, data movement, reductions,
// normalizations and quantization, on random inputs over several element types.
#include "HostTestUtil.h"

using namespace npu;
using namespace npu::test;
using ir::ElemType;

namespace {

const ElemType Floats[] = {ElemType::Float32, ElemType::Float16, ElemType::BFloat16, ElemType::Float64};
const ElemType Numbers[] = {ElemType::Float32, ElemType::Float64, ElemType::Int8,  ElemType::UInt8,
                            ElemType::Int32,   ElemType::Int64,   ElemType::UInt16, ElemType::Float16};

TEST(HostOps, FloatActivations) {
  for (const char *Op : {"Sigmoid", "Tanh", "Exp", "Sqrt", "Reciprocal", "Erf", "Sin", "Cos", "Softsign",
                         "Softplus", "Mish", "Ceil", "Floor", "Round", "HardSwish", "HardSigmoid", "LeakyRelu", "Elu",
                         "Celu", "ThresholdedRelu", "Selu", "Gelu"})
    for (ElemType E : Floats) {
      SCOPED_TRACE(ir::elemTypeName(E));
      ir::Tensor X = randomTensor(E, {3, 5, 7}, 1, -3, 3);
      if (std::string(Op) == "Sqrt")
        X = randomTensor(E, {3, 5, 7}, 1, 0.1, 4);
      checkOp(Op, {in(X)});
    }
  checkOp("Log", {in(randomTensor(ElemType::Float32, {40}, 2, 0.01, 10))});
  checkOp("LeakyRelu", {in(randomF32({4, 9}, 3))}, {attr("alpha", 0.3f)});
  checkOp("Gelu", {in(randomF32({4, 9}, 3))}, {attr("approximate", std::string("tanh"))});
  checkOp("HardSigmoid", {in(randomF32({4, 9}, 3))}, {attr("alpha", 0.5f), attr("beta", 0.1f)});
}

TEST(HostOps, NumericUnary) {
  for (const char *Op : {"Relu", "Neg", "Abs", "Sign", "Identity"})
    for (ElemType E : Numbers) {
      SCOPED_TRACE(ir::elemTypeName(E));
      checkOp(Op, {in(randomTensor(E, {2, 3, 17}, 4, -50, 50))});
    }
  checkOp("Not", {in(randomTensor(ElemType::Bool, {5, 6}, 5, 0, 1))});
}

TEST(HostOps, BinaryBroadcasting) {
  // Shapes that broadcast on the left, on the right, in the middle, with scalars and size-1 dims.
  std::vector<std::pair<ir::Shape, ir::Shape>> Shapes = {{{3, 4, 5}, {3, 4, 5}}, {{3, 4, 5}, {5}},   {{3, 1, 5}, {1, 4, 1}},
                                                         {{2, 3, 4, 5}, {3, 1, 1}}, {{1}, {6, 7}}, {{}, {4, 3}},
                                                         {{64, 130}, {130}}};
  for (const char *Op : {"Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "Equal", "Less", "Greater",
                         "LessOrEqual", "GreaterOrEqual"})
    for (ElemType E : Numbers)
      for (size_t SI = 0; SI < Shapes.size(); ++SI) {
        if (E != ElemType::Float32 && SI != 0 && SI != 3) // every shape in f32, two in the other types
          continue;
        auto &[A, B] = Shapes[SI];
        SCOPED_TRACE(std::string(Op) + " " + std::string(ir::elemTypeName(E)) + " " + ir::formatShape(A) + " " +
                     ir::formatShape(B));
        double Lo = ir::isFloatType(E) ? -4 : 1, Hi = ir::isFloatType(E) ? 4 : 9; // no integer division by zero
        checkOp(Op, {in(randomTensor(E, A, 6, -20, 20)), in(randomTensor(E, B, 7, Lo, Hi))});
      }
}

TEST(HostOps, ModPowLogic) {
  for (ElemType E : {ElemType::Float32, ElemType::Int32, ElemType::Int8, ElemType::UInt8, ElemType::Int64}) {
    SCOPED_TRACE(ir::elemTypeName(E));
    ir::Tensor A = randomTensor(E, {4, 6}, 8, ir::isSignedIntegerType(E) || ir::isFloatType(E) ? -30 : 0, 30);
    ir::Tensor B = randomTensor(E, {6}, 9, 1, 7);
    if (ir::isSignedIntegerType(E) || ir::isFloatType(E))
      for (int64_t I = 0; I < B.numElements(); I += 2)
        B.setDouble(I, -B.getDouble(I));
    checkOp("Mod", {in(A), in(B)});
    checkOp("Mod", {in(A), in(B)}, {attr("fmod", int64_t(1))});
  }
  checkOp("Pow", {in(randomTensor(ElemType::Float32, {3, 4}, 10, 0.1, 3)), in(randomF32({4}, 11))});
  checkOp("Pow", {in(randomTensor(ElemType::Int32, {3, 4}, 10, -5, 5)), in(randomTensor(ElemType::Int64, {1}, 12, 0, 3))});
  for (const char *Op : {"And", "Or", "Xor"})
    checkOp(Op, {in(randomTensor(ElemType::Bool, {3, 4}, 13, 0, 1)), in(randomTensor(ElemType::Bool, {4}, 14, 0, 1))});
  checkOp("Where", {in(randomTensor(ElemType::Bool, {3, 1}, 15, 0, 1)), in(randomF32({3, 4}, 16)), in(randomF32({4}, 17))});
  checkOp("PRelu", {in(randomF32({2, 3, 4}, 18)), in(randomF32({3, 1}, 19))});
}

TEST(HostOps, IntegerDivisionByZeroIsAnError) {
  std::vector<ir::Tensor> Feeds;
  ir::Tensor A = randomTensor(ElemType::Int32, {4}, 20, 1, 9), B = randomTensor(ElemType::Int32, {4}, 21, 1, 9);
  ir::Graph G = oneNode("Div", {in(A), in(B)}, {}, 1, Feeds);
  auto M = host::compileHostModel(G, testOptions());
  ASSERT_TRUE(M.isOk()) << M.message();
  B.setDouble(2, 0);
  auto R = (*M)->run({A, B});
  ASSERT_FALSE(R.isOk());
  EXPECT_NE(R.message().find("division by zero"), std::string::npos) << R.message();
}

TEST(HostOps, Clip) {
  for (ElemType E : Numbers) {
    SCOPED_TRACE(ir::elemTypeName(E));
    ir::Tensor X = randomTensor(E, {5, 7}, 22, -40, 40);
    checkOp("Clip", {in(X), cst(randomTensor(E, {}, 23, -10, -5)), cst(randomTensor(E, {}, 24, 5, 10))});
    checkOp("Clip", {in(X), in(randomTensor(E, {}, 23, -10, -5))});
    checkOp("Clip", {in(X), none(), in(randomTensor(E, {}, 24, 5, 10))});
  }
}

TEST(HostOps, CastMatrix) {
  const ElemType All[] = {ElemType::Float32, ElemType::Float16, ElemType::BFloat16, ElemType::Float64, ElemType::Int8,
                          ElemType::Int16,   ElemType::Int32,   ElemType::Int64,    ElemType::UInt8,   ElemType::UInt16,
                          ElemType::UInt32,  ElemType::UInt64,  ElemType::Bool};
  for (ElemType From : All)
    for (ElemType To : All) {
      SCOPED_TRACE(std::string(ir::elemTypeName(From)) + " -> " + std::string(ir::elemTypeName(To)));
      double Lo = ir::isSignedIntegerType(From) || ir::isFloatType(From) ? -300 : 0;
      ir::Tensor X = randomTensor(From, {3, 11}, 26, Lo, 300);
      if (ir::isFloatType(From)) // fractions, and values past the integer ranges (saturation)
        for (int64_t I = 0; I < X.numElements(); ++I)
          X.setDouble(I, X.getDouble(I) * 1.37);
      checkOp("Cast", {in(X)}, {attr("to", std::string(ir::elemTypeName(To)))});
    }
}

TEST(HostOps, Movement) {
  ir::Tensor X = randomF32({2, 3, 4, 5}, 30);
  checkOp("Transpose", {in(X)}, {attr("perm", ints({0, 2, 3, 1}))});
  checkOp("Transpose", {in(X)});
  checkOp("Transpose", {in(randomTensor(ElemType::Int8, {1, 4, 6, 7, 7}, 31, -9, 9))}, {attr("perm", ints({0, 2, 1, 3, 4}))});
  checkOp("Reshape", {in(X), cst(ir::Tensor::fromInt64s({6, -1}))});
  checkOp("Flatten", {in(X)}, {attr("axis", int64_t(2))});
  checkOp("Concat", {in(X), in(randomF32({2, 1, 4, 5}, 32)), in(randomF32({2, 2, 4, 5}, 33))}, {attr("axis", int64_t(1))});
  checkOp("Concat", {in(X), in(X)}, {attr("axis", int64_t(-1))});
  checkOp("Split", {in(X), cst(ir::Tensor::fromInt64s({1, 3}))}, {attr("axis", int64_t(2))}, 2);
  checkOp("Slice", {in(X), cst(ir::Tensor::fromInt64s({0, 1, -1})), cst(ir::Tensor::fromInt64s({2, 3, -5})),
                    cst(ir::Tensor::fromInt64s({0, 2, 3})), cst(ir::Tensor::fromInt64s({1, 1, -2}))});
  checkOp("Gather", {in(X), in(ir::Tensor::fromValues(ElemType::Int64, {2, 2}, std::vector<int64_t>{0, -1, 2, 1}))},
          {attr("axis", int64_t(1))});
  checkOp("Gather", {in(X), in(ir::Tensor::fromValues(ElemType::Int32, {3}, std::vector<int32_t>{4, 0, -2}))},
          {attr("axis", int64_t(3))});
  checkOp("Expand", {in(randomF32({3, 1}, 34)), cst(ir::Tensor::fromInt64s({2, 3, 4}))});
  checkOp("Tile", {in(randomTensor(ElemType::Int32, {2, 3}, 35, -9, 9)), cst(ir::Tensor::fromInt64s({2, 3}))});
  for (const char *Mode : {"constant", "edge", "reflect", "wrap"})
    checkOp("Pad", {in(randomF32({1, 2, 4, 5}, 36)), cst(ir::Tensor::fromInt64s({0, 0, 2, 3, 0, 1, 3, 2})),
                    cst(ir::Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{1.5f}))},
            {attr("mode", std::string(Mode))});
  checkOp("Pad", {in(randomF32({3, 6}, 37)), cst(ir::Tensor::fromInt64s({-1, 2, 1, -2}))});
  for (const char *Mode : {"DCR", "CRD"})
    checkOp("DepthToSpace", {in(randomF32({1, 8, 3, 4}, 38))}, {attr("blocksize", int64_t(2)), attr("mode", std::string(Mode))});
  checkOp("SpaceToDepth", {in(randomF32({2, 3, 4, 6}, 39))}, {attr("blocksize", int64_t(2))});
}

TEST(HostOps, Resize) {
  ir::Tensor X = randomF32({1, 2, 4, 5}, 40);
  ir::Tensor Scales = ir::Tensor::fromValues(ElemType::Float32, {4}, std::vector<float>{1, 1, 1.5f, 0.6f});
  for (const char *Mode : {"nearest", "linear"})
    for (const char *Ctm : {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"})
      checkOp("Resize", {in(X), none(), cst(Scales)},
              {attr("mode", std::string(Mode)), attr("coordinate_transformation_mode", std::string(Ctm))});
  checkOp("Resize", {in(X), none(), none(), cst(ir::Tensor::fromInt64s({1, 2, 7, 3}))},
          {attr("nearest_mode", std::string("floor"))});
}

TEST(HostOps, Reductions) {
  ir::Tensor X = randomF32({3, 4, 5}, 41);
  for (const char *Op : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                         "ReduceSumSquare", "ReduceLogSumExp"}) {
    checkOp(Op, {in(X), cst(ir::Tensor::fromInt64s({1}))});
    checkOp(Op, {in(X), cst(ir::Tensor::fromInt64s({0, 2}))}, {attr("keepdims", int64_t(0))});
    checkOp(Op, {in(X)});
  }
  checkOp("ReduceSum", {in(randomTensor(ElemType::Int32, {4, 6}, 42, -9, 9)), cst(ir::Tensor::fromInt64s({1}))});
  for (int64_t Axis : {0, 1, -1}) {
    checkOp("Softmax", {in(X)}, {attr("axis", Axis)});
    checkOp("LogSoftmax", {in(X)}, {attr("axis", Axis)});
    checkOp("ArgMax", {in(X)}, {attr("axis", Axis), attr("keepdims", int64_t(0))});
    checkOp("ArgMin", {in(randomTensor(ElemType::Int8, {3, 4, 5}, 43, -3, 3))},
            {attr("axis", Axis), attr("select_last_index", int64_t(1))});
  }
  checkOp("Softmax", {in(randomTensor(ElemType::Float16, {2, 1000}, 44, -5, 5))});
}

TEST(HostOps, Normalizations) {
  ir::Tensor X = randomF32({2, 3, 4, 5}, 50);
  auto P = [](uint32_t S, double Lo = -1, double Hi = 1) { return randomTensor(ElemType::Float32, {3}, S, Lo, Hi); };
  checkOp("BatchNormalization", {in(X), cst(P(51)), cst(P(52)), cst(P(53)), cst(P(54, 0.5, 2))});
  checkOp("BatchNormalization", {in(X), in(P(51)), in(P(52)), in(P(53)), in(P(54, 0.5, 2))}, {attr("epsilon", 1e-3f)});
  checkOp("BatchNormalization", {in(X), in(P(51)), in(P(52)), in(P(53)), in(P(54, 0.5, 2))},
          {attr("training_mode", int64_t(1))}, 3);
  checkOp("InstanceNormalization", {in(X), in(P(55)), in(P(56))});
  checkOp("LayerNormalization", {in(X), in(randomF32({4, 5}, 57)), in(randomF32({5}, 58))}, {attr("axis", int64_t(2))}, 3);
  checkOp("LRN", {in(X)}, {attr("size", int64_t(3)), attr("alpha", 0.01f)});
  // Another beta (pow, not the square-root form of 0.75) and a window wider than the unrolled limit.
  checkOp("LRN", {in(X)}, {attr("size", int64_t(5)), attr("alpha", 0.02f), attr("beta", 0.6f), attr("bias", 2.0f)});
  checkOp("LRN", {in(X)}, {attr("size", int64_t(19)), attr("alpha", 0.05f)});
}

TEST(HostOps, Quantization) {
  ir::Tensor X = randomF32({2, 3, 4}, 60);
  for (ElemType Q : {ElemType::Int8, ElemType::UInt8, ElemType::Int16, ElemType::UInt16}) {
    SCOPED_TRACE(ir::elemTypeName(Q));
    ir::Tensor Zp = randomTensor(Q, {}, 61, 0, 10);
    checkOp("QuantizeLinear", {in(X), cst(ir::Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{0.013f})), cst(Zp)});
    ir::Tensor Zp3 = randomTensor(Q, {3}, 62, 0, 10);
    checkOp("QuantizeLinear", {in(X), in(randomTensor(ElemType::Float32, {3}, 63, 0.01, 0.05)), in(Zp3)});
    ir::Tensor XQ = randomTensor(Q, {2, 3, 4}, 64, 0, 100);
    checkOp("DequantizeLinear", {in(XQ), cst(ir::Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{0.02f})), cst(Zp)});
    checkOp("DequantizeLinear", {in(XQ), in(randomTensor(ElemType::Float32, {4}, 65, 0.01, 0.05)), in(randomTensor(Q, {4}, 66, 0, 9))},
            {attr("axis", int64_t(-1))});
  }
}

} // namespace

namespace {

/// Concatenated values computed by kernels are written in place into the concatenation (no copy); a graph
/// input among the parts is still copied, and a part used twice is copied the second time.
TEST(HostOps, ConcatOfComputedValues) {
  auto F32 = [](ir::Shape S) { return ir::TensorType(ElemType::Float32, std::move(S)); };
  ir::Graph G;
  G.Name = "concat";
  ir::ValueId X = G.addInput("x", F32({1, 3, 4, 5})), Y = G.addInput("y", F32({1, 2, 4, 5}));
  ir::ValueId A = G.addValue("a", F32({1, 3, 4, 5})), B = G.addValue("b", F32({1, 3, 4, 5}));
  G.addNode("Relu", {X}, {A}, "relu");
  G.addNode("Sigmoid", {X}, {B}, "sig");
  ir::ValueId Cc = G.addValue("c", F32({1, 11, 4, 5}));
  G.addNode("Concat", {A, Y, B, A}, {Cc}, "cat").setAttr("axis", int64_t(1));
  ir::ValueId D = G.addValue("d", F32({1, 3, 4, 5}));
  G.addNode("Neg", {B}, {D}, "neg"); // B is also read after the concatenation
  ir::ValueId E = G.addValue("e", F32({1, 14, 4, 5}));
  G.addNode("Concat", {Cc, D}, {E}, "cat2").setAttr("axis", int64_t(1));
  G.Outputs = {E, Cc};
  expectMatchesReference(G, {randomF32({1, 3, 4, 5}, 1), randomF32({1, 2, 4, 5}, 2)});
}

} // namespace
