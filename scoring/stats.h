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

// Standard error of the mean from sums: n values with sum `s` and sum of squares `ss`.
double stderr_from_sums(size_t n, double s, double ss);

}  // namespace ys
