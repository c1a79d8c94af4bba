// ONNX importer: older opset forms (attributes that became inputs, legacy broadcast, 2-D Softmax, ...) are
// rewritten to the canonical operators and compute what the old semantics say.
#include "OnnxBuilder.h"
#include "TestUtil.h"
#include "npu/compiler/ref/Interpreter.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace npu;
using test::OnnxBuilder;
using test::OnnxFloat;

namespace {

std::vector<ir::Tensor> run(const OnnxBuilder &B, std::vector<ir::Tensor> Inputs) {
  auto G = B.import();
  EXPECT_TRUE(G.isOk()) << G.message();
  if (!G)
    return {};
  auto R = ref::interpret(*G, Inputs);
  EXPECT_TRUE(R.isOk()) << R.message();
  return R ? R.takeValue() : std::vector<ir::Tensor>{};
}

std::vector<float> values(const ir::Tensor &T) {
  std::vector<float> V;
  for (int64_t I = 0; I < T.numElements(); ++I)
    V.push_back(static_cast<float>(T.getDouble(I)));
  return V;
}

void expectNear(const std::vector<float> &Got, const std::vector<float> &Want) {
  ASSERT_EQ(Got.size(), Want.size());
  for (size_t I = 0; I < Got.size(); ++I)
    EXPECT_NEAR(Got[I], Want[I], 1e-5f + 1e-5f * std::fabs(Want[I])) << "element " << I;
}

ir::Tensor iota(ir::Shape Dims) {
  ir::Tensor T(ir::ElemType::Float32, std::move(Dims));
  for (int64_t I = 0; I < T.numElements(); ++I)
    T.data<float>()[I] = static_cast<float>(I) - 3.0f;
  return T;
}

} // namespace

TEST(ImporterOpset, Clip6AttributesBecomeInputs) {
  OnnxBuilder B(6);
  B.input("x", OnnxFloat, {4});
  auto &N = B.node("Clip", {"x"}, {"y"});
  OnnxBuilder::attr(N, "min", -0.5f);
  OnnxBuilder::attr(N, "max", 0.5f);
  B.output("y");
  auto R = run(B, {test::floats({4}, {-1, -0.25f, 0.25f, 1})});
  ASSERT_EQ(R.size(), 1u);
  expectNear(values(R[0]), {-0.5f, -0.25f, 0.25f, 0.5f});
  EXPECT_EQ(B.import()->nodes()[0].Inputs.size(), 3u);
}

TEST(ImporterOpset, Reshape4Squeeze11Unsqueeze11) {
  OnnxBuilder B(11);
  B.M.mutable_opset_import(0)->set_version(4);
  B.input("x", OnnxFloat, {2, 3});
  OnnxBuilder::attr(B.node("Reshape", {"x"}, {"y"}), "shape", std::vector<int64_t>{3, -1});
  B.output("y");
  auto R = run(B, {iota({2, 3})});
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].shape(), (ir::Shape{3, 2}));
  expectNear(values(R[0]), values(iota({2, 3})));

  OnnxBuilder S(11);
  S.input("x", OnnxFloat, {2, 3});
  OnnxBuilder::attr(S.node("Unsqueeze", {"x"}, {"u"}), "axes", std::vector<int64_t>{0, 3});
  OnnxBuilder::attr(S.node("Squeeze", {"u"}, {"y"}), "axes", std::vector<int64_t>{0});
  S.output("u");
  S.output("y");
  auto R2 = run(S, {iota({2, 3})});
  ASSERT_EQ(R2.size(), 2u);
  EXPECT_EQ(R2[0].shape(), (ir::Shape{1, 2, 3, 1}));
  EXPECT_EQ(R2[1].shape(), (ir::Shape{2, 3, 1}));
}

TEST(ImporterOpset, ReduceMean13AxesAttribute) {
  OnnxBuilder B(13);
  B.input("x", OnnxFloat, {2, 3});
  auto &N = B.node("ReduceMean", {"x"}, {"y"});
  OnnxBuilder::attr(N, "axes", std::vector<int64_t>{1});
  OnnxBuilder::attr(N, "keepdims", int64_t(0));
  B.output("y");
  auto R = run(B, {iota({2, 3})});
  ASSERT_EQ(R.size(), 1u);
  expectNear(values(R[0]), {(-3 - 2 - 1) / 3.0f, (0 + 1 + 2) / 3.0f});
}

TEST(ImporterOpset, Pad2AttributesBecomeInputs) {
  OnnxBuilder B(2);
  B.input("x", OnnxFloat, {2, 2});
  auto &N = B.node("Pad", {"x"}, {"y"});
  OnnxBuilder::attr(N, "pads", std::vector<int64_t>{0, 1, 0, 2});
  OnnxBuilder::attr(N, "value", 9.0f);
  B.output("y");
  auto R = run(B, {iota({2, 2})});
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].shape(), (ir::Shape{2, 5}));
  expectNear(values(R[0]), {9, -3, -2, 9, 9, 9, -1, 0, 9, 9});
}

