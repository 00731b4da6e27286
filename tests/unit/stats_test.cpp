#include "scoring/stats.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scoring/metrics.h"

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

TEST(Metrics, ExactMatchUsesExtractionAndNormalization) {
  MetricSpec m{"em", {regex_step(R"(#### (\-?[0-9\.\,]+))")}, Normalization::kNumber};
  Score right = score_exact_match(m, "so... #### 1,234.0", "1234");
  EXPECT_EQ(right.value, 1.0);
  EXPECT_EQ(right.extracted, "1234");
  Score wrong = score_exact_match(m, "#### 12", "1234");
  EXPECT_EQ(wrong.value, 0.0);
  Score none = score_exact_match(m, "no idea", "1234");
  EXPECT_EQ(none.value, 0.0);
  EXPECT_FALSE(none.extracted.has_value());
}

}  // namespace
}  // namespace ys
