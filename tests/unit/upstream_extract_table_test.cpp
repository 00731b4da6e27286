// Extraction tables for GSM8K's two answer families, "#### N" (gsm8k) and "The answer is
// N." (gsm8k_cot), run through the shipped specs' metrics. Each row: a reply, the reference
// (gsm8k: the answer field; gsm8k_cot: the target after the last "####"), then what
// lm-evaluation-harness's RegexFilter gives for the strict and flexible filters and whether
// its exact_match (ignore_case, regexes_to_ignore ",", "\$", "(?s).*#### ", "\.$") counts
// it. The verdicts were computed with CPython 3.11's `re` following lm_eval/filters/
// extraction.py and lm_eval/api/metrics.py (findall, group_select, first non-empty group,
// strip, "[invalid]"; re.sub on both sides, lower()).
#include <gtest/gtest.h>

#include "scoring/extract.h"
#include "scoring/options.h"
#include "scoring/scorer.h"
#include "tasks/spec.h"

namespace ys {
namespace {

struct Row {
  const char* text;
  const char* reference;
  const char* strict;
  bool strict_ok;
  const char* flexible;
  bool flexible_ok;
};

const Row kHashRows[] = {
    {"#### 18",
     "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 "
     "every day at the farmer’s market.\n#### 18",
     "18", true, "18", true},
    {"She makes 18 dollars.\n#### 18", "#### 18", "18", true, "18", true},
    {"#### 18.", "#### 18", "18.", true, "18.", true},
    {"#### 18.00", "#### 18", "18.00", false, "18.00", false},
    {"#### 18.0", "#### 18", "18.0", false, "18.0", false},
    {"#### $18", "#### 18", "[invalid]", false, "$18", true},
    {"#### -18", "#### 18", "-18", false, "-18", false},
    {"#### -18", "#### -18", "-18", true, "-18", true},
    {"####18", "#### 18", "[invalid]", false, "18", true},
    {"#### 1,000", "#### 1000", "1,000", true, "1,000", true},
    {"#### 1,000", "#### 1,000", "1,000", true, "1,000", true},
    {"#### 1000", "#### 1,000", "1000", true, "1000", true},
    {"#### 1.000", "#### 1000", "1.000", false, "1.000", false},
    {"#### 18\n#### 19", "#### 18", "18", true, "19", false},
    {"#### 19\n#### 18", "#### 18", "19", false, "18", true},
    {"The total is 18 dollars", "#### 18", "[invalid]", false, "18", true},
    {"", "#### 18", "[invalid]", false, "[invalid]", false},
    {"#### ", "#### 18", "[invalid]", false, "[invalid]", false},
    {"#### eighteen", "#### 18", "[invalid]", false, "[invalid]", false},
    {"#### 18 dollars", "#### 18", "18", true, "18", true},
    {"#### 18dollars", "#### 18", "18", true, "18", true},
    {"####  18", "#### 18", "[invalid]", false, "18", true},
    {"#### \t18", "#### 18", "[invalid]", false, "18", true},
    {"#### 18\n", "#### 18", "18", true, "18", true},
    {"#### 18.\n", "#### 18", "18.", true, "18.", true},
    {"#### .5", "#### 0.5", ".5", false, ".5", false},
    {"#### 0.5", "#### 0.5", "0.5", true, "0.5", true},
    {"#### 5.", "#### 5", "5.", true, "5.", true},
    {"#### 5..", "#### 5", "5..", false, "5..", false},
    {"#### 5,", "#### 5", "5,", true, "5,", true},
    {"#### ,5", "#### 5", ",5", true, ",5", true},
    {"#### --5", "#### -5", "[invalid]", false, "-5", true},
    {"#### -", "#### 5", "[invalid]", false, "[invalid]", false},
    {"#### -.", "#### 5", "-.", false, "[invalid]", false},
    {"#### 1,2,3", "#### 123", "1,2,3", true, "1,2,3", true},
    {"## 18", "#### 18", "[invalid]", false, "18", true},
    {"### 18", "#### 18", "[invalid]", false, "18", true},
    {"##### 18", "#### 18", "18", true, "18", true},
    {"The answer: #### 18 apples", "#### 18", "18", true, "18", true},
    {"18 #### 20", "#### 18", "20", false, "20", false},
    {"#### 3/4", "#### 0.75", "3", false, "4", false},
    {"#### 3/4", "#### 3", "3", true, "4", false},
    {"#### 1e3", "#### 1000", "1", false, "3", false},
    {"#### 18%", "#### 18", "18", true, "18", true},
    {"#### ٣", "#### 3", "[invalid]", false, "[invalid]", false},
    {"#### −18", "#### -18", "[invalid]", false, "18", false},
    {"#### 18 ", "#### 18", "18", true, "18", true},
    {"I think 17, no, 18.", "#### 18", "[invalid]", false, "18.", true},
    {"It costs $1,234.50 in all.", "#### 1234.50", "[invalid]", false, "$1,234.50", true},
    {"It costs $1,234.50 in all.", "#### 1234.5", "[invalid]", false, "$1,234.50", false},
    {"Total: 160.0", "#### 160", "[invalid]", false, "160.0", false},
    {"Total: 160", "#### 160", "[invalid]", false, "160", true},
    {"Answer 7 then 8", "#### 8", "[invalid]", false, "8", true},
    {"Answer 7 then 8", "#### 7", "[invalid]", false, "8", false},
    {"x = 5. So 9.", "#### 9", "[invalid]", false, "9.", true},
    {"The result is $.", "#### 5", "[invalid]", false, "$.", false},
    {"Only one digit: 5", "#### 5", "[invalid]", false, "5", true},
    {"-5 degrees", "#### -5", "[invalid]", false, "-5", true},
    {"a-5", "#### -5", "[invalid]", false, "-5", true},
    {"5-3=2", "#### 2", "[invalid]", false, "2", true},
    {"5-3=2.", "#### 2", "[invalid]", false, "2.", true},
    {"#### 18 #### 20", "#### 20", "18", false, "20", true},
    {"#### 18\n\nQuestion:", "#### 18", "18", true, "18", true},
    {"#### 18.5.", "#### 18.5", "18.5.", true, "18.5.", true},
    {"#### 2,000,000", "#### 2000000", "2,000,000", true, "2,000,000", true},
    {"#### 7 and 8", "#### 7", "7", true, "8", false},
    {"#### 18\r\n", "#### 18", "18", true, "18", true},
};

const Row kAnswerIsRows[] = {
    {"There are 15 trees originally. Then there were 21 trees. So 21 - 15 = 6. The answer is 6.",
     "6", "6", true, "6.", true},
    {"The answer is 6.", "6", "6", true, "6.", true},
    {"The answer is 6", "6", "[invalid]", false, "6", true},
    {"The answer is 6\n", "6", "[invalid]", false, "6", true},
    {"The answer is 6\nQ:", "6", "[invalid]", false, "6", true},
    {"The answer is 6!", "6", "6", true, "6", true},
    {"The answer is 6 apples.", "6", "6", true, "6", true},
    {"The answer is 6.5.", "6.5", "6.5", true, "6.5.", true},
    {"The answer is 6.5", "6.5", "6.", false, "6.5", true},
    {"The answer is 6.5", "6", "6.", true, "6.5", false},
    {"The answer is 6.0.", "6", "6.0", false, "6.0.", false},
    {"The answer is $6.", "6", "[invalid]", false, "$6.", true},
    {"The answer is -6.", "-6", "-6", true, "-6.", true},
    {"The answer is 1,000.", "1000", "1,000", true, "1,000.", true},
    {"The answer is 1,000 dollars.", "1000", "1,000", true, "1,000", true},
    {"The answer is 10.", "10", "10", true, "10.", true},
    {"The answer is 10", "10", "1", false, "10", true},
    {"the answer is 6.", "6", "[invalid]", false, "6.", true},
    {"THE ANSWER IS 6.", "6", "[invalid]", false, "6.", true},
    {"The Answer is 6.", "6", "[invalid]", false, "6.", true},
    {"The answer is: 6.", "6", "[invalid]", false, "6.", true},
    {"The answer is  6.", "6", "[invalid]", false, "6.", true},
    {"The answer is six.", "6", "[invalid]", false, "[invalid]", false},
    {"The answer is 5. The answer is 6.", "6", "5.", false, "6.", true},
    {"The answer is 6. The answer is 5.", "6", "6.", true, "5.", false},
    {"The final answer is 6.", "6", "[invalid]", false, "6.", true},
    {"So the answer is 6.", "6", "[invalid]", false, "6.", true},
    {"The answer is6.", "6", "[invalid]", false, "6.", true},
    {"The answer is 6,", "6", "6", true, "6,", true},
    {"The answer is 6,000.", "6000", "6,000", true, "6,000.", true},
    {"The answer is 6 .", "6", "6", true, "6", true},
    {"The answer is 66", "66", "6", false, "66", true},
    {"The answer is 66", "6", "6", true, "66", false},
    {"The answer is 6%.", "6", "6", true, "6", true},
    {"The answer is 6/7.", "6", "6", true, "7.", false},
    {"The answer is 0.75.", "0.75", "0.75", true, "0.75.", true},
    {"The answer is .75.", "0.75", ".75", false, ".75.", false},
    {"The answer is .75.", ".75", ".75", true, ".75.", true},
    {"The answer is 18.00.", "18", "18.00", false, "18.00.", false},
    {"The answer is 5 + 1 = 6.", "6", "5", false, "6.", true},
    {"The answer is 6.\n\nQ: next", "6", "6", true, "6.", true},
    {"6", "6", "[invalid]", false, "6", true},
    {"", "6", "[invalid]", false, "[invalid]", false},
    {"The answer is", "6", "[invalid]", false, "[invalid]", false},
    {"The answer is .", "6", "[invalid]", false, "[invalid]", false},
    {"The answer is --6.", "-6", "[invalid]", false, "-6.", true},
    {"The answer is −6.", "-6", "[invalid]", false, "6.", false},
    {"The answer is 6\r", "6", "6", true, "6", true},
    {"The answer is 6\t", "6", "6", true, "6", true},
    {"The answer is 1,2.", "12", "1,2", true, "1,2.", true},
    {"The answer is 7.5 dollars.", "7.5", "7.5", true, "7.5", true},
    {"The answer is 7.", "7.5", "7", false, "7.", false},
    {"The answer is 12.", "12", "12", true, "12.", true},
    {"The answer is 12.", "1", "12", false, "12.", false},
    {"The answer is 2024.", "2024", "2024", true, "2024.", true},
    {"The answer is $1,234.56.", "1234.56", "[invalid]", false, "$1,234.56.", true},
    {"The  answer is 6.", "6", "[invalid]", false, "6.", true},
    {"The answer\nis 6.", "6", "[invalid]", false, "6.", true},
    {"The answer is 6.\nThe answer is 7.", "7", "6", false, "7.", true},
    {"The answer is 8. Wait, 9.", "9", "8.", false, "9.", true},
    {"The answer is **6**.", "6", "[invalid]", false, "6", true},
    {"The answer is 6..", "6", "6.", true, "6..", false},
    {"The answer is 6...", "6", "6..", false, "6...", false},
    {"The answer is 0.", "0", "0", true, "0.", true},
    {"The answer is -0.", "0", "-0", false, "-0.", false},
    {"The answer is 6. 7", "7", "6.", false, "7", true},
};

const MetricConfig& metric(const TaskSpec& spec, const std::string& name) {
  for (const auto& m : spec.metrics) {
    if (m.name == name) return m;
  }
  throw std::runtime_error("no metric " + name);
}

// The filter's output: the metric's chain, or "[invalid]" when it finds nothing.
std::string filtered(const MetricConfig& m, const std::string& text) {
  return extract_answer(parse_extract_chain(m.options.at("extract")), text).value_or("[invalid]");
}

void check_table(const std::string& task, const Row* rows, size_t n, bool reference_is_field) {
  const TaskSpec spec =
      load_task_spec(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs" / (task + ".yaml"));
  const MetricConfig& strict = metric(spec, "exact_match/strict");
  const MetricConfig& flexible = metric(spec, "exact_match/flexible");
  auto strict_scorer = make_scorer(strict, nullptr);
  auto flexible_scorer = make_scorer(flexible, nullptr);
  for (size_t i = 0; i < n; ++i) {
    const Row& r = rows[i];
    SCOPED_TRACE(task + " row " + std::to_string(i) + ": " + r.text);
    Sample sample;
    if (reference_is_field) {
      sample.fields = {{"answer", r.reference}};
    } else {
      sample.reference = r.reference;
    }
    Completion c;
    c.text = r.text;
    EXPECT_EQ(filtered(strict, r.text), r.strict);
    EXPECT_EQ(filtered(flexible, r.text), r.flexible);
    EXPECT_EQ(strict_scorer->score(sample, c, {}).at(0).value, r.strict_ok ? 1.0 : 0.0);
    EXPECT_EQ(flexible_scorer->score(sample, c, {}).at(0).value, r.flexible_ok ? 1.0 : 0.0);
  }
}

TEST(UpstreamExtractTable, HashFamilyMatchesLmEval) {
  static_assert(std::size(kHashRows) >= 60);
  check_table("gsm8k", kHashRows, std::size(kHashRows), true);
}

TEST(UpstreamExtractTable, TheAnswerIsFamilyMatchesLmEval) {
  static_assert(std::size(kAnswerIsRows) >= 60);
  check_table("gsm8k_cot", kAnswerIsRows, std::size(kAnswerIsRows), false);
}

// simple-evals' MGSM answer line (mgsm_eval.py parse_answer, then score_mgsm's clean-up of
// the prediction), as CPython 3.11 computes it; "" is no answer.
TEST(UpstreamExtractTable, SimpleEvalsAnswerLineMatchesMgsm) {
  const std::pair<const char*, const char*> rows[] = {
      {"Answer: 18", "18"},
      {"Steps...\nAnswer: 18", "18"},
      {"Answer: 1,234", "1234"},
      {"Answer: 18.50", "18.5"},
      {"Answer: 18.00", "18"},
      {"Answer: 18.", "18"},
      {"Answer: $18", "18"},
      {"Answer: -10", "10"},
      {"Answer: 10 apples", "10"},
      {"Answer: 5 and then 7", "7"},
      {"Answer: 7\nAnswer: 8", "8"},
      {"The Answer is 8", "8"},
      {"Answering: 3 then 4", "4"},
      {"answer: 18", ""},
      {"18", ""},
      {"Answer: none", ""},
      {"Answer:", ""},
      {"Answer: 0.0", "0"},
      {"Answer: 100", "100"},
      {"Answer: 1.2.3", "3"},
      {"Final Answer: 42.", "42"},
      {"Answer: 3/4", "4"},
      {"**Answer:** 12", "12"},
      {"Answer: 1,000,000.000", "1000000"},
  };
  ExtractStep step;
  step.kind = ExtractStep::Kind::kAnswerAfter;
  step.pattern = "Answer";
  for (const auto& [text, want] : rows) {
    EXPECT_EQ(extract_answer({step}, text).value_or(""), want) << text;
  }
  step.signed_number = true;  // yardstick's change for gsm8k_chat: the sign is kept
  EXPECT_EQ(extract_answer({step}, "Answer: -10"), "-10");
  EXPECT_EQ(extract_answer({step}, "Answer: 5-3"), "-3");  // a "-" before digits is a sign
}

}  // namespace
}  // namespace ys