TEST(ImporterOpset, Split11And18) {
  OnnxBuilder B(11);
  B.input("x", OnnxFloat, {2, 3});
  auto &N = B.node("Split", {"x"}, {"a", "b"});
  OnnxBuilder::attr(N, "axis", int64_t(1));
  OnnxBuilder::attr(N, "split", std::vector<int64_t>{1, 2});
  B.output("a");
  B.output("b");
  auto R = run(B, {iota({2, 3})});
  ASSERT_EQ(R.size(), 2u);
  expectNear(values(R[0]), {-3, 0});
  expectNear(values(R[1]), {-2, -1, 1, 2});

  OnnxBuilder C(18);
  C.input("x", OnnxFloat, {3});
  OnnxBuilder::attr(C.node("Split", {"x"}, {"a", "b"}), "num_outputs", int64_t(2));
  C.output("a");
  C.output("b");
  auto R2 = run(C, {iota({3})});
  ASSERT_EQ(R2.size(), 2u);
  EXPECT_EQ(R2[0].shape(), (ir::Shape{2}));
  EXPECT_EQ(R2[1].shape(), (ir::Shape{1}));
}

TEST(ImporterOpset, Softmax11CoercesTo2D) {
  OnnxBuilder B(11);
  B.input("x", OnnxFloat, {2, 3, 2});
  OnnxBuilder::attr(B.node("Softmax", {"x"}, {"y"}), "axis", int64_t(1));
  B.output("y");
  ir::Tensor X = iota({2, 3, 2});
  auto R = run(B, {X});
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].shape(), (ir::Shape{2, 3, 2}));
  std::vector<float> Want;
  for (int Bt = 0; Bt < 2; ++Bt) { // one softmax over all 6 elements of each batch item
    double Sum = 0;
    for (int I = 0; I < 6; ++I)
      Sum += std::exp(X.getDouble(Bt * 6 + I));
    for (int I = 0; I < 6; ++I)
      Want.push_back(static_cast<float>(std::exp(X.getDouble(Bt * 6 + I)) / Sum));
  }
  expectNear(values(R[0]), Want);
}

TEST(ImporterOpset, Add6LegacyBroadcastWithAxis) {
  OnnxBuilder B(6);
  B.input("a", OnnxFloat, {2, 3, 2});
  B.input("b", OnnxFloat, {3});
  auto &N = B.node("Add", {"a", "b"}, {"y"});
  OnnxBuilder::attr(N, "broadcast", int64_t(1));
  OnnxBuilder::attr(N, "axis", int64_t(1));
  B.output("y");
  ir::Tensor A = iota({2, 3, 2});
  auto R = run(B, {A, test::floats({3}, {10, 20, 30})});
  ASSERT_EQ(R.size(), 1u);
  std::vector<float> Want;
  for (int I = 0; I < 12; ++I)
    Want.push_back(static_cast<float>(A.getDouble(I)) + 10.0f * static_cast<float>((I / 2) % 3 + 1));
  expectNear(values(R[0]), Want);
}

TEST(ImporterOpset, BatchNorm6) {
  OnnxBuilder B(6);
  B.input("x", OnnxFloat, {1, 2, 2});
  B.initializer("s", {2, 3}, {2});
  B.initializer("b", {1, -1}, {2});
  B.initializer("m", {0.5f, -0.5f}, {2});
  B.initializer("v", {4, 9}, {2});
  auto &N = B.node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"});
  OnnxBuilder::attr(N, "is_test", int64_t(1));
  OnnxBuilder::attr(N, "epsilon", 0.0f);
  OnnxBuilder::attr(N, "spatial", int64_t(1));
  OnnxBuilder::attr(N, "consumed_inputs", std::vector<int64_t>{0, 0, 0, 1, 1});
  B.output("y");
  auto R = run(B, {test::floats({1, 2, 2}, {1, 2, 3, 4})});
  ASSERT_EQ(R.size(), 1u);
  expectNear(values(R[0]), {2 * (1 - 0.5f) / 2 + 1, 2 * (2 - 0.5f) / 2 + 1, 3 * (3 + 0.5f) / 3 - 1,
                            3 * (4 + 0.5f) / 3 - 1});
  N.mutable_attribute(2)->set_i(0); // spatial=0
  auto G = B.import();
  ASSERT_FALSE(G.isOk());
  EXPECT_NE(G.message().find("unsupported: BatchNormalization with spatial=0"), std::string::npos)
      << G.message();
}

