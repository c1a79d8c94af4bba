// Fixed-point helpers against plain formulas: rounding at ties and negatives, requantization, shift choice.
#include "QuantTestUtil.h"

#include "npu/compiler/ops/FixedPoint.h"

#include <cmath>

using namespace npu;
using namespace npu::qtest;

TEST(FixedPoint, RoundingShiftTiesGoUp) {
  // x / 2 for x = -5..5: ties (odd x) round toward +infinity, as the ALU's (x + 1) >> 1 does.
  const int64_t Want[] = {-2, -2, -1, -1, 0, 0, 1, 1, 2, 2, 3};
  for (int64_t X = -5; X <= 5; ++X)
    EXPECT_EQ(quant::roundingShift(X, 1), Want[X + 5]) << X;
  EXPECT_EQ(quant::roundingShift(-6, 2), -1); // -1.5 -> -1
  EXPECT_EQ(quant::roundingShift(-7, 2), -2); // -1.75 -> -2
  EXPECT_EQ(quant::roundingShift(6, 2), 2);   // 1.5 -> 2
  EXPECT_EQ(quant::roundingShift(int64_t(1) << 61, 62), 1);
  EXPECT_EQ(quant::roundingShift(-(int64_t(1) << 61), 62), 0);
}

TEST(FixedPoint, RoundingShiftMatchesFloorDivision) {
  std::mt19937_64 Rng(7);
  for (int I = 0; I < 20000; ++I) {
    int S = 1 + int(Rng() % 40);
    int64_t P = int64_t(Rng() % (uint64_t(1) << 50)) - (int64_t(1) << 49);
    int64_t Den = int64_t(1) << S;
    // round half up of P / 2^S = floor((2P + 2^S) / 2^(S+1))
    EXPECT_EQ(quant::roundingShift(P, S), floorDiv(2 * P + Den, 2 * Den)) << P << " " << S;
  }
}

TEST(FixedPoint, RequantizeSaturatesThenClamps) {
  std::mt19937_64 Rng(11);
  for (int I = 0; I < 20000; ++I) {
    int64_t Acc = int64_t(Rng() % (uint64_t(1) << 32)) - (int64_t(1) << 31);
    int64_t M = int64_t(Rng() % (uint64_t(1) << 31));
    int S = 1 + int(Rng() % 62);
    int64_t Zp = int64_t(Rng() % 256) - 128;
    int64_t Lo = int64_t(Rng() % 128) - 128, Hi = Lo + int64_t(Rng() % 128);
    EXPECT_EQ(quant::requantize(Acc, M, S, Zp, Lo, Hi), expectRequant(Acc, M, S, Zp, -128, 127, Lo, Hi))
        << Acc << " " << M << " " << S;
  }
  // The zero point is added before saturation: 500 - 100 = 400 saturates to 127.
  EXPECT_EQ(quant::requantize(1000, 1, 1, -100, -128, 127), 127);
  EXPECT_EQ(quant::requantizeTo(1000, 2, 1, 10, 0, 255, 0, 255), 255);
}

TEST(FixedPoint, ChooseMultipliersUsesTheLargestShift) {
  std::mt19937_64 Rng(3);
  std::uniform_real_distribution<double> Exp(-30, 10);
  for (int I = 0; I < 2000; ++I) {
    std::vector<double> R;
    double Max = 0;
    for (int K = 0; K < 1 + int(Rng() % 8); ++K) {
      R.push_back(std::pow(2.0, Exp(Rng)));
      Max = std::max(Max, R.back());
    }
    auto F = quant::chooseMultipliers(R);
    ASSERT_TRUE(F.isOk()) << F.message();
    ASSERT_GE(F->Shift, 1);
    ASSERT_LE(F->Shift, 62);
    int64_t MaxM = *std::max_element(F->M.begin(), F->M.end());
    EXPECT_LE(MaxM, (int64_t(1) << 31) - 1);
    // One more bit of shift would overflow the multiplier (unless the shift is already at its limit).
    if (F->Shift < 62) {
      EXPECT_GT(std::nearbyint(std::ldexp(Max, F->Shift + 1)), double((int64_t(1) << 31) - 1));
    }
    for (size_t K = 0; K < R.size(); ++K) {
      EXPECT_EQ(F->M[K], int64_t(std::nearbyint(std::ldexp(R[K], F->Shift))));
      if (R[K] == Max) {
        EXPECT_LE(std::fabs(std::ldexp(double(F->M[K]), -F->Shift) / R[K] - 1), std::ldexp(1.0, -29));
      }
    }
  }
}

TEST(FixedPoint, ChooseMultipliersLimits) {
  auto Add = quant::chooseMultipliers({0.7, 1.3}, quant::MaxAddMultiplier);
  ASSERT_TRUE(Add.isOk());
  EXPECT_LE(std::max(Add->M[0], Add->M[1]), quant::MaxAddMultiplier);
  EXPECT_EQ(Add->Shift, 21); // 1.3 * 2^21 < 2^22 <= 1.3 * 2^22
  EXPECT_FALSE(quant::chooseMultipliers({double(int64_t(1) << 31)}).isOk());
  EXPECT_FALSE(quant::chooseMultipliers({-1.0}).isOk());
  EXPECT_FALSE(quant::chooseMultipliers({NAN}).isOk());
  auto Tiny = quant::chooseMultipliers({1e-30});
  ASSERT_TRUE(Tiny.isOk());
  EXPECT_EQ(Tiny->Shift, 62);
  EXPECT_EQ(Tiny->M[0], 0);
}

TEST(FixedPoint, QuantizeValueRoundsHalfToEven) {
  EXPECT_EQ(quant::quantizeValue(2.5, 1.0, -128, 127), 2);
  EXPECT_EQ(quant::quantizeValue(3.5, 1.0, -128, 127), 4);
  EXPECT_EQ(quant::quantizeValue(-2.5, 1.0, -128, 127), -2);
  EXPECT_EQ(quant::quantizeValue(1000, 1.0, -127, 127), 127);
  EXPECT_EQ(quant::quantizeValue(-1000, 1.0, -127, 127), -127);
  EXPECT_DOUBLE_EQ(quant::symmetricScale(0), 1.0);
  EXPECT_DOUBLE_EQ(quant::symmetricScale(12.7), 0.1);
}
