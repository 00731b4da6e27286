// Percentiles of measured values (latencies, gaps).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace ys {

// The nearest-rank percentile `p` (0 < p <= 1) of `sorted` (ascending): the value of rank
// ceil(p * n), counting from 1; 0 when `sorted` is empty.
inline double nearest_rank(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace ys
