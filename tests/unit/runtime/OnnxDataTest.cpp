// Reading real ONNX backend-test data (NPU_TESTDATA_DIR/onnx-node), checked against plain C++ references.
#include "npu/runtime/TensorProto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

using namespace npu;
using namespace npu::runtime;

namespace {

std::string dataSet(const std::string &Test) {
  return std::string(NPU_TESTDATA_DIR) + "/onnx-node/" + Test + "/test_data_set_0/";
}

#define REQUIRE_TESTDATA(Test)                                                                               \
  if (!std::filesystem::exists(dataSet(Test)))                                                               \
  GTEST_SKIP() << "ONNX test data not found at " << dataSet(Test) << " (set NPU_TESTDATA_DIR)"

NamedTensor load(const std::string &Path) {
  auto T = readTensorProto(Path);
  EXPECT_TRUE(T.isOk()) << T.message();
  return T.isOk() ? T.takeValue() : NamedTensor();
}

} // namespace

TEST(OnnxData, AddInt8) {
  REQUIRE_TESTDATA("test_add_int8");
  NamedTensor X = load(dataSet("test_add_int8") + "input_0.pb");
  NamedTensor Y = load(dataSet("test_add_int8") + "input_1.pb");
  NamedTensor Sum = load(dataSet("test_add_int8") + "output_0.pb");
  for (const NamedTensor *T : {&X, &Y, &Sum}) {
    EXPECT_EQ(T->Data.elemType(), ir::ElemType::Int8);
    EXPECT_EQ(T->Data.shape(), (std::vector<int64_t>{3, 4, 5}));
  }
  EXPECT_EQ(X.Name, "x");
  EXPECT_EQ(Y.Name, "y");
  auto XV = X.Data.values<int8_t>(), YV = Y.Data.values<int8_t>(), SV = Sum.Data.values<int8_t>();
  ASSERT_EQ(SV.size(), 60u);
  for (size_t I = 0; I < SV.size(); ++I)
    EXPECT_EQ(SV[I], int8_t(XV[I] + YV[I])) << I; // ONNX Add on int8 wraps
}

TEST(OnnxData, AddFloat) {
  REQUIRE_TESTDATA("test_add");
  NamedTensor X = load(dataSet("test_add") + "input_0.pb");
  NamedTensor Y = load(dataSet("test_add") + "input_1.pb");
  NamedTensor Sum = load(dataSet("test_add") + "output_0.pb");
  ASSERT_EQ(Sum.Data.elemType(), ir::ElemType::Float32);
  ASSERT_EQ(Sum.Data.shape(), (std::vector<int64_t>{3, 4, 5}));
  auto XV = X.Data.values<float>(), YV = Y.Data.values<float>(), SV = Sum.Data.values<float>();
  for (size_t I = 0; I < SV.size(); ++I)
    EXPECT_NEAR(SV[I], XV[I] + YV[I], 1e-6 + 1e-6 * std::fabs(SV[I])) << I;
}

TEST(OnnxData, Uint8WithScalarAndInt32Output) {
  REQUIRE_TESTDATA("test_convinteger_without_padding");
  std::string D = dataSet("test_convinteger_without_padding");
  NamedTensor X = load(D + "input_0.pb"), W = load(D + "input_1.pb"), Zp = load(D + "input_2.pb");
  NamedTensor Y = load(D + "output_0.pb");
  ASSERT_EQ(X.Data.elemType(), ir::ElemType::UInt8);
  ASSERT_EQ(X.Data.shape(), (std::vector<int64_t>{1, 1, 3, 3}));
  ASSERT_EQ(W.Data.shape(), (std::vector<int64_t>{1, 1, 2, 2}));
  ASSERT_EQ(Zp.Data.shape(), std::vector<int64_t>{});
  ASSERT_EQ(Zp.Data.numElements(), 1);
  ASSERT_EQ(Y.Data.elemType(), ir::ElemType::Int32);
  ASSERT_EQ(Y.Data.shape(), (std::vector<int64_t>{1, 1, 2, 2}));
  // ConvInteger: y = sum((x - x_zero_point) * w) over a 2x2 window, stride 1.
  auto XV = X.Data.values<uint8_t>(), WV = W.Data.values<uint8_t>();
  auto YV = Y.Data.values<int32_t>();
  int32_t Z = Zp.Data.values<uint8_t>()[0];
  for (int R = 0; R < 2; ++R)
    for (int C = 0; C < 2; ++C) {
      int32_t Acc = 0;
      for (int KR = 0; KR < 2; ++KR)
        for (int KC = 0; KC < 2; ++KC)
          Acc += (int32_t(XV[(R + KR) * 3 + C + KC]) - Z) * int32_t(WV[KR * 2 + KC]);
      EXPECT_EQ(YV[R * 2 + C], Acc) << R << "," << C;
    }
}

TEST(OnnxData, ReadWholeDataSet) {
  REQUIRE_TESTDATA("test_add_uint8");
  auto In = readTensorDir(dataSet("test_add_uint8"), "input");
  ASSERT_TRUE(In.isOk()) << In.message();
  ASSERT_EQ(In->size(), 2u);
  EXPECT_TRUE((*In)[0] && (*In)[1]);
  EXPECT_EQ((*In)[0]->Data.elemType(), ir::ElemType::UInt8);
}
