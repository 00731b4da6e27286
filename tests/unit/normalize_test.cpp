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

TEST(NormalizeNumber, UnicodeMinus) {
  EXPECT_EQ(normalize_number("\xE2\x88\x92"
                             "3"),
            "-3");
  EXPECT_EQ(normalize_number(" \xE2\x88\x92"
                             "$1,234.50. "),
            "-1234.5");
  EXPECT_EQ(normalize_number("\xE2\x88\x92"
                             "0"),
            "0");
}

TEST(NormalizeNumber, SpaceGroupedThousands) {
  EXPECT_EQ(normalize_number("1 000 000"), "1000000");
  EXPECT_EQ(normalize_number("1\xC2\xA0"
                             "000"),
            "1000");
  EXPECT_EQ(normalize_number("1\xE2\x80\xAF"
                             "000\xE2\x80\xAF"
                             "000"),
            "1000000");
  EXPECT_EQ(normalize_number("12\xE2\x80\x89"
                             "345.50"),
            "12345.5");
  EXPECT_EQ(normalize_number("-1 000"), "-1000");
  EXPECT_EQ(normalize_number("$1 000."), "1000");
}

TEST(NormalizeNumber, SpacesThatAreNotGroupingStay) {
  EXPECT_EQ(normalize_number("3 4"), "3 4");
  EXPECT_EQ(normalize_number("1 0000"), "1 0000");
  EXPECT_EQ(normalize_number("1234 567"), "1234 567");
  EXPECT_EQ(normalize_number("1 000\xC2\xA0"
                             "000"),
            "1 000\xC2\xA0"
            "000");  // mixed
  EXPECT_EQ(normalize_number("1  000"), "1  000");
}

TEST(NormalizeNumber, DigitlessTextNeverBecomesANumber) {
  for (const char* s : {"$.", "...", ",", "$", "-.", "abc"}) {
    std::string n = normalize_number(s);
    EXPECT_EQ(n.find_first_of("0123456789"), std::string::npos) << s << " -> " << n;
    EXPECT_NE(n, normalize_number("0")) << s;
  }
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
