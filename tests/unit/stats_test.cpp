#include "scoring/stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ys {
namespace {

TEST(Stats, MeanAndStandardErrorMatchTheFormula) {
  MeanAccumulator acc;
  for (double x : {1.0, 0.0, 1.0, 1.0}) acc.add(x);
  EXPECT_DOUBLE_EQ(acc.mean(), 0.75);
  // sample sd = sqrt(0.25), se = sd / sqrt(4)
  EXPECT_NEAR(acc.stderr_of_mean(), std::sqrt(0.25) / 2.0, 1e-12);
  EXPECT_NEAR(stderr_from_sums(4, 3.0, 3.0), acc.stderr_of_mean(), 1e-12);
}

TEST(Stats, FewerThanTwoValuesHaveNoSpread) {
  MeanAccumulator acc;
  EXPECT_EQ(acc.stderr_of_mean(), 0.0);
  acc.add(1.0);
  EXPECT_EQ(acc.stderr_of_mean(), 0.0);
  EXPECT_EQ(stderr_from_sums(1, 1, 1), 0.0);
}

}  // namespace
}  // namespace ys

namespace ys {
namespace {

// ---- clustered standard error --------------------------------------------------------

TEST(ClusteredMean, SingletonClustersGiveTheOrdinaryStandardError) {
  // {1, 0, 1, 1}: mean 0.75; sample sd sqrt(0.25); se = 0.5 / 2 = 0.25.
  ClusteredMean c = clustered_mean({{1}, {0}, {1}, {1}});
  EXPECT_DOUBLE_EQ(c.mean, 0.75);
  EXPECT_NEAR(c.stderr_of_mean, 0.25, 1e-12);
  EXPECT_EQ(c.values, 4u);
  EXPECT_EQ(c.clusters, 4u);
}

TEST(ClusteredMean, EqualClustersGiveTheStandardErrorOfClusterMeans) {
  // {1,1} {0,0} {1,0}: N 6, mean 0.5; residual sums per cluster 1, -1, 0; meat 2;
  // SE = sqrt(3/2 * 2) / 6 = sqrt(3)/6. Cluster means {1, 0, 0.5}: sd 0.5, / sqrt(3): same.
  ClusteredMean c = clustered_mean({{1, 1}, {0, 0}, {1, 0}});
  EXPECT_DOUBLE_EQ(c.mean, 0.5);
  EXPECT_NEAR(c.stderr_of_mean, std::sqrt(3.0) / 6, 1e-12);
  EXPECT_NEAR(c.stderr_of_mean, 0.5 / std::sqrt(3.0), 1e-12);
  // Treating the 6 values as independent understates it: sqrt(0.3 / 6) = 0.2236.
  EXPECT_GT(c.stderr_of_mean, std::sqrt(0.3 / 6));
  EXPECT_EQ(c.clusters, 3u);
}

TEST(ClusteredMean, UnequalClusters) {
  // {1,1,1} {0}: N 4, mean 0.75; residual sums 3 * 0.25 = 0.75 and -0.75; meat 1.125;
  // SE = sqrt(2/1 * 1.125) / 4 = 1.5 / 4 = 0.375.
  ClusteredMean c = clustered_mean({{1, 1, 1}, {0}, {}});
  EXPECT_DOUBLE_EQ(c.mean, 0.75);
  EXPECT_NEAR(c.stderr_of_mean, 0.375, 1e-12);
  EXPECT_EQ(c.clusters, 2u);                                // the empty one does not count
  EXPECT_EQ(clustered_mean({{1, 0}}).stderr_of_mean, 0.0);  // one cluster: no spread
}

// ---- bootstrap -------------------------------------------------------------------------

TEST(Quantile, LinearInterpolationType7) {
  // {1,2,3,4}: q 0.25 -> h = 3 * 0.25 = 0.75 -> 1 + 0.75 * (2 - 1) = 1.75.
  std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.5), 2.5);
}

TEST(Bootstrap, ConstantValuesGiveAPointInterval) {
  Interval ci = bootstrap_mean_ci({{0.7}, {0.7, 0.7}, {0.7}});
  EXPECT_DOUBLE_EQ(ci.low, 0.7);
  EXPECT_DOUBLE_EQ(ci.high, 0.7);
}

