// Fixed-point requantization helpers: exactly the ALU's requant arithmetic, and multiplier/shift selection.
#include "npu/compiler/ops/FixedPoint.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace npu::quant {

int64_t roundingShift(int64_t P, int S) {
  assert(S >= MinShift && S <= MaxShift);
  return (P + (int64_t(1) << (S - 1))) >> S;
}

int64_t requantizeTo(int64_t Acc, int64_t M, int S, int64_t Zp, int64_t ActMin, int64_t ActMax, int64_t Lo,
                     int64_t Hi) {
  const int64_t R = std::clamp(roundingShift(Acc * M, S) + Zp, Lo, Hi);
  return std::clamp(R, ActMin, ActMax);
}

int8_t requantize(int64_t Acc, int64_t M, int S, int64_t Zp, int64_t ActMin, int64_t ActMax) {
  return int8_t(requantizeTo(Acc, M, S, Zp, ActMin, ActMax, -128, 127));
}

Expected<FixedMultipliers> chooseMultipliers(const std::vector<double> &Ratios, int64_t MaxM) {
  double Max = 0;
  for (double R : Ratios) {
    if (!std::isfinite(R) || R < 0)
      return makeError("requantization ratio ", R, " is not a finite non-negative number");
    Max = std::max(Max, R);
  }
  // The largest shift keeps the most precision; round(r * 2^S) grows with S, so scan down from the top.
  int S = MaxShift;
  while (S > MinShift && std::nearbyint(std::ldexp(Max, S)) > double(MaxM))
    --S;
  if (std::nearbyint(std::ldexp(Max, S)) > double(MaxM))
    return makeError("requantization ratio ", Max, " is too large for a ", MaxM,
                     " multiplier with a right shift of at least 1");
  FixedMultipliers F;
  F.Shift = S;
  for (double R : Ratios)
    F.M.push_back(int64_t(std::nearbyint(std::ldexp(R, S))));
  return F;
}

double symmetricScale(double AbsMax, int64_t QMax) {
  return AbsMax > 0 && std::isfinite(AbsMax) ? AbsMax / double(QMax) : 1.0;
}

int64_t quantizeValue(double V, double Scale, int64_t Lo, int64_t Hi) {
  const double Q = std::nearbyint(V / Scale);
  if (std::isnan(Q))
    return 0;
  return int64_t(std::clamp(Q, double(Lo), double(Hi)));
}

} // namespace npu::quant
