// Integer helpers shared by every layer (one definition instead of one per file).
#pragma once

#include <type_traits>

namespace npu {

/// ceil(A / B) for B > 0, without the overflow of (A + B - 1) / B; a negative A (signed types) rounds toward
/// zero, which is its ceiling.
template <typename T, typename U> constexpr std::common_type_t<T, U> ceilDiv(T A, U B) {
  using R = std::common_type_t<T, U>;
  const R X = R(A), Y = R(B);
  return R(X / Y + R(X % Y != 0 && X > 0));
}

} // namespace npu
