#include "scoring/extract.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>

#include "scoring/options.h"
#include "scoring/scorer.h"
#include "scoring/normalize.h"
#include "tasks/registry.h"
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

// What yardstick's own numeric metrics see: the last number, normalized.
std::optional<std::string> last_number(const std::string& text) {
  auto found = extract_answer(kLast, text);
  if (!found) return std::nullopt;
  return normalize_number(*found);
}

TEST(ExtractLastNumber, AMatchAlwaysHoldsADigit) {
  EXPECT_EQ(last_number("so the answer is $\\boxed{18}$."), "18");
  EXPECT_EQ(last_number("She will make 18 dollars ..."), "18");
  EXPECT_EQ(last_number("It costs $18.00..."), "18");
  EXPECT_EQ(last_number("The total is 7, then $. and ..."), "7");
  EXPECT_EQ(extract_answer(kFirst, "... $. then 4 ..."), "4");
  EXPECT_EQ(extract_answer(kLast, "$. ... , ."), std::nullopt);
  EXPECT_EQ(extract_answer(kFirst, "-. and -,"), std::nullopt);
  EXPECT_EQ(extract_answer(kLast, "\xE2\x88\x92 alone"), std::nullopt);
}

TEST(ExtractLastNumber, UnicodeMinusIsASign) {
  EXPECT_EQ(last_number("It ends at \xE2\x88\x92"
                        "3 degrees."),
            "-3");
  EXPECT_EQ(last_number("\xE2\x88\x92"
                        "1,234.50"),
            "-1234.5");
  EXPECT_EQ(extract_answer(kFirst,
                           "\xE2\x88\x92"
                           "7 then 2"),
            "\xE2\x88\x92"
            "7");
  // A minus between spaces is subtraction, not a sign.
  EXPECT_EQ(last_number("5 \xE2\x88\x92 3"), "3");
  // Inside a word it is not a sign, like '-'.
  EXPECT_EQ(last_number("x\xE2\x88\x92"
                        "5"),
            "5");
}

TEST(ExtractLastNumber, SpaceGroupedThousands) {
  EXPECT_EQ(last_number("There are 1 000 000 grains."), "1000000");
  EXPECT_EQ(last_number("Total: 12 345.5 m"), "12345.5");
  EXPECT_EQ(last_number("1\xC2\xA0"
                        "000\xC2\xA0"
                        "000 (no-break spaces)"),
            "1000000");
  EXPECT_EQ(last_number("pay 2\xE2\x80\xAF"
                        "500 euros"),
            "2500");  // U+202F
  EXPECT_EQ(last_number("about 3\xE2\x80\x89"
                        "141 km"),
            "3141");  // U+2009
  EXPECT_EQ(last_number("\xE2\x88\x92"
                        "1 000"),
            "-1000");
}

TEST(ExtractLastNumber, SpacesDoNotMergeSeparateNumbers) {
  EXPECT_EQ(last_number("3 4"), "4");
  EXPECT_EQ(extract_answer(kFirst, "3 4"), "3");
  EXPECT_EQ(extract_answer(kFirst, "12 3456"), "12");
  EXPECT_EQ(extract_answer(kFirst, "1 00"), "1");
  // One separator throughout: a comma group then a space group are two numbers.
  EXPECT_EQ(extract_answer(kFirst, "1,000 000"), "1,000");
  EXPECT_EQ(extract_answer(kLast, "1,234.5"), "1,234.5");
}

