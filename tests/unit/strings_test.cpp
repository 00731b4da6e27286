#include "util/strings.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ys {
namespace {

TEST(CountOf, SingularOnlyForOne) {
  EXPECT_EQ(count_of(1, "sample", "samples"), "1 sample");
  EXPECT_EQ(count_of(0, "sample", "samples"), "0 samples");
  EXPECT_EQ(count_of(2, "time", "times"), "2 times");
}

TEST(NaturalLess, NumbersCompareByValue) {
  EXPECT_TRUE(natural_less("q9", "q10"));
  EXPECT_FALSE(natural_less("q10", "q9"));
  EXPECT_TRUE(natural_less("gsm8k/2", "gsm8k/11"));
  EXPECT_TRUE(natural_less("a2b3", "a2b10"));
  EXPECT_TRUE(natural_less("q10", "q10b"));
  EXPECT_TRUE(natural_less("q", "q1"));
}

TEST(NaturalLess, EqualValuesWithLeadingZerosStillOrder) {
  EXPECT_TRUE(natural_less("7", "007"));
  EXPECT_FALSE(natural_less("007", "7"));
  EXPECT_FALSE(natural_less("x7", "x7"));
  EXPECT_TRUE(natural_less("08", "9"));
}

TEST(NaturalLess, SortsMixedIdsAsAPersonWould) {
  std::vector<std::string> ids = {"10", "2", "b1", "1", "a10", "a9", "100", "a09x"};
  std::sort(ids.begin(), ids.end(),
            [](const auto& a, const auto& b) { return natural_less(a, b); });
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "10", "100", "a9", "a09x", "a10", "b1"}));
}

}  // namespace
}  // namespace ys
