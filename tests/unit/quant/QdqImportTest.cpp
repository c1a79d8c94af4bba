// Already quantized models convert without calibration: QDQ graphs built here and the ONNX node tests.
// int8 symmetric and uint8 asymmetric QDQ; QLinearConv, QLinearMatMul, ConvInteger and MatMulInteger.
#include "QuantTestUtil.h"

#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/ref/Interpreter.h"

#include <cmath>
#include <filesystem>

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

Tensor scalarF(float V) { return Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{V}); }
Tensor scalarQ(ElemType T, int64_t V) { return Tensor::fromValues(T, {}, std::vector<int64_t>{V}); }

/// x -> Q -> DQ -> Conv(DQ(w), bias) -> Relu -> Q -> DQ -> MaxPool -> Q -> DQ -> out, in type T (i8 or u8).
Graph qdqGraph(ElemType T) {
  const bool U8 = T == ElemType::UInt8;
  Graph G;
  G.Name = "qdq";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 2, 6, 6}));
  ValueId Sx = G.addConstant("sx", scalarF(0.02f)), Zx = G.addConstant("zx", scalarQ(T, U8 ? 120 : 0));
  ValueId Sy = G.addConstant("sy", scalarF(0.05f)), Zy = G.addConstant("zy", scalarQ(T, U8 ? 3 : 0));
  ValueId Wq = G.addConstant("wq", randomInt8({3, 2, 3, 3}, 7, -127, 127));
  ValueId Sw = G.addConstant(
      "sw", Tensor::fromValues(ElemType::Float32, {3}, std::vector<float>{0.01f, 0.02f, 0.005f}));
  ValueId Zw = G.addConstant("zw", Tensor(ElemType::Int8, {3}));
  ValueId B = G.addConstant("b", randomFloats({3}, 8, -0.3f, 0.3f));
  ValueId Xq = addOp(G, "QuantizeLinear", {X, Sx, Zx});
  ValueId Xd = addOp(G, "DequantizeLinear", {Xq, Sx, Zx});
  ValueId Wd = addOp(G, "DequantizeLinear", {Wq, Sw, Zw}, {{"axis", int64_t(0)}});
  ValueId C = addOp(G, "Conv", {Xd, Wd, B}, {{"pads", Shape{1, 1, 1, 1}}});
  ValueId Yq = addOp(G, "QuantizeLinear", {addOp(G, "Relu", {C}), Sy, Zy});
  ValueId Yd = addOp(G, "DequantizeLinear", {Yq, Sy, Zy});
  ValueId P = addOp(G, "MaxPool", {Yd}, {{"kernel_shape", Shape{2, 2}}, {"strides", Shape{2, 2}}});
  ValueId Pq = addOp(G, "QuantizeLinear", {P, Sy, Zy});
  G.Outputs = {addOp(G, "DequantizeLinear", {Pq, Sy, Zy})};
  EXPECT_TRUE(verifyGraph(G).isOk());
  return G;
}

/// A copy of G whose inputs listed in Frozen become constants holding Values[K].
Graph freezeInputs(const Graph &G, const std::vector<Tensor> &Values, size_t KeepFirst) {
  Graph R;
  R.Name = G.Name;
  // Values are re-added in id order, so every node keeps its value ids.
  for (size_t I = 0; I < G.numValues(); ++I) {
    const Value &V = G.value(ValueId(I));
    auto It = std::find(G.Inputs.begin(), G.Inputs.end(), ValueId(I));
    size_t K = size_t(It - G.Inputs.begin());
    if (V.Kind == ValueKind::Input && K >= KeepFirst)
      R.addConstant(V.Name, Values[K]);
    else if (V.Kind == ValueKind::Input)
      R.addInput(V.Name, *V.Type);
    else if (V.Kind == ValueKind::Constant)
      R.addConstant(V.Name, V.Data, V.Type);
    else
      R.addValue(V.Name, V.Type);
  }
  for (const Node &N : G.nodes())
    R.addNode(N.OpType, N.Inputs, N.Outputs, N.Name).Attrs = N.Attrs;
  R.Outputs = G.Outputs;
  return R;
}

} // namespace

TEST(QdqImport, QdqGraphConvertsWithoutCalibration) {
  for (ElemType T : {ElemType::Int8, ElemType::UInt8}) {
    Graph G = qdqGraph(T);
    Graph Q = G;
    Status S = runPasses(Q, {"quantize"}, passes::PassOptions{});
    ASSERT_TRUE(S.isOk()) << S.message();
    EXPECT_EQ(countOps(Q, "npu.QConv"), 1);
    EXPECT_EQ(countOps(Q, "Conv") + countOps(Q, "Relu"), 0);
    EXPECT_EQ(countOps(Q, "MaxPool"), 1);
    EXPECT_EQ(Q.type(Q.Outputs[0]).Elem, ElemType::Float32);
    // The int8 graph computes the QDQ graph's numbers up to one output step (float rounding of the sum and
    // ties: docs/quantization.md).
    int Off = 0;
    for (uint32_t Seed = 1; Seed <= 4; ++Seed) {
      std::vector<Tensor> In = {randomFloats({1, 2, 6, 6}, Seed, -2.5f, 2.5f)};
      auto F = ref::interpret(G, In), I = ref::interpret(Q, In);
      ASSERT_TRUE(F.isOk() && I.isOk()) << (I ? "" : I.message());
      for (int64_t E = 0; E < (*F)[0].numElements(); ++E) {
        double D = std::fabs((*F)[0].getDouble(E) - (*I)[0].getDouble(E));
        EXPECT_LE(D, 0.05 * 1.001) << E;
        Off += D > 0;
      }
    }
    std::cout << elemTypeName(T) << " QDQ graph: " << Off << " of 72 outputs differ by one step\n";
  }
}