TEST(ShippedSpecs, ArithUsesTheDigitRuleWhileGsm8kKeepsTheUpstreamRegex) {
  TaskRegistry reg = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  auto metric = [&](const std::string& task, const std::string& name) -> MetricConfig {
    for (const auto& m : reg.tasks().at(task).metrics) {
      if (m.name == name) return m;
    }
    ADD_FAILURE() << task << " has no metric " << name;
    return {};
  };
  auto score = [](const MetricConfig& m, const std::string& text) {
    Completion c;
    c.text = text;
    Sample s;
    s.reference = "18";
    s.fields = {{"answer", "#### 18"}};  // gsm8k's exact_match reads the answer field
    return make_scorer(m, nullptr)->score(s, c, {})[0];
  };
  const std::string output = "So the answer is $\\boxed{18}$.";
  Score own = score(metric("arith", "exact_match/flexible"), output);
  EXPECT_EQ(own.value, 1.0) << own.reason;
  EXPECT_EQ(own.extracted, "18");
  // gsm8k's flexible filter is lm-evaluation-harness's regex: its last match is "$.".
  const MetricConfig upstream = metric("gsm8k", "exact_match/flexible");
  EXPECT_EQ(extract_answer(parse_extract_chain(upstream.options.at("extract")), output), "$.");
  EXPECT_EQ(score(upstream, output).value, 0.0);
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
  // A regex step keeps exactly what its pattern matches, digitless or not.
  EXPECT_EQ(extract_answer(kFlexible, "make 18 dollars ..."), "...");
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

struct ChoiceCase {
  const char* text;
  const char* expected;  // nullptr: no answer
  const char* choices = "ABCD";
};

// Answer markers win over letters the explanation names; the last explicit marker wins;
// the bare-letter fallback comes last.
const ChoiceCase kChoiceCases[] = {
    {"**Answer:** C\n\nOption A is wrong because it ignores friction.", "C"},
    {"The answer is: D ... because A and B are too small.", "D"},
    {"**D**. A is incorrect since it doubles the mass.", "D"},
    {"\\boxed{B}", "B"},
    {"Answer: (C)", "C"},
    {"$\\textbf{(B)}$", "B"},
    {"ANSWER: b", "B"},
    {"The final answer is $\\boxed{A}$. Note that option C is a trap.", "A"},
    {"The correct option is (B). Option A and option D are distractors.", "B"},
    {"Answer: A\nExplanation: B would need more energy; C is impossible.", "A"},
    {"I first thought the answer is A, but on reflection the answer is C.", "C"},
    {"Answer: C\n\nActually, wait. The answer is B.", "B"},
    {"Final Answer: D", "D"},
    {"**Final Answer**\n\nB\n\nA was tempting.", "B"},
    {"The correct answer is **C**: unlike A, it accounts for both forces.", "C"},
    {"*Answer*: _B_ (see A for contrast)", "B"},
    {"**Answer**: D. (A) overshoots.", "D"},
    {"answer is (d)", "D"},
    {"The answer is \\(\\text{C}\\).", "C"},
    {"Answer: \\boxed{\\text{D}}", "D"},
    {"Final answer: **(C)**", "C"},
    {"Therefore, the best answer would be B, not A.", "B"},
    {"The right choice is option D; option A fails.", "D"},
    {"My answer: C.", "C"},
    {"Answer:\n\nB", "B"},
    {"Answer = B", "B"},
    {"answer: a", "A"},
    {"The correct answer is option (A). In the answer, B is shown to be wrong.", "A"},
    {"The answer is: D\n\nWhy not A? Because the answer is never A here.", "D"},
    {"Option A: 3 m\nOption B: 4 m\nOption C: 5 m\nThe answer is C", "C"},
    {"A man walks 3 km, so the answer is B.", "B"},
    // No marker: a reply that opens with the letter, then emphasis, then "(X)", then a
    // lone capital.
    {"(B) because option A ignores drag.", "B"},
    {"B. The others (A, C, D) are wrong.", "B"},
    {"**C**\n\n**A** is wrong because it double counts.", "C"},
    {"C", "C"},
    {"d", "D"},
    {"Looking at the options, **B** is right while A is not.", "B"},
    {"After weighing (A) and (B), I pick (D) here", "D"},
    {"Let me think. The answer is (C).", "C"},
    {"The answer is a bit unclear, but C seems plausible.", "C"},
    {"the answer is I think C", "C"},
    // No answer.
    {"The answer is E.", nullptr},
    {"Answer: E. Option A is wrong too.", nullptr},
    {"All options are bad", nullptr},
    {"I don't know.", nullptr},
    {"", nullptr},
    {"The answer is not clear from the options.", nullptr},
    {"None of these.", nullptr},
    {"The answer is Australia.", nullptr},
    {"Both are equal.", nullptr},
    {"The answer is a bit unclear.", nullptr},
    // Other choice sets.
    {"The answer is E.", "E", "ABCDE"},
    {"Answer: F", nullptr, "ABCDE"},
    {"**Answer:** (J) since (A) fails", "J", "ABCDEFGHIJ"},
};

TEST(ExtractChoice, AnswerMarkersTable) {
  static_assert(std::size(kChoiceCases) >= 40);
  for (const auto& c : kChoiceCases) {
    ExtractStep s = step(ExtractStep::Kind::kChoice);
    s.choices = c.choices;
    auto got = extract_answer({s}, c.text);
    if (c.expected) {
      EXPECT_EQ(got, std::optional<std::string>(c.expected)) << "text: " << c.text;
    } else {
      EXPECT_EQ(got, std::nullopt) << "text: " << c.text;
    }
  }
}

TEST(ExtractChoice, NoAnswerFallsThroughTheChain) {
  ExtractChain c = {step(ExtractStep::Kind::kChoice), regex_step("pick ([a-z]+)")};
  EXPECT_EQ(extract_answer(c, "I pick none"), "none");
  EXPECT_EQ(extract_answer(c, "Answer: B. I pick none"), "B");
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
