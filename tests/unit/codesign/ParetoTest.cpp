// Pareto fronts against a brute-force dominance check on random points (with ties), and the adaptive strategy's
// choice of points.
#include "npu/codesign/Pareto.h"
#include "npu/codesign/Sweep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using namespace npu::codesign;

namespace {

std::vector<size_t> bruteForce(const std::vector<std::pair<double, double>> &P) {
  std::vector<size_t> Front;
  for (size_t I = 0; I < P.size(); ++I) {
    bool Dominated = false;
    for (size_t J = 0; J < P.size() && !Dominated; ++J)
      Dominated = P[J].first <= P[I].first && P[J].second <= P[I].second &&
                  (P[J].first < P[I].first || P[J].second < P[I].second);
    if (!Dominated)
      Front.push_back(I);
  }
  return Front;
}

} // namespace

TEST(Pareto, MatchesBruteForceOnRandomPoints) {
  std::mt19937 Gen(12345);
  for (int Round = 0; Round < 200; ++Round) {
    const size_t N = 1 + Gen() % 60;
    const int Range = 2 + int(Gen() % 20); // small ranges make ties
    std::vector<std::pair<double, double>> P;
    for (size_t K = 0; K < N; ++K)
      P.push_back({double(Gen() % Range), double(Gen() % Range)});
    std::vector<size_t> Got = paretoFront(P), Want = bruteForce(P);
    for (size_t K = 1; K < Got.size(); ++K)
      EXPECT_LE(P[Got[K - 1]].first, P[Got[K]].first); // sorted by the first objective
    std::sort(Got.begin(), Got.end());
    EXPECT_EQ(Got, Want) << "round " << Round;
  }
}

TEST(Pareto, SmallCases) {
  EXPECT_TRUE(paretoFront({}).empty());
  EXPECT_EQ(paretoFront({{1, 1}}), std::vector<size_t>{0});
  EXPECT_EQ(paretoFront({{3, 1}, {1, 3}, {2, 2}, {3, 3}}), (std::vector<size_t>{1, 2, 0}));
  EXPECT_EQ(paretoFront({{1, 2}, {1, 2}}), (std::vector<size_t>{0, 1})); // equal points are both kept
}

TEST(Adaptive, FrontsFirstThenByTime) {
  auto Row = [](int64_t Point, double Time, double Area, double Energy, const char *Status = "ok") {
    PointResult R;
    R.PointIndex = Point, R.TimeUs = Time, R.AreaUm2 = Area, R.EnergyPj = Energy, R.Status = Status;
    return R;
  };
  // Point 3 is on the time/area front (smallest area), 0 on both (fastest); 1 and 2 are dominated;
  // 4 failed. Two models for point 0: times add up.
  std::vector<PointResult> Rows = {Row(0, 5, 10, 5),   Row(0, 5, 10, 5),  Row(1, 11, 12, 12),
                                   Row(2, 12, 11, 11), Row(3, 30, 1, 50), Row(4, 1, 1, 1, "compile_failed")};
  EXPECT_EQ(adaptiveSelection(Rows, 1), std::vector<uint64_t>{0});
  EXPECT_EQ(adaptiveSelection(Rows, 2), (std::vector<uint64_t>{0, 3}));
  EXPECT_EQ(adaptiveSelection(Rows, 3), (std::vector<uint64_t>{0, 1, 3}));
  EXPECT_EQ(adaptiveSelection(Rows, 10), (std::vector<uint64_t>{0, 1, 2, 3}));
}