namespace {

/// Converts Frozen and compares its outputs on X with Want: exactly, or within one step (ties).
void checkConverted(const std::string &Name, const Graph &Frozen, const char *Op, const Tensor &X,
                    const Tensor &Want, bool Exact, bool Converts = true) {
  Graph Q = Frozen;
  Status S = runPasses(Q, {"quantize"}, passes::PassOptions{});
  ASSERT_TRUE(S.isOk()) << Name << ": " << S.message();
  EXPECT_EQ(countOps(Q, Op), Converts ? 1 : 0) << Name << "\n" << printGraph(Q);
  auto Got = ref::interpret(Q, {X});
  ASSERT_TRUE(Got.isOk()) << Name << ": " << Got.message();
  ASSERT_EQ((*Got)[0].shape(), Want.shape());
  ASSERT_EQ((*Got)[0].elemType(), Want.elemType());
  int Diff = 0;
  for (int64_t E = 0; E < Want.numElements(); ++E) {
    int64_t D = std::abs((*Got)[0].getInt64(E) - Want.getInt64(E));
    EXPECT_LE(D, Exact ? 0 : 1) << Name << " element " << E;
    Diff += D != 0;
  }
  std::cout << Name << ": " << (Converts ? "converted to " : "kept, not ") << Op << ", " << Diff << " of "
            << Want.numElements() << " outputs differ by one (ties)\n";
}

} // namespace

TEST(QdqImport, OnnxQLinearAndIntegerNodeTests) {
  std::string Root = testData("onnx-node");
  if (Root.empty())
    GTEST_SKIP() << "external test data onnx-node is absent";
  struct Case {
    const char *Name, *Op;
    size_t WeightZp;       ///< input index of the weights' zero point
    bool Integer, Batched; ///< *Integer: exact; Batched: 3-D weights, which npu.QMatMul does not take
  };
  const Case Cases[] = {{"test_qlinearconv", "npu.QConv", 5, false, false},
                        {"test_qlinearmatmul_2D_int8_float32", "npu.QMatMul", 5, false, false},
                        {"test_qlinearmatmul_2D_uint8_float32", "npu.QMatMul", 5, false, false},
                        {"test_qlinearmatmul_2D_int8_float16", "npu.QMatMul", 5, false, false},
                        {"test_qlinearmatmul_2D_uint8_float16", "npu.QMatMul", 5, false, false},
                        {"test_qlinearmatmul_3D_int8_float32", "npu.QMatMul", 5, false, true},
                        {"test_qlinearmatmul_3D_uint8_float16", "npu.QMatMul", 5, false, true},
                        {"test_convinteger_with_padding", "npu.QConv", 3, true, false},
                        {"test_convinteger_without_padding", "npu.QConv", 3, true, false},
                        {"test_matmulinteger", "npu.QMatMul", 3, true, false}};
  for (const Case &C : Cases) {
    std::string Dir = Root + "/" + C.Name;
    auto G = frontend::loadModel(Dir + "/model.onnx");
    ASSERT_TRUE(G.isOk()) << G.message();
    std::vector<Tensor> In;
    for (size_t K = 0; K < G->Inputs.size(); ++K)
      In.push_back(
          frontend::readTensorProtoFile(Dir + "/test_data_set_0/input_" + std::to_string(K) + ".pb")->Data);
    Tensor Want = frontend::readTensorProtoFile(Dir + "/test_data_set_0/output_0.pb")->Data;
    // The node tests pass scales, zero points and weights as inputs; a deployed model has them as constants.
    Graph Frozen = freezeInputs(*G, In, 1);
    if (C.Integer) {
      checkConverted(C.Name, Frozen, C.Op, In[0], Want, true);
      continue;
    }
    // These tests' weights minus their zero point do not fit int8, so the node must stay as it is (exact).
    Graph Kept = Frozen;
    ASSERT_TRUE(runPasses(Kept, {"quantize"}, passes::PassOptions{}).isOk());
    EXPECT_EQ(countOps(Kept, C.Op), 0) << C.Name;
    auto KeptOut = ref::interpret(Kept, {In[0]});
    ASSERT_TRUE(KeptOut.isOk());
    EXPECT_EQ((*KeptOut)[0], Want) << C.Name;
    // With a weight zero point the weights fit around (0 for int8, 128 for uint8), the node converts, and its
    // result is the ONNX operator's (our interpreter's QLinear kernel) up to ties.
    Tensor &Zp = In[C.WeightZp];
    for (int64_t E = 0; E < Zp.numElements(); ++E)
      Zp.setDouble(E, Zp.elemType() == ElemType::UInt8 ? 128 : 0);
    Graph Fits = freezeInputs(*G, In, 1);
    auto Ref = ref::interpret(Fits, {In[0]});
    ASSERT_TRUE(Ref.isOk()) << Ref.message();
    checkConverted(std::string(C.Name) + " (weight zero point moved)", Fits, C.Op, In[0], (*Ref)[0],
                   C.Batched, !C.Batched);
  }
}
