// Pareto fronts of two objectives, both minimized (latency vs area, latency vs energy).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace npu::codesign {

/// Indices of the points no other point dominates (another point is no worse in both and better in one),
/// sorted by the first objective. Equal points are all kept. O(n log n).
std::vector<size_t> paretoFront(const std::vector<std::pair<double, double>> &Points);

} // namespace npu::codesign
