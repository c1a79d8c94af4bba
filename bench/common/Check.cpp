// The benchmarks' result checks (see Check.h).
#include "Check.h"

#include <cstdio>
#include <cstdlib>

namespace npubench {

std::string byteDifference(const std::vector<uint8_t> &Got, const std::vector<uint8_t> &Want) {
  if (Got.size() != Want.size())
    return "sizes differ: " + std::to_string(Got.size()) + " bytes, expected " + std::to_string(Want.size());
  std::string D = exactDifference(Got.data(), Want.data(), Got.size());
  return D.empty() ? D : "bytes: " + D;
}

std::string boundDifference(const float *Got, const double *Want, const double *Bound, size_t N) {
  size_t Count = 0, First = N;
  for (size_t I = 0; I < N; ++I)
    if (!(std::fabs(double(Got[I]) - Want[I]) <= Bound[I]) && Count++ == 0)
      First = I;
  if (Count == 0)
    return "";
  std::ostringstream OS;
  OS.precision(9);
  OS << Count << " of " << N << " values outside the bound, first at " << First << ": got " << Got[First]
     << ", expected " << Want[First] << " +- " << Bound[First];
  return OS.str();
}

void checkFailed(const std::string &Case, const std::string &Why) {
  std::fflush(stdout); // what was printed before comes first
  std::fprintf(stderr, "CHECK FAILED %s: %s\n", Case.c_str(), Why.c_str());
  std::exit(1);
}

void requireMatch(const std::string &Case, const std::string &Diff, const std::string &What) {
  if (!Diff.empty())
    checkFailed(Case, Diff);
  std::printf("checked: %s: %s\n", Case.c_str(), What.c_str());
  std::fflush(stdout);
}

} // namespace npubench