TEST(Bootstrap, TwoValuesFollowTheirExactResamplingDistribution) {
  // Resampling {0, 1} twice gives means 0, 0.5, 1 with chances 1/4, 1/2, 1/4. So the
  // 2.5% and 97.5% quantiles are 0 and 1, and the 30% and 70% quantiles are both 0.5
  // (P(mean = 0) = 0.25 < 0.3 and P(mean <= 0.5) = 0.75 > 0.7); B = 20000 keeps the
  // empirical shares far from those edges.
  BootstrapOptions o{20000, 5, 0.95};
  Interval wide = bootstrap_mean_ci({{0}, {1}}, o);
  EXPECT_DOUBLE_EQ(wide.low, 0.0);
  EXPECT_DOUBLE_EQ(wide.high, 1.0);
  o.confidence = 0.4;
  Interval narrow = bootstrap_mean_ci({{0}, {1}}, o);
  EXPECT_DOUBLE_EQ(narrow.low, 0.5);
  EXPECT_DOUBLE_EQ(narrow.high, 0.5);
}

TEST(Bootstrap, MatchesTheNormalIntervalForManyValuesAndIsSeeded) {
  // 400 values, half 1: SE = sqrt(0.25 * 400/399 / 400) ~= 0.02503; the normal 95%
  // interval is 0.5 +- 1.96 * SE, width ~0.0981. The bootstrap's width agrees within 10%.
  std::vector<std::vector<double>> v;
  for (int i = 0; i < 400; ++i) v.push_back({static_cast<double>(i % 2)});
  BootstrapOptions o{4000, 11, 0.95};
  Interval ci = bootstrap_mean_ci(v, o);
  const double se = std::sqrt(0.25 * 400.0 / 399.0 / 400.0);
  EXPECT_NEAR(ci.high - ci.low, 2 * 1.959964 * se, 0.1 * 2 * 1.959964 * se);
  EXPECT_LT(ci.low, 0.5);
  EXPECT_GT(ci.high, 0.5);
  Interval again = bootstrap_mean_ci(v, o);
  EXPECT_EQ(again.low, ci.low);
  EXPECT_EQ(again.high, ci.high);
  o.seed = 12;
  Interval other = bootstrap_mean_ci(v, o);
  EXPECT_TRUE(other.low != ci.low || other.high != ci.high);
  EXPECT_THROW(bootstrap_mean_ci(v, {0, 1, 0.95}), std::invalid_argument);
}

TEST(Bootstrap, ResamplesWholeClusters) {
  // Two clusters {1,1,1,1} and {0,0,0,0}: drawing whole clusters gives means 0, 0.5, 1
  // only; drawing values would almost never give 0 or 1 over 8 draws.
  BootstrapOptions o{20000, 3, 0.95};
  Interval ci = bootstrap_mean_ci({{1, 1, 1, 1}, {0, 0, 0, 0}}, o);
  EXPECT_DOUBLE_EQ(ci.low, 0.0);
  EXPECT_DOUBLE_EQ(ci.high, 1.0);
}

// ---- tests of paired differences --------------------------------------------------------

TEST(Binomial, ExactTwoSidedValues) {
  // k=1, n=7: 2 * (C(7,0) + C(7,1)) / 2^7 = 2 * 8 / 128 = 0.125.
  EXPECT_NEAR(binomial_two_sided_p(1, 7), 0.125, 1e-12);
  EXPECT_NEAR(binomial_two_sided_p(6, 7), 0.125, 1e-12);
  // k=0, n=10: 2 / 1024.
  EXPECT_NEAR(binomial_two_sided_p(0, 10), 2.0 / 1024, 1e-15);
  // k=5, n=10: 2 * (1+10+45+120+210+252)/1024 = 1.246 -> capped at 1.
  EXPECT_EQ(binomial_two_sided_p(5, 10), 1.0);
  EXPECT_EQ(binomial_two_sided_p(0, 0), 1.0);
}

