// compareTensors: exact integers, float tolerances, NaN/infinity, type and shape mismatches, summaries.
#include "npu/compiler/ir/Compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace npu::ir;

TEST(Compare, IntegersExact) {
  Tensor E = Tensor::of<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  CompareResult Same = compareTensors(E, E);
  EXPECT_TRUE(Same.Match);
  EXPECT_EQ(Same.Elements, 6u);
  EXPECT_EQ(Same.summary(), "match (6 elements)");

  Tensor A = Tensor::of<int32_t>({2, 3}, {1, 2, 3, 4, 6, 9});
  CompareResult R = compareTensors(A, E);
  EXPECT_FALSE(R.Match);
  EXPECT_EQ(R.Mismatches, 2u);
  EXPECT_EQ(R.FirstMismatch, std::optional<uint64_t>(4));
  EXPECT_EQ(R.FirstMismatchIndex, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(R.FirstActual, 6);
  EXPECT_EQ(R.FirstExpected, 5);
  EXPECT_EQ(R.MaxAbsError, 3);
  EXPECT_EQ(R.summary(), "2 of 6 elements differ (max abs error 3); first at [1,1]: got 6, expected 5");
}

TEST(Compare, IntegerExtremes) {
  Tensor E = Tensor::of<int64_t>({2}, {INT64_MIN, INT64_MAX});
  Tensor A = Tensor::of<int64_t>({2}, {INT64_MAX, INT64_MAX});
  CompareResult R = compareTensors(A, E);
  EXPECT_FALSE(R.Match);
  EXPECT_GT(R.MaxAbsError, 1.8e19);
}

TEST(Compare, FloatTolerances) {
  Tensor E = Tensor::of<float>({3}, {1000.0f, 0.0f, -2.0f});
  // rtol 1e-3 of 1000 is 1; atol 1e-7 around zero.
  EXPECT_TRUE(compareTensors(Tensor::of<float>({3}, {1000.9f, 5e-8f, -2.0015f}), E).Match);
  CompareResult Off = compareTensors(Tensor::of<float>({3}, {1001.2f, 0.0f, -2.0f}), E);
  EXPECT_FALSE(Off.Match);
  EXPECT_EQ(Off.FirstMismatch, std::optional<uint64_t>(0));
  EXPECT_NEAR(Off.MaxAbsError, 1.2, 1e-3);
  EXPECT_FALSE(compareTensors(Tensor::of<float>({3}, {1000.0f, 3e-7f, -2.0f}), E).Match);
  // Custom tolerances.
  EXPECT_TRUE(compareTensors(Tensor::of<float>({3}, {1001.2f, 0.0f, -2.0f}), E, 2e-3).Match);
  EXPECT_TRUE(compareTensors(Tensor::of<float>({3}, {1000.0f, 0.5f, -2.0f}), E, 0, 0.5).Match);
}

TEST(Compare, NanAndInfinity) {
  float Nan = std::numeric_limits<float>::quiet_NaN(), Inf = std::numeric_limits<float>::infinity();
  Tensor E = Tensor::of<float>({3}, {Nan, Inf, -Inf});
  EXPECT_TRUE(compareTensors(Tensor::of<float>({3}, {Nan, Inf, -Inf}), E).Match);
  CompareResult R = compareTensors(Tensor::of<float>({3}, {0.0f, -Inf, Inf}), E);
  EXPECT_EQ(R.Mismatches, 3u);
  EXPECT_TRUE(std::isinf(R.MaxAbsError));
  EXPECT_FALSE(compareTensors(Tensor::of<float>({1}, {Nan}), Tensor::of<float>({1}, {1.0f})).Match);
}

TEST(Compare, TypeAndShapeMismatch) {
  Tensor E = Tensor::of<int8_t>({2, 2}, {1, 2, 3, 4});
  CompareResult T = compareTensors(Tensor::of<int16_t>({2, 2}, {1, 2, 3, 4}), E);
  EXPECT_FALSE(T.Match);
  EXPECT_EQ(T.summary(), "element type differs: got i16, expected i8");
  CompareResult S = compareTensors(Tensor::of<int8_t>({4}, {1, 2, 3, 4}), E);
  EXPECT_FALSE(S.Match);
  EXPECT_EQ(S.summary(), "shape differs: got [4], expected [2,2]");
  EXPECT_TRUE(compareTensors(Tensor::of<int8_t>({1, 2, 2}, {1, 2, 3, 4}), E).Match);
}
