// ir::Tensor's typed construction and copies (Tensor::of, values<T>, elemTypeOf) against hand-written bytes.
#include "npu/compiler/ir/Tensor.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

using namespace npu::ir;

static_assert(elemTypeOf<int8_t>() == ElemType::Int8 && elemTypeOf<uint16_t>() == ElemType::UInt16 &&
              elemTypeOf<float>() == ElemType::Float32 && elemTypeOf<Half>() == ElemType::Float16 &&
              elemTypeOf<bool>() == ElemType::Bool);

TEST(Tensor, OfStoresValuesLittleEndianRowMajor) {
  Tensor T = Tensor::of<int16_t>({2, 2}, {1, -2, 300, std::numeric_limits<int16_t>::min()});
  EXPECT_EQ(T.elemType(), ElemType::Int16);
  EXPECT_EQ(T.shape(), (Shape{2, 2}));
  EXPECT_EQ(T.byteVector(), (std::vector<uint8_t>{0x01, 0x00, 0xFE, 0xFF, 0x2C, 0x01, 0x00, 0x80}));
  EXPECT_EQ(T.getInt64(3), -32768);
}

TEST(Tensor, OfKeepsInt64BeyondDoublePrecision) {
  // fromValues goes through double; of copies the values as they are.
  const int64_t Big = (int64_t(1) << 60) + 1;
  Tensor T = Tensor::of<int64_t>({2}, {Big, std::numeric_limits<int64_t>::min()});
  EXPECT_EQ(T.toInt64s(), (std::vector<int64_t>{Big, std::numeric_limits<int64_t>::min()}));
}

TEST(Tensor, ValuesCopiesTheElements) {
  Tensor T(ElemType::Float32, {3});
  T.setDouble(0, 1.5), T.setDouble(1, -0.25), T.setDouble(2, 1e30);
  EXPECT_EQ(T.values<float>(), (std::vector<float>{1.5f, -0.25f, 1e30f}));
  std::vector<float> Copy = T.values<float>();
  Copy[0] = 7;
  EXPECT_EQ(T.getDouble(0), 1.5); // a copy, not a view
  EXPECT_TRUE(Tensor::of<uint8_t>({0}, {}).values<uint8_t>().empty());
}
