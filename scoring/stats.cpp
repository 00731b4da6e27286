#include "scoring/stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "util/random.h"

namespace ys {
namespace {

// Clusters reduced to what a resample needs: cluster j holds counts[j] values summing to
// sums[j].
struct ClusterSums {
  std::vector<double> sums;
  std::vector<size_t> counts;
};

ClusterSums cluster_sums(const std::vector<std::vector<double>>& clusters) {
  ClusterSums out;
  for (const auto& c : clusters) {
    if (c.empty()) continue;
    double s = 0;
    for (double x : c) s += x;
    out.sums.push_back(s);
    out.counts.push_back(c.size());
  }
  return out;
}

// One bootstrap resample's mean: draws c.sums.size() clusters with replacement and divides
// the sum of their values by the number of values drawn.
double resampled_mean(SplitMix64& rng, const ClusterSums& c) {
  double s = 0;
  size_t n = 0;
  for (size_t i = 0; i < c.sums.size(); ++i) {
    const size_t j = static_cast<size_t>(rng.below(c.sums.size()));
    s += c.sums[j];
    n += c.counts[j];
  }
  return s / static_cast<double>(n);
}

void check_options(const BootstrapOptions& o) {
  if (o.replicates < 1) throw std::invalid_argument("bootstrap replicates must be at least 1");
  if (!(o.confidence > 0 && o.confidence < 1))
    throw std::invalid_argument("confidence must be in (0, 1)");
}

Interval percentile_interval(std::vector<double>& replicates, double confidence) {
  std::sort(replicates.begin(), replicates.end());
  const double tail = (1 - confidence) / 2;
  return {quantile_sorted(replicates, tail), quantile_sorted(replicates, 1 - tail)};
}

}  // namespace

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

ClusteredMean clustered_mean(const std::vector<std::vector<double>>& clusters) {
  ClusteredMean out;
  double sum = 0;
  for (const auto& c : clusters) {
    if (c.empty()) continue;
    ++out.clusters;
    out.values += c.size();
    for (double x : c) sum += x;
  }
  if (out.values == 0) return out;
  out.mean = sum / static_cast<double>(out.values);
  if (out.clusters < 2) return out;
  double meat = 0;  // sum over clusters of (sum of residuals)^2
  for (const auto& c : clusters) {
    double r = 0;
    for (double x : c) r += x - out.mean;
    meat += r * r;
  }
  const double C = static_cast<double>(out.clusters);
  out.stderr_of_mean = std::sqrt(C / (C - 1) * meat) / static_cast<double>(out.values);
  return out;
}

double quantile_sorted(const std::vector<double>& sorted, double q) {
  const double h = (static_cast<double>(sorted.size()) - 1) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Interval bootstrap_mean_ci(const std::vector<std::vector<double>>& clusters,
                           const BootstrapOptions& options) {
  check_options(options);
  const ClusterSums c = cluster_sums(clusters);
  if (c.sums.empty()) return {};
  SplitMix64 rng(options.seed);
  std::vector<double> means(static_cast<size_t>(options.replicates));
  for (auto& m : means) m = resampled_mean(rng, c);
  return percentile_interval(means, options.confidence);
}

Interval stratified_macro_bootstrap_ci(const std::vector<std::vector<std::vector<double>>>& groups,
                                       const BootstrapOptions& options) {
  check_options(options);
  std::vector<ClusterSums> strata;
  for (const auto& g : groups) {
    ClusterSums c = cluster_sums(g);
    if (!c.sums.empty()) strata.push_back(std::move(c));
  }
  if (strata.empty()) return {};
  SplitMix64 rng(options.seed);
  std::vector<double> macros(static_cast<size_t>(options.replicates));
  for (auto& m : macros) {
    double sum_of_means = 0;
    for (const auto& c : strata) sum_of_means += resampled_mean(rng, c);
    m = sum_of_means / static_cast<double>(strata.size());
  }
  return percentile_interval(macros, options.confidence);
}

double binomial_two_sided_p(size_t k, size_t n) {
  if (n == 0) return 1.0;
  const size_t tail = std::min(k, n - k);
  // Sum C(n, i) / 2^n for i <= tail in log space: no overflow for any n.
  const double dn = static_cast<double>(n);
  double total = 0;
  for (size_t i = 0; i <= tail; ++i) {
    const double di = static_cast<double>(i);
    total += std::exp(std::lgamma(dn + 1) - std::lgamma(di + 1) - std::lgamma(dn - di + 1) -
                      dn * std::log(2.0));
  }
  return std::min(1.0, 2 * total);
}

double mcnemar_exact_p(size_t b, size_t c) {
  return binomial_two_sided_p(b, b + c);
}

double paired_permutation_p(const std::vector<double>& d, const BootstrapOptions& options) {
  std::vector<double> nonzero;
  for (double x : d) {
    if (x != 0) nonzero.push_back(x);
  }
  if (nonzero.empty()) return 1.0;
  double observed = 0;
  for (double x : nonzero) observed += x;
  // Sums compare with a relative tolerance: a permuted sum equal to the observed one in
  // exact arithmetic must count as "at least as extreme" despite rounding.
  const double threshold = std::fabs(observed) * (1 - 1e-12);
  const size_t m = nonzero.size();
  if (m <= 20) {
    size_t hits = 0;
    const uint64_t total = uint64_t{1} << m;
    for (uint64_t signs = 0; signs < total; ++signs) {
      double s = 0;
      for (size_t i = 0; i < m; ++i) s += ((signs >> i) & 1) ? -nonzero[i] : nonzero[i];
      if (std::fabs(s) >= threshold) ++hits;
    }
    return static_cast<double>(hits) / static_cast<double>(total);
  }
  check_options(options);
  SplitMix64 rng(options.seed);
  size_t hits = 0;
  for (int r = 0; r < options.replicates; ++r) {
    double s = 0;
    for (size_t i = 0; i < m; ++i) {
      uint64_t bits = rng();
      s += (bits >> 63) ? -nonzero[i] : nonzero[i];
    }
    if (std::fabs(s) >= threshold) ++hits;
  }
  return static_cast<double>(1 + hits) / static_cast<double>(1 + options.replicates);
}

std::vector<double> holm_adjust(const std::vector<double>& p) {
  std::vector<size_t> order(p.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return p[x] < p[y]; });
  std::vector<double> out(p.size());
  double running = 0;
  const double m = static_cast<double>(p.size());
  for (size_t j = 0; j < order.size(); ++j) {
    running = std::max(running, std::min(1.0, (m - static_cast<double>(j)) * p[order[j]]));
    out[order[j]] = running;
  }
  return out;
}

PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b,
                                const BootstrapOptions& options) {
  if (a.size() != b.size()) throw std::invalid_argument("paired scores differ in length");
  check_options(options);
  PairedComparison out;
  out.n = a.size();
  if (out.n == 0) return out;
  std::vector<double> d(out.n);
  MeanAccumulator ma, mb, md;
  out.binary = true;
  for (size_t i = 0; i < out.n; ++i) {
    ma.add(a[i]);
    mb.add(b[i]);
    d[i] = b[i] - a[i];
    md.add(d[i]);
    const bool a01 = a[i] == 0 || a[i] == 1, b01 = b[i] == 0 || b[i] == 1;
    if (!a01 || !b01) out.binary = false;
    if (a[i] == 1 && b[i] == 0) ++out.a_only;
    if (a[i] == 0 && b[i] == 1) ++out.b_only;
  }
  out.mean_a = ma.mean();
  out.mean_b = mb.mean();
  out.difference = out.mean_b - out.mean_a;
  out.stderr_of_difference = md.stderr_of_mean();

  SplitMix64 rng(options.seed);
  const ClusterSums singletons{d, std::vector<size_t>(out.n, 1)};
  std::vector<double> reps(static_cast<size_t>(options.replicates));
  for (auto& r : reps) r = resampled_mean(rng, singletons);
  out.ci = percentile_interval(reps, options.confidence);
  if (out.binary) {
    out.p_value = mcnemar_exact_p(out.a_only, out.b_only);
  } else {
    out.a_only = out.b_only = 0;
    out.p_value = paired_permutation_p(d, options);
  }
  return out;
}

}  // namespace ys
