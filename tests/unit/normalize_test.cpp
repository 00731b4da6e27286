#include "scoring/normalize.h"

#include <gtest/gtest.h>

namespace ys {
namespace {

TEST(NormalizeNumber, CommasDollarsAndTrailingPeriod) {
  EXPECT_EQ(normalize_number("1,234"), "1234");
  EXPECT_EQ(normalize_number("$18"), "18");
  EXPECT_EQ(normalize_number("$1,234.50."), "1234.5");
  EXPECT_EQ(normalize_number(" 42. "), "42");
}

TEST(NormalizeNumber, TrailingZerosAndLeadingZeros) {
  EXPECT_EQ(normalize_number("18.0"), "18");
  EXPECT_EQ(normalize_number("18.00"), "18");
  EXPECT_EQ(normalize_number("0.50"), "0.5");
  EXPECT_EQ(normalize_number("007"), "7");
  EXPECT_EQ(normalize_number(".5"), "0.5");
}

TEST(NormalizeNumber, Signs) {
  EXPECT_EQ(normalize_number("-3"), "-3");
  EXPECT_EQ(normalize_number("+3"), "3");
  EXPECT_EQ(normalize_number("-0.0"), "0");
  EXPECT_EQ(normalize_number("-1,000.10"), "-1000.1");
}

TEST(NormalizeNumber, NonNumbersKeepTheirText) {
  EXPECT_EQ(normalize_number("[invalid]"), "[invalid]");
  EXPECT_EQ(normalize_number("3/4"), "3/4");
  EXPECT_EQ(normalize_number("1e5"), "1e5");
  EXPECT_EQ(normalize_number(""), "");
  EXPECT_EQ(normalize_number("-"), "-");
}

TEST(NormalizeText, CaseWhitespaceAndPeriod) {
  EXPECT_EQ(normalize_text("  Paris\n is   NICE. "), "paris is nice");
}

TEST(Normalize, Dispatch) {
  EXPECT_EQ(normalize(" 5.0 ", Normalization::kNumber), "5");
  EXPECT_EQ(normalize(" 5.0 ", Normalization::kNone), "5.0");
  EXPECT_EQ(parse_normalization("text"), Normalization::kText);
}

}  // namespace
}  // namespace ys
