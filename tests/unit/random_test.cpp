// util/random.h, the one generator of yardstick's own draws, pinned to values computed
// outside this code: SplitMix64's published outputs, and a Python 3 re-implementation of
// SplitMix64 + Lemire's bounded integers (run once; the values are written here). Then what
// depends on it: a generated problem pinned by its text, a choice order, few-shot draws.
#include "util/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>

#include "scoring/stats.h"
#include "tasks/arith.h"
#include "tasks/spec.h"

namespace ys {
namespace {

TEST(PortableRandom, SplitMix64GivesThePublishedOutputs) {
  // Vigna's splitmix64.c from state 0 (the sequence seeding xoshiro in its reference code).
  SplitMix64 zero(0);
  EXPECT_EQ(zero.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(zero.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(zero.next(), 0x06c45d188009454fULL);
  EXPECT_EQ(zero.next(), 0xf88bb8a8724c81ecULL);
  // The widely quoted test vector for seed 1234567.
  SplitMix64 r(1234567);
  for (uint64_t want : {6457827717110365317ULL, 3203168211198807973ULL, 9817491932198370423ULL,
                        4593380528125082431ULL, 16408922859458223821ULL}) {
    EXPECT_EQ(r(), want);
  }
}

TEST(PortableRandom, BoundedDrawsAreLemiresMultiplyAndReject) {
  // Python: m = next() * n; low = m & (2**64 - 1); reject while low < (2**64 - n) % n; m >> 64.
  SplitMix64 r(42);
  std::vector<uint64_t> got;
  for (int i = 0; i < 10; ++i) got.push_back(r.below(10));
  EXPECT_EQ(got, (std::vector<uint64_t>{7, 1, 2, 3, 0, 8, 2, 8, 3, 6}));
  // n = 2^63 + 1 rejects about half the draws (the first of seed 42 among them).
  SplitMix64 big(42);
  got.clear();
  for (int i = 0; i < 4; ++i) got.push_back(big.below((1ULL << 63) + 1));
  EXPECT_EQ(got, (std::vector<uint64_t>{1474913046063446145ULL, 8007990562831494531ULL,
                                        2014432356388812462ULL, 7384525663493887954ULL}));
  SplitMix64 b(42);
  std::vector<int64_t> between;
  for (int i = 0; i < 8; ++i) between.push_back(b.between(-5, 5));
  EXPECT_EQ(between, (std::vector<int64_t>{3, -4, -2, -2, -5, 4, -3, 3}));
  SplitMix64 u(42);
  EXPECT_EQ(u.unit(), 0.7415648787718233);
  EXPECT_EQ(u.unit(), 0.1599103928769201);
  EXPECT_EQ(u.unit(), 0.27860113025513866);
  // The full 64-bit range takes next() as it is.
  SplitMix64 full(0), raw(0);
  EXPECT_EQ(static_cast<uint64_t>(full.between(INT64_MIN, INT64_MAX)) ^ (1ULL << 63), raw.next());
}

TEST(PortableRandom, ShuffleIsFisherYatesFromTheBack) {
  SplitMix64 r(7);
  std::vector<int> v(10);
  std::iota(v.begin(), v.end(), 0);
  shuffle(r, v);
  EXPECT_EQ(v, (std::vector<int>{9, 5, 8, 6, 1, 2, 4, 7, 0, 3}));
  // Uniform over the 6 orders of 3 (chi-square, 5 degrees of freedom, p < 0.001 bound).
  std::map<std::vector<int>, int> counts;
  SplitMix64 s(1);
  for (int i = 0; i < 60000; ++i) {
    std::vector<int> w = {0, 1, 2};
    shuffle(s, w);
    ++counts[w];
  }
  ASSERT_EQ(counts.size(), 6u);
  double chi2 = 0;
  for (const auto& [order, n] : counts) chi2 += std::pow(n - 10000.0, 2) / 10000.0;
  EXPECT_LT(chi2, 20.5);
}

TEST(PortableRandom, ChoiceOrdersComeFromTheSharedGenerator) {
  // FNV-1a of the id xor the seed seeds SplitMix64; Fisher-Yates with below() (Python).
  EXPECT_EQ(option_order(0, "recFixD01", 4), (std::vector<size_t>{2, 3, 1, 0}));
}

TEST(PortableRandom, ArithProblemsArePinnedByText) {
  const auto records = generate_arith(3, 2026, {});
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["generator_version"], "arith/2");
  // Recorded from this build; the arithmetic checked by hand (71 - 9 = 62, 62 + 12 = 74).
  EXPECT_EQ(records[0]["question"].get<std::string>(),
            "Jonas has 71 marbles. He gives 9 of them to a friend. He then buys 6 packs with 2 "
            "marbles in each pack. How many marbles does Jonas have now?");
  EXPECT_EQ(records[0]["answer"].get<std::string>(),
            "Jonas starts with 71 marbles.\n71 - 9 = 62.\n62 + 6 * 2 = 74.\n#### 74");
  // Problem i does not depend on the count.
  EXPECT_EQ(generate_arith(1, 2026, {})[0], records[0]);
  EXPECT_NE(generate_arith(1, 2027, {})[0], records[0]);
}

TEST(PortableRandom, BootstrapIntervalsStillCoverTheTruth) {
  // 200 Bernoulli(0.3) values: the 95% percentile interval must sit near the normal
  // approximation 0.3 +- 1.96 * sqrt(0.21 / 200) = [0.2365, 0.3635] (values 0/1 laid out
  // deterministically, 60 ones).
  std::vector<std::vector<double>> clusters;
  for (int i = 0; i < 200; ++i) clusters.push_back({i % 10 < 3 ? 1.0 : 0.0});
  BootstrapOptions o;
  o.replicates = 4000;
  o.seed = 5;
  const Interval ci = bootstrap_mean_ci(clusters, o);
  EXPECT_NEAR(ci.low, 0.2365, 0.012);
  EXPECT_NEAR(ci.high, 0.3635, 0.012);
  // The same seed, the same interval.
  const Interval again = bootstrap_mean_ci(clusters, o);
  EXPECT_EQ(again.low, ci.low);
  EXPECT_EQ(again.high, ci.high);
}

}  // namespace
}  // namespace ys
