// Summary statistics of per-sample scores, and paired comparisons of two runs.
//
// Conventions: values are per-sample scores (usually 0/1, or in [0, 1]); a "cluster" is
// the values that share one question (its repeats). Everything random takes an explicit
// seed and draws from SplitMix64 (Steele et al. 2014) with Lemire's unbiased bounded
// integers (util/random.h), written out rather than taken from a standard library, so
// figures are the same on every platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

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

// The mean of all values of `clusters` and its cluster-robust standard error
//   SE = sqrt( C/(C-1) * sum_c (sum_{i in c} (x_i - mean))^2 ) / N
// for C clusters holding N values in all: the sandwich (CR1) estimator that Miller (2024),
// "Adding Error Bars to Evals" (arXiv 2411.00640), recommends when questions share a
// context or have several answers. With one value per cluster it equals the ordinary
// sample-sd/sqrt(N); with k values in every cluster it equals sd(cluster means)/sqrt(C)
// (docs/REPORTS.md, "Statistics"). Empty clusters are ignored; SE is 0 with fewer than two.
struct ClusteredMean {
  double mean = 0;
  double stderr_of_mean = 0;
  size_t values = 0;    // N
  size_t clusters = 0;  // C (non-empty)
};
ClusteredMean clustered_mean(const std::vector<std::vector<double>>& clusters);

// The default seed of every random draw (bootstrap and permutation tests).
inline constexpr uint64_t kDefaultStatsSeed = 20241101;

// Bootstrap settings. `replicates` (B) resamples; `seed` seeds the generator (SplitMix64).
struct BootstrapOptions {
  int replicates = 1000;
  uint64_t seed = kDefaultStatsSeed;
  double confidence = 0.95;  // two-sided level of the interval
};

struct Interval {
  double low = 0, high = 0;
};

// The percentile bootstrap interval of the mean of all values: B times, draw C clusters
// with replacement (whole clusters, so repeats of a question stay together), take the mean
// of every value drawn; the interval is the (1-confidence)/2 and (1+confidence)/2
// quantiles of those means (linear interpolation between order statistics, "type 7").
// Deterministic for a given seed. No values: {0, 0}. Throws std::invalid_argument when
// replicates < 1 or confidence is not in (0, 1).
Interval bootstrap_mean_ci(const std::vector<std::vector<double>>& clusters,
                           const BootstrapOptions& options = {});

// The percentile bootstrap interval of a macro average (the unweighted mean over groups
// of each group's mean of all its values), stratified: B times, each group draws as many
// of its own clusters as it has, with replacement (so every group keeps its size and the
// groups their equal weight), and the replicate is the mean of the groups' means of the
// values drawn. The interval is taken as in bootstrap_mean_ci, from one generator
// seeded with options.seed that draws groups in order, clusters in order within each.
// `groups[g][c]` is cluster c of group g. Empty groups and clusters are ignored; none left:
// {0, 0}. Throws std::invalid_argument as bootstrap_mean_ci.
Interval stratified_macro_bootstrap_ci(const std::vector<std::vector<std::vector<double>>>& groups,
                                       const BootstrapOptions& options = {});

// The q-quantile (0 <= q <= 1) of `sorted` (ascending, non-empty) with linear
// interpolation between order statistics (Hyndman & Fan 1996, type 7; numpy's default).
double quantile_sorted(const std::vector<double>& sorted, double q);

// Two-sided exact binomial test of k successes in n trials with p = 1/2:
//   p = min(1, 2 * sum_{i=0}^{min(k, n-k)} C(n, i) / 2^n); 1 when n = 0.
double binomial_two_sided_p(size_t k, size_t n);

// McNemar's exact test: the two-sided binomial test above on the discordant pairs, `b`
// pairs right only in A and `c` right only in B (McNemar 1947; the exact form as in
// Fagerland et al. 2013, "The McNemar test for binary matched-pairs data").
double mcnemar_exact_p(size_t b, size_t c);

// The paired sign-flip permutation test of mean(d) = 0 for per-question differences `d`:
// p = share of the 2^m sign assignments of the m non-zero differences whose |sum| is at
// least the observed |sum| (exact when m <= 20), else (1 + hits) / (1 + B) over B random
// assignments drawn with `options.seed` (Phipson & Smyth 2010). Zero differences are left
// out, as in the sign test. 1 when every difference is 0.
double paired_permutation_p(const std::vector<double>& d, const BootstrapOptions& options = {});

// Holm's step-down adjustment (Holm 1979) of `p` (any order): with p sorted ascending,
// adjusted p_(i) = max_{j<=i} min(1, (m - j + 1) * p_(j)) for i = 1..m; returned in the
// input order. Rejecting where adjusted p < alpha controls the family-wise error at alpha.
std::vector<double> holm_adjust(const std::vector<double>& p);

// A comparison of two runs on the same questions. Input: one pair per question, the
// question's score in A and in B (a mean over its repeats when there are several).
struct PairedComparison {
  size_t n = 0;  // questions paired
  double mean_a = 0, mean_b = 0;
  double difference = 0;            // mean_b - mean_a
  double stderr_of_difference = 0;  // sd(d)/sqrt(n), d = b - a (Miller 2024, paired)
  Interval ci;                      // paired percentile bootstrap of the difference
  double p_value = 1;               // McNemar exact (binary) or sign-flip permutation test
  bool binary = false;              // every score is 0 or 1: McNemar's test was used
  size_t a_only = 0;                // binary: right in A, wrong in B
  size_t b_only = 0;                // binary: wrong in A, right in B
};

// Compares B against A on paired scores (`a[i]` and `b[i]` are the same question; sizes
// must match, else std::invalid_argument). The bootstrap resamples question indices
// jointly (both runs together) with `options`; the test is McNemar's exact test when every
// score is 0 or 1, else paired_permutation_p on b - a.
PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b,
                                const BootstrapOptions& options = {});

}  // namespace ys