TEST(McNemar, UsesOnlyTheDiscordantPairs) {
  EXPECT_NEAR(mcnemar_exact_p(1, 6), 0.125, 1e-12);
  EXPECT_NEAR(mcnemar_exact_p(6, 1), 0.125, 1e-12);
  // b=2, c=1: 2 * (1 + 3) / 8 = 1.
  EXPECT_EQ(mcnemar_exact_p(2, 1), 1.0);
  EXPECT_EQ(mcnemar_exact_p(0, 0), 1.0);
  // Large counts stay finite (log space): 400 vs 600 is far beyond chance.
  const double p = mcnemar_exact_p(400, 600);
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 1e-9);
  EXPECT_EQ(mcnemar_exact_p(500, 500), 1.0);
}

TEST(Permutation, ExactEnumeration) {
  // d = {1, 2, 3}: the 8 sign patterns sum to 6, 4, 2, 0, 0, -2, -4, -6; |sum| >= 6 for
  // 2 of them: p = 2/8. Zero differences are dropped first.
  EXPECT_DOUBLE_EQ(paired_permutation_p({1, 2, 3}), 0.25);
  EXPECT_DOUBLE_EQ(paired_permutation_p({0, 1, 0, 2, 3}), 0.25);
  // Four equal differences: only all-plus and all-minus reach |sum| 2: 2/16.
  EXPECT_DOUBLE_EQ(paired_permutation_p({0.5, 0.5, 0.5, 0.5}), 0.125);
  // {1, -1}: sums 0, 2, -2, 0 -> all four reach |0|: p = 1.
  EXPECT_DOUBLE_EQ(paired_permutation_p({1, -1}), 1.0);
  EXPECT_EQ(paired_permutation_p({0, 0}), 1.0);
}

TEST(Permutation, MonteCarloBeyondTwentyDifferences) {
  // 30 differences of +1: only 2 of 2^30 patterns reach |sum| 30, so (practically) no
  // random draw does and p = (1 + 0) / (1 + B).
  std::vector<double> d(30, 1.0);
  EXPECT_DOUBLE_EQ(paired_permutation_p(d, {999, 1, 0.95}), 1.0 / 1000);
  // Alternating signs: the observed sum is 0, every draw reaches it: p = 1.
  for (size_t i = 0; i < d.size(); i += 2) d[i] = -1;
  EXPECT_DOUBLE_EQ(paired_permutation_p(d, {999, 1, 0.95}), 1.0);
}

TEST(Holm, StepDownAdjustment) {
  // Sorted 0.01, 0.03, 0.04 -> 3*0.01 = 0.03; 2*0.03 = 0.06; max(0.06, 1*0.04) = 0.06.
  std::vector<double> adj = holm_adjust({0.01, 0.04, 0.03});
  ASSERT_EQ(adj.size(), 3u);
  EXPECT_NEAR(adj[0], 0.03, 1e-12);
  EXPECT_NEAR(adj[1], 0.06, 1e-12);
  EXPECT_NEAR(adj[2], 0.06, 1e-12);
  // 2 * 0.5 = 1 (capped), then max(1, 0.9) = 1.
  adj = holm_adjust({0.9, 0.5});
  EXPECT_EQ(adj[0], 1.0);
  EXPECT_EQ(adj[1], 1.0);
  EXPECT_TRUE(holm_adjust({}).empty());
  EXPECT_DOUBLE_EQ(holm_adjust({0.02})[0], 0.02);  // one test: unchanged
}

TEST(ComparePaired, BinaryScoresUseMcNemar) {
  // a = 1 1 1 0 0, b = 1 0 0 1 0: right only in A twice, only in B once.
  // means 0.6 and 0.4, difference -0.2; d = 0 -1 -1 1 0, squared deviations from -0.2:
  // 0.04 0.64 0.64 1.44 0.04 = 2.8, sd = sqrt(0.7), se = sqrt(0.7 / 5).
  // McNemar(2, 1) = 2 * (1 + 3) / 8 -> 1.
  PairedComparison c = compare_paired({1, 1, 1, 0, 0}, {1, 0, 0, 1, 0});
  EXPECT_EQ(c.n, 5u);
  EXPECT_TRUE(c.binary);
  EXPECT_DOUBLE_EQ(c.mean_a, 0.6);
  EXPECT_DOUBLE_EQ(c.mean_b, 0.4);
  EXPECT_NEAR(c.difference, -0.2, 1e-12);
  EXPECT_NEAR(c.stderr_of_difference, std::sqrt(0.7 / 5), 1e-12);
  EXPECT_EQ(c.a_only, 2u);
  EXPECT_EQ(c.b_only, 1u);
  EXPECT_EQ(c.p_value, 1.0);
  EXPECT_LE(c.ci.low, c.difference);
  EXPECT_GE(c.ci.high, c.difference);
  EXPECT_GE(c.ci.low, -1.0);
}