TEST(ImporterOpset, Upsample9AndResize10AreNearestAsymmetric) {
  for (const char *Op : {"Upsample", "Resize"}) {
    OnnxBuilder B(std::string(Op) == "Upsample" ? 9 : 10);
    B.input("x", OnnxFloat, {1, 1, 2, 2});
    B.initializer("scales", {1, 1, 2, 1.5f}, {4});
    B.node(Op, {"x", "scales"}, {"y"});
    B.output("y");
    auto R = run(B, {test::floats({1, 1, 2, 2}, {1, 2, 3, 4})});
    ASSERT_EQ(R.size(), 1u) << Op;
    EXPECT_EQ(R[0].shape(), (ir::Shape{1, 1, 4, 3}));
    // out[i][j] = in[floor(i / 2)][floor(j / 1.5)]
    expectNear(values(R[0]), {1, 1, 2, 1, 1, 2, 3, 3, 4, 3, 3, 4});
  }
  OnnxBuilder U(7);
  U.input("x", OnnxFloat, {1, 2});
  OnnxBuilder::attr(U.node("Upsample", {"x"}, {"y"}), "scales", std::vector<float>{1, 2});
  U.output("y");
  auto R = run(U, {test::floats({1, 2}, {5, 6})});
  ASSERT_EQ(R.size(), 1u);
  expectNear(values(R[0]), {5, 5, 6, 6});
}

TEST(ImporterOpset, Slice9DropoutCastConstants) {
  OnnxBuilder B(9);
  B.input("x", OnnxFloat, {3, 2});
  auto &S = B.node("Slice", {"x"}, {"s"});
  OnnxBuilder::attr(S, "starts", std::vector<int64_t>{1});
  OnnxBuilder::attr(S, "ends", std::vector<int64_t>{3});
  OnnxBuilder::attr(S, "axes", std::vector<int64_t>{0});
  OnnxBuilder::attr(B.node("Dropout", {"s"}, {"d"}), "ratio", 0.5f);
  OnnxBuilder::attr(B.node("Cast", {"d"}, {"c"}), "to", int64_t(onnx::TensorProto::INT32));
  auto &K = B.node("Constant", {}, {"k"});
  auto *A = K.add_attribute();
  A->set_name("value");
  A->set_type(onnx::AttributeProto::TENSOR);
  A->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  A->mutable_t()->add_dims(2);
  A->mutable_t()->add_float_data(0.5f);
  A->mutable_t()->add_float_data(-0.5f);
  B.node("Add", {"d", "k"}, {"y"});
  B.output("c");
  B.output("y");
  auto R = run(B, {test::floats({3, 2}, {0, 1, 2.7f, -2.7f, 4, 5})});
  ASSERT_EQ(R.size(), 2u);
  EXPECT_EQ(R[0].elemType(), ir::ElemType::Int32);
  expectNear(values(R[0]), {2, -2, 4, 5});
  expectNear(values(R[1]), {3.2f, -3.2f, 4.5f, 4.5f});
}

TEST(ImporterOpset, ShapeArithmeticGivesStaticShapes) {
  OnnxBuilder B(13);
  B.input("x", OnnxFloat, {2, 3, 4});
  B.initializerInts("zero", {0});
  B.initializerInts("minus1", {-1});
  B.node("Shape", {"x"}, {"shp"});
  OnnxBuilder::attr(B.node("Gather", {"shp", "zero"}, {"batch"}), "axis", int64_t(0));
  OnnxBuilder::attr(B.node("Concat", {"batch", "minus1"}, {"target"}), "axis", int64_t(0));
  B.node("Reshape", {"x", "target"}, {"y"});
  B.output("y");
  auto G = B.import();
  ASSERT_TRUE(G.isOk()) << G.message();
  EXPECT_EQ(G->type(G->Outputs[0]).Dims, (ir::Shape{2, 12}));
  auto R = ref::interpret(*G, {iota({2, 3, 4})});
  ASSERT_TRUE(R.isOk()) << R.message();
  EXPECT_EQ((*R)[0].shape(), (ir::Shape{2, 12}));
}

TEST(ImporterOpset, ConvDefaultsAndConstantForms) {
  OnnxBuilder B(22);
  B.input("x", OnnxFloat, {1, 1, 5, 5});
  B.initializer("w", std::vector<float>(9, 1.0f), {1, 1, 3, 3});
  B.node("Conv", {"x", "w"}, {"c"});
  auto &K = B.node("Constant", {}, {"k"});
  OnnxBuilder::attr(K, "value_floats", std::vector<float>{1, 2, 3});
  auto &I = B.node("Constant", {}, {"i"});
  OnnxBuilder::attr(I, "value_int", int64_t(7));
  B.output("c");
  B.output("k");
  B.output("i");
  ir::Tensor X(ir::ElemType::Float32, {1, 1, 5, 5});
  for (int64_t E = 0; E < 25; ++E)
    X.data<float>()[E] = 1.0f;
  auto R = run(B, {X});
  ASSERT_EQ(R.size(), 3u);
  EXPECT_EQ(R[0].shape(), (ir::Shape{1, 1, 3, 3}));
  expectNear(values(R[0]), std::vector<float>(9, 9.0f));
  expectNear(values(R[1]), {1, 2, 3});
  EXPECT_EQ(R[2].elemType(), ir::ElemType::Int64);
  EXPECT_EQ(R[2].getInt64(0), 7);
}
