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
