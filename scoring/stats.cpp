#include "scoring/stats.h"

#include <algorithm>
#include <cmath>

namespace ys {

void MeanAccumulator::add(double x) {
  ++n_;
  double delta = x - mean_;
  mean_ += delta / static_cast<double>(n_);
  m2_ += delta * (x - mean_);
}

double MeanAccumulator::stderr_of_mean() const {
  if (n_ < 2) return 0.0;
  double variance = m2_ / static_cast<double>(n_ - 1);
  return std::sqrt(variance / static_cast<double>(n_));
}

double pass_at_k(int n, int c, int k) {
  if (n - c < k) return 1.0;
  double fail = 1.0;
  for (int i = n - c + 1; i <= n; ++i) fail *= 1.0 - static_cast<double>(k) / i;
  return 1.0 - fail;
}

double stderr_from_sums(size_t n, double s, double ss) {
  if (n < 2) return 0.0;
  double dn = static_cast<double>(n);
  double variance = std::max(0.0, (ss - s * s / dn) / (dn - 1));
  return std::sqrt(variance / dn);
}

}  // namespace ys
