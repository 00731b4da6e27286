#include "scoring/extract.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace ys {
namespace {

ExtractStep step(ExtractStep::Kind kind) {
  ExtractStep s;
  s.kind = kind;
  return s;
}

const ExtractChain kLast = {step(ExtractStep::Kind::kLastNumber)};
const ExtractChain kFirst = {step(ExtractStep::Kind::kFirstNumber)};
const ExtractChain kStrict = {regex_step(R"(#### (\-?[0-9\.\,]+))")};
const ExtractChain kFlexible = {regex_step(R"((-?[$0-9.,]{2,})|(-?[0-9]+))", -1)};

TEST(ExtractLastNumber, NegativeNumbers) {
  EXPECT_EQ(extract_answer(kLast, "It drops to -17 degrees."), "-17");
  EXPECT_EQ(extract_answer(kLast, "from 3 to -4.5"), "-4.5");
}

TEST(ExtractLastNumber, ThousandsSeparatorsAndDecimals) {
  EXPECT_EQ(extract_answer(kLast, "She pays $1,234.50 in total."), "1,234.50");
  EXPECT_EQ(extract_answer(kLast, "1,000,000 grains"), "1,000,000");
}

TEST(ExtractLastNumber, SeveralNumbersTakesTheLast) {
  EXPECT_EQ(extract_answer(kLast, "3 apples + 4 apples = 7 apples."), "7");
  EXPECT_EQ(extract_answer(kFirst, "3 apples + 4 apples = 7 apples."), "3");
}

TEST(ExtractLastNumber, NoneFound) {
  EXPECT_EQ(extract_answer(kLast, "I cannot tell."), std::nullopt);
  EXPECT_EQ(extract_answer(kLast, ""), std::nullopt);
}

TEST(ExtractLastNumber, HyphenInsideAWordIsNotASign) {
  EXPECT_EQ(extract_answer(kLast, "a 3-year-old"), "3");
  EXPECT_EQ(extract_answer(kLast, "x-5"), "5");
}

TEST(ExtractRegex, StrictGsm8kFormat) {
  EXPECT_EQ(extract_answer(kStrict, "work...\n#### 1,234"), "1,234");
  EXPECT_EQ(extract_answer(kStrict, "#### -3"), "-3");
  EXPECT_EQ(extract_answer(kStrict, "The answer is 18."), std::nullopt);
}

TEST(ExtractRegex, FlexibleTakesLastMatchAndFirstNonEmptyGroup) {
  // The lm-evaluation-harness flexible-extract pattern: two alternatives, last match.
  EXPECT_EQ(extract_answer(kFlexible, "2 + 3 = 5, so $18.00."), "$18.00.");
  EXPECT_EQ(extract_answer(kFlexible, "first 12 then 7"), "7");
  EXPECT_EQ(extract_answer(kFlexible, "no digits here."), std::nullopt);
}

TEST(ExtractRegex, SelectOutOfRangeFindsNothing) {
  ExtractChain c = {regex_step("(\\d)", 5)};
  EXPECT_EQ(extract_answer(c, "1 2 3"), std::nullopt);
}

TEST(ExtractChain, FallsBackInOrder) {
  ExtractChain c = {kStrict[0], step(ExtractStep::Kind::kLastNumber)};
  EXPECT_EQ(extract_answer(c, "#### 42 and then 7"), "42");
  EXPECT_EQ(extract_answer(c, "so 5 then 7"), "7");
}

TEST(ExtractChoice, FindsTheLetter) {
  ExtractChain c = {step(ExtractStep::Kind::kChoice)};
  EXPECT_EQ(extract_answer(c, "Let me think. The answer is (C)."), "C");
  EXPECT_EQ(extract_answer(c, "Answer: B"), "B");
  EXPECT_EQ(extract_answer(c, "I pick (D) here"), "D");
  EXPECT_EQ(extract_answer(c, "All options are bad"), std::nullopt);
}

TEST(ExtractRegex, BadPatternIsAnInputError) {
  EXPECT_THROW(regex_step("(unclosed"), InputError);
}

TEST(ExtractRegex, LongOutputDoesNotBlowTheStack) {
  std::string big(2'000'000, 'x');
  big += " #### 9";
  ExtractChain c = {regex_step("(?s).*#### (\\d+)")};
  EXPECT_EQ(extract_answer(c, big), "9");
}

}  // namespace
}  // namespace ys
