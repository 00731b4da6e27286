// Summary statistics of per-sample scores.
#pragma once

#include <cstddef>

namespace ys {

// Running mean and standard error of the mean, fed one value at a time.
class MeanAccumulator {
 public:
  void add(double x);
  size_t count() const { return n_; }
  double mean() const { return n_ ? mean_ : 0.0; }
  // Sample standard deviation / sqrt(n); 0 for fewer than two values.
  double stderr_of_mean() const;

 private:
  size_t n_ = 0;
  double mean_ = 0, m2_ = 0;  // Welford's online algorithm
};

// The unbiased pass@k estimator of Chen et al. (2021), "Evaluating Large Language Models
// Trained on Code": 1 - C(n-c, k) / C(n, k) for n samples of which c passed, computed as
// 1 - prod_{i=n-c+1}^{n} (1 - k/i). Requires 0 < k <= n and 0 <= c <= n.
double pass_at_k(int n, int c, int k);

// Standard error of the mean from sums: n values with sum `s` and sum of squares `ss`.
double stderr_from_sums(size_t n, double s, double ss);

}  // namespace ys
