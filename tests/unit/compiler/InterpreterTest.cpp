// Reference interpreter on whole graphs: mnist-8 against its reference outputs, input checks, lifetimes.
#include "npu/compiler/ref/Interpreter.h"
#include "TestUtil.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ir/Printer.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace npu;
using namespace npu::ir;

TEST(Interpreter, Mnist8MatchesItsThreeReferenceOutputs) {
  std::string Dir = test::testData("models/mnist-8");
  if (Dir.empty())
    GTEST_SKIP() << "models/mnist-8 not found under " << NPU_TESTDATA_DIR;
  auto G = frontend::importOnnx(Dir + "/model.onnx");
  ASSERT_TRUE(G.isOk()) << G.message();
  for (int Set = 0; Set < 3; ++Set) {
    std::string SetDir = Dir + "/test_data_set_" + std::to_string(Set);
    auto In = frontend::readTensorProtoFile(SetDir + "/input_0.pb");
    auto Want = frontend::readTensorProtoFile(SetDir + "/output_0.pb");
    ASSERT_TRUE(In.isOk() && Want.isOk());
    auto Got = ref::interpret(*G, {In->Data});
    ASSERT_TRUE(Got.isOk()) << Got.message();
    ASSERT_EQ(Got->size(), 1u);
    const Tensor &Y = (*Got)[0];
    ASSERT_EQ(Y.shape(), Want->Data.shape());
    int64_t ArgGot = 0, ArgWant = 0;
    for (int64_t I = 0; I < Y.numElements(); ++I) {
      float G1 = Y.data<float>()[I], W1 = Want->Data.data<float>()[I];
      EXPECT_NEAR(G1, W1, 1e-4f + 1e-3f * std::fabs(W1)) << "set " << Set << " element " << I;
      if (G1 > Y.data<float>()[ArgGot])
        ArgGot = I;
      if (W1 > Want->Data.data<float>()[ArgWant])
        ArgWant = I;
    }
    EXPECT_EQ(ArgGot, ArgWant);
  }
}

TEST(Interpreter, ChecksInputsAgainstTheGraph) {
  auto G = parseGraph("graph \"g\" {\n  input %x: f32[2]\n  %y: f32[2] = Relu(%x)\n  output %y\n}\n");
  ASSERT_TRUE(G.isOk()) << G.message();
  EXPECT_FALSE(ref::interpret(*G, {}).isOk());
  auto Wrong = ref::interpret(*G, {test::floats({3}, {1, 2, 3})});
  ASSERT_FALSE(Wrong.isOk());
  EXPECT_NE(Wrong.message().find("input 'x' is f32[3], the graph takes f32[2]"), std::string::npos)
      << Wrong.message();
  auto Ok = ref::interpret(*G, {test::floats({2}, {-1, 2})});
  ASSERT_TRUE(Ok.isOk()) << Ok.message();
  EXPECT_EQ((*Ok)[0].data<float>()[0], 0.0f);
  EXPECT_EQ((*Ok)[0].data<float>()[1], 2.0f);
}

TEST(Interpreter, RuntimeErrorsNameTheNode) {
  auto G = parseGraph("graph \"g\" {\n  input %a: i32[2]\n  input %b: i32[2]\n"
                      "  %y: i32[2] = Div(%a, %b) name \"divide\"\n  output %y\n}\n");
  ASSERT_TRUE(G.isOk()) << G.message();
  Tensor A = Tensor::fromValues<int>(ElemType::Int32, {2}, {7, INT32_MIN});
  Tensor B = Tensor::fromValues<int>(ElemType::Int32, {2}, {0, -1});
  auto R = ref::interpret(*G, {A, B});
  ASSERT_FALSE(R.isOk());
  EXPECT_NE(R.message().find("node 'divide' (Div): integer division by zero"), std::string::npos)
      << R.message();
  Tensor B2 = Tensor::fromValues<int>(ElemType::Int32, {2}, {2, -1});
  auto R2 = ref::interpret(*G, {A, B2}); // INT32_MIN / -1 wraps instead of trapping
  ASSERT_TRUE(R2.isOk()) << R2.message();
  EXPECT_EQ((*R2)[0].data<int32_t>()[0], 3);
  EXPECT_EQ((*R2)[0].data<int32_t>()[1], INT32_MIN);
}

TEST(Interpreter, GraphOutputsMayBeInputsOrConstantsAndRepeat) {
  auto G = parseGraph("graph \"g\" {\n  input %x: f32[1]\n  const %c: i64[2] = [4, 5]\n"
                      "  %y: f32[1] = Neg(%x)\n  output %x, %c, %y, %y\n}\n");
  ASSERT_TRUE(G.isOk()) << G.message();
  auto R = ref::interpret(*G, {test::floats({1}, {2})});
  ASSERT_TRUE(R.isOk()) << R.message();
  ASSERT_EQ(R->size(), 4u);
  EXPECT_EQ((*R)[1].getInt64(1), 5);
  EXPECT_EQ((*R)[3].data<float>()[0], -2.0f);
}

TEST(Interpreter, DataDependentShapeIsCheckedAtRunTime) {
  // The declared type stands for a Reshape whose target comes from an input; running checks it.
  auto G = parseGraph("graph \"g\" {\n  input %x: f32[2,3]\n  input %s: i64[2]\n"
                      "  %y: f32[3,2] = Reshape(%x, %s)\n  output %y\n}\n");
  ASSERT_TRUE(G.isOk()) << G.message();
  Tensor X = test::randomFloats({2, 3}, 5);
  EXPECT_TRUE(ref::interpret(*G, {X, Tensor::fromInt64s({3, 2})}).isOk());
  auto Bad = ref::interpret(*G, {X, Tensor::fromInt64s({6, 1})});
  ASSERT_FALSE(Bad.isOk());
  EXPECT_NE(Bad.message().find("graph declares f32[3,2]"), std::string::npos) << Bad.message();
}
