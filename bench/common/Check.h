// Checking a benchmark's result against its reference before any figure is printed: the first difference,
// a loud failure (exit status 1) and the one "checked:" line per case that says what was compared.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace npubench {

/// "" when Got and Want hold the same N values, else how many differ and the first one.
template <typename T> std::string exactDifference(const T *Got, const T *Want, size_t N) {
  size_t Count = 0, First = N;
  for (size_t I = 0; I < N; ++I)
    if (Got[I] != Want[I] && Count++ == 0)
      First = I;
  if (Count == 0)
    return "";
  std::ostringstream OS;
  // Widened so that int8 values print as numbers, not characters.
  OS << Count << " of " << N << " values differ, first at " << First << ": got " << +Got[First] << ", expected "
     << +Want[First];
  return OS.str();
}

/// "" when the two byte images are identical, else the sizes or the first differing byte.
std::string byteDifference(const std::vector<uint8_t> &Got, const std::vector<uint8_t> &Want);

/// "" when |Got[i] - Want[i]| <= Bound[i] for every i (NaN never passes), else the first element outside.
std::string boundDifference(const float *Got, const double *Want, const double *Bound, size_t N);

/// Prints "CHECK FAILED <Case>: <Why>" to stderr and exits with status 1: a wrong or unchecked
/// result must never be followed by a figure.
[[noreturn]] void checkFailed(const std::string &Case, const std::string &Why);

/// checkFailed when Diff is not empty; else prints "checked: <Case>: <What>".
void requireMatch(const std::string &Case, const std::string &Diff, const std::string &What);

} // namespace npubench