TEST(ComparePaired, ContinuousScoresUseThePermutationTest) {
  // d = 0.5 0.5 0: non-zero {0.5, 0.5}: sums 1, 0, 0, -1, |sum| >= 1 for 2 of 4: p = 0.5.
  PairedComparison c = compare_paired({0.5, 0.5, 1}, {1, 1, 1});
  EXPECT_FALSE(c.binary);
  EXPECT_DOUBLE_EQ(c.p_value, 0.5);
  EXPECT_NEAR(c.difference, 1.0 / 3, 1e-12);
  EXPECT_THROW(compare_paired({1}, {1, 0}), std::invalid_argument);
}

TEST(ComparePaired, PairedBootstrapOfAConstantDifferenceIsAPoint) {
  PairedComparison c = compare_paired({0, 0, 0}, {1, 1, 1});
  EXPECT_DOUBLE_EQ(c.ci.low, 1.0);
  EXPECT_DOUBLE_EQ(c.ci.high, 1.0);
  EXPECT_NEAR(c.p_value, 0.25, 1e-12);  // McNemar(0, 3) = 2 / 8
}

}  // namespace
}  // namespace ys

#include "scoring/aggregate.h"

namespace ys {
namespace {

TEST(AggregateClustered, RepeatsOfAQuestionAreOneCluster) {
  // Samples a: 1 1, b: 0 0, c: 1 0 (two repeats each). Ordinary SE over the 6 values:
  // var = 6 * 0.25 / 5 = 0.3, se = sqrt(0.3 / 6); clustered SE = sqrt(3)/6 (see
  // ClusteredMean.EqualClustersGiveTheStandardErrorOfClusterMeans).
  std::vector<ScoredValue> v = {{"a", 0, 1}, {"b", 0, 0}, {"c", 0, 1},
                                {"a", 1, 1}, {"b", 1, 0}, {"c", 1, 0}};
  auto r = aggregate("em", Aggregation::kMean, v, {2000, 1, 0.95});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].n, 6u);
  EXPECT_EQ(r[0].questions, 3u);
  EXPECT_NEAR(r[0].stderr_of_mean, std::sqrt(0.3 / 6), 1e-12);
  EXPECT_NEAR(r[0].clustered_stderr, std::sqrt(3.0) / 6, 1e-12);
  // Cluster bootstrap: means of 3 drawn question means from {1, 0, 0.5}: 0 and 1 are
  // reachable (1/27 each), so the 95% interval spans most of [0, 1] around 0.5.
  EXPECT_LT(r[0].ci.low, 0.5);
  EXPECT_GT(r[0].ci.high, 0.5);
  EXPECT_GE(r[0].ci.low, 0.0);
  EXPECT_LE(r[0].ci.high, 1.0);
  auto off = aggregate("em", Aggregation::kMean, v, {0, 1, 0.95});
  EXPECT_DOUBLE_EQ(off[0].ci.low, 0.5);
  EXPECT_DOUBLE_EQ(off[0].ci.high, 0.5);
}

TEST(AggregateClustered, PassAtKHasOneValuePerQuestion) {
  std::vector<ScoredValue> v = {{"a", 0, 1}, {"a", 1, 0}, {"b", 0, 0}, {"b", 1, 0}};
  auto r = aggregate("pass", Aggregation::kPassAtK, v);
  ASSERT_EQ(r.size(), 1u);  // pass@1 only: two answers each
  // pass@1 per question: a 0.5, b 0 -> mean 0.25, sd sqrt(0.125), se 0.25.
  EXPECT_EQ(r[0].questions, 2u);
  EXPECT_NEAR(r[0].clustered_stderr, r[0].stderr_of_mean, 1e-12);
  EXPECT_NEAR(r[0].stderr_of_mean, 0.25, 1e-12);
}

}  // namespace
}  // namespace ys
