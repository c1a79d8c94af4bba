// Pareto front by one sort on the first objective and a sweep keeping the best second objective so far.
#include "npu/codesign/Pareto.h"

#include <algorithm>
#include <limits>

namespace npu::codesign {

std::vector<size_t> paretoFront(const std::vector<std::pair<double, double>> &Points) {
  std::vector<size_t> Order(Points.size());
  for (size_t I = 0; I < Order.size(); ++I)
    Order[I] = I;
  std::sort(Order.begin(), Order.end(),
            [&](size_t A, size_t B) { return Points[A] != Points[B] ? Points[A] < Points[B] : A < B; });
  std::vector<size_t> Front;
  double Best = std::numeric_limits<double>::infinity();
  for (size_t K = 0; K < Order.size(); ++K) {
    const auto &P = Points[Order[K]];
    // A point equal to the last kept one is kept too (it is not dominated).
    const bool SameAsKept = !Front.empty() && Points[Front.back()] == P;
    if (P.second < Best || SameAsKept) {
      Front.push_back(Order[K]);
      Best = std::min(Best, P.second);
    }
  }
  return Front;
}

} // namespace npu::codesign
