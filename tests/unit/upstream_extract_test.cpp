// Extraction tables with the upstream verdict of every string: BBH's "the answer is" rule
// (lm-evaluation-harness bbh_cot_fewshot, commit 4e7e0d47) and simple-evals' letter rules
// (commit ee3b0318). Each row's upstream columns were produced by running the upstream rule
// itself (Python's re on the same strings), not by this code; the robust column is
// yardstick's own `choice` chain.
#include <gtest/gtest.h>

#include <filesystem>

#include "scoring/scorer.h"
#include "tasks/spec.h"

namespace ys {
namespace {

struct BbhRow {
  const char* response;
  const char* target;
  const char* upstream;  // what the filter keeps; "" and "[invalid]": nothing
  bool correct;          // upstream's exact_match verdict
};

const BbhRow kBbhRows[] = {
    {"So the answer is False.", "False", "False", true},
    {"So the answer is False", "False", "Fals", false},
    {"So the answer is (A).", "(A)", "(A)", true},
    {"so the answer is (A).", "(A)", "(A)", true},
    {"So The answer is (A).", "(A)", "[invalid]", false},
    {"The answer is (A).", "(A)", "[invalid]", false},
    {"Thus the answer is (A).", "(A)", "(A)", true},
    {"So the answer is: (A).", "(A)", "[invalid]", false},
    {"So the answer is  (A).", "(A)", "(A)", true},
    {"So the answer is (A)", "(A)", "(A", false},
    {"So the answer is (A)!", "(A)", "(A)", true},
    {"So the answer is (A).\nSo the answer is (B).", "(B)", "(A)", false},
    {"So the answer is (A).\nSo the answer is (B).", "(A)", "(A)", true},
    {"the answer is (B). Q", "(B)", "(B).", false},
    {"So the answer is Yes.</s>", "Yes", "Yes.</s", false},
    {"So the answer is Yes.\n\n", "Yes", "Yes", true},
    {"So the answer is Yes.\r\n", "Yes", "Yes.", false},
    {"So the answer is Yes.\r", "Yes", "Yes.", false},
    {"So the answer is yes.", "Yes", "yes", false},
    {"So the answer is Yes. ", "Yes", "Yes.", false},
    {"So the answer is Yes..", "Yes", "Yes.", false},
    {"So the answer is 24.", "24", "24", true},
    {"So the answer is -24.", "-24", "-24", true},
    {"So the answer is 24", "24", "2", false},
    {"So the answer is 24.0.", "24", "24.0", false},
    {"So the answer is 1,024.", "1024", "1,024", false},
    {"So the answer is valid.", "valid", "valid", true},
    {"So the answer is Valid.", "valid", "Valid", false},
    {"So the answer is invalid.", "invalid", "invalid", true},
    {"So the answer is ] ) }.", "] ) }", "] ) }", true},
    {"So the answer is ] ) }", "] ) }", "] )", false},
    {"So the answer is > ].", "> ]", "> ]", true},
    {"So the answer is apple banana cherry.", "apple banana cherry", "apple banana cherry", true},
    {"So the answer is apple, banana, cherry.", "apple banana cherry", "apple, banana, cherry",
     false},
    {"So the answer is Monsters, Inc.", "Monsters, Inc", "Monsters, Inc", true},
    {"So the answer is Monsters, Inc..", "Monsters, Inc", "Monsters, Inc.", false},
    {"So the answer is rita, sue and bob poo.", "rita, sue and bob poo", "rita, sue and bob poo",
     true},
    {"So the answer is **(A)**.", "(A)", "**(A)**", false},
    {"So the answer is (A)\xE3\x80\x82"
     "",
     "(A)", "(A)", true},
    {"So the answer is caf\xC3\xA9"
     ".",
     "caf\xC3\xA9"
     "",
     "caf\xC3\xA9"
     "",
     true},
    {"So the answer is caf\xC3\xA9"
     "",
     "caf\xC3\xA9"
     "",
     "caf", false},
    {"So the answer is .", ".", "", false},
    {"So the answer is", "(A)", "[invalid]", false},
    {"So the answer is ", "(A)", "[invalid]", false},
    {"So the answer is X", "X", "", false},
    {"So the answer is XY", "X", "X", true},
    {"", "(A)", "[invalid]", false},
    {"(A)", "(A)", "[invalid]", false},
    {"the answer is (A) because it is first.", "(A)", "(A) because it is first", false},
    {"I think the answer is (C).", "(C)", "(C)", true},
    {"the answer is\n(A).", "(A)", "[invalid]", false},
    {"the answer is (A).\n", "(A)", "(A)", true},
    {"Let's see. the answer is (D).", "(D)", "(D)", true},
    {"the answer is not (A). So the answer is (B).", "(B)", "not (A). So the answer is (B)", false},
    {"the answer is (B). the answer is (B).", "(B)", "(B). the answer is (B)", false},
    {"the  answer is (A).", "(A)", "[invalid]", false},
    {"theanswer is (A).", "(A)", "[invalid]", false},
    {"the answer is\t(A).", "(A)", "[invalid]", false},
    {"the answer is \"(A)\".", "(A)", "\"(A)\"", false},
    {"the answer is (a).", "(A)", "(a)", false},
    {"the answer is True.\nA: Let's think step by step.", "True", "True", true},
    {"the answer is False.\tQ", "False", "False.", false},
    {"So the answer is 0.", "0", "0", true},
    {"So the answer is -0.", "0", "-0", false},
    {"So the answer is No.", "No", "No", true},
    {"So the answer is no.", "no", "no", true},
    {"So the answer is No, it is not.", "No", "No, it is not", false},
};

TEST(UpstreamExtract, BbhAnswerIsTableMatchesLmEvaluationHarness) {
  ASSERT_GE(std::size(kBbhRows), 60u);
  TaskSpec spec = load_task_spec(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs/bbh.yaml");
  ScorerSet scorers = make_scorers(spec.metrics, nullptr);
  for (const BbhRow& row : kBbhRows) {
    Sample s;
    s.reference = row.target;
    Completion c;
    c.text = row.response;
    auto scores = scorers.score(s, c);
    ASSERT_EQ(scores.size(), 1u);
    EXPECT_EQ(scores[0].value, row.correct ? 1.0 : 0.0) << row.response;
    const std::string upstream = row.upstream;
    if (upstream.empty() || upstream == "[invalid]") {
      EXPECT_FALSE(scores[0].extracted.has_value()) << row.response;
    } else {
      EXPECT_EQ(scores[0].extracted.value_or("<none>"), upstream) << row.response;
    }
  }
}

struct LetterRow {
  const char* response;
  const char* gold;
  const char* gpqa;    // simple-evals GPQA: re.search(ANSWER_PATTERN_MULTICHOICE).group(1)
  const char* mmlu;    // simple-evals MMLU: normalize_response + multilingual markers
  const char* robust;  // yardstick's `choice` chain (full-width letters are not among its forms)
};

const LetterRow kLetterRows[] = {
    {"Answer: A", "A", "A", "A", "A"},
    {"Answer: B", "A", "B", "B", "B"},
    {"answer: a", "A", "a", "a", "A"},
    {"ANSWER: C", "C", "C", "C", "C"},
    {"Answer:C", "C", "C", "C", "C"},
    {"Answer :  D", "D", "D", "D", "D"},
    {"Answer\t:\tB", "B", "B", "B", "B"},
    {"Answer: $B$", "B", "B", "B", "B"},
    {"Answer: $\\boxed{B}$", "B", nullptr, "B", "B"},
    {"Answer: \\boxed{B}", "B", nullptr, "B", "B"},
    {"**Answer:** C", "C", nullptr, "C", "C"},
    {"**Answer: C**", "C", "C", "C", "C"},
    {"Answer: **C**", "C", nullptr, "C", "C"},
    {"Answer: (C)", "C", nullptr, nullptr, "C"},
    {"Answer: [C]", "C", nullptr, nullptr, "C"},
    {"Answer: \\text{C}", "C", nullptr, "C", "C"},
    {"Answer: $\\text{C}$", "C", nullptr, "C", "C"},
    {"Answer: \\mathbf{C}", "C", nullptr, "C", "C"},
    {"Answer: \\(C\\)", "C", nullptr, "C", "C"},
    {"Answer: E", "E", nullptr, nullptr, nullptr},
    {"Answer: Because A is wrong, C", "C", "B", "B", "C"},
    {"Answer:\nB", "B", nullptr, nullptr, "B"},
    {"Answer: A\nAnswer: B", "B", "A", "A", "B"},
    {"Answer: A\nAnswer: B", "A", "A", "A", "B"},
    {"The answer is B.", "B", nullptr, nullptr, "B"},
    {"The answer is (B).", "B", nullptr, nullptr, "B"},
    {"Final answer: D", "D", "D", "D", "D"},
    {"Final Answer: D", "D", "D", "D", "D"},
    {"B", "B", nullptr, nullptr, "B"},
    {"(B)", "B", nullptr, nullptr, "B"},
    {"**B**", "B", nullptr, nullptr, "B"},
    {"I think it's B.", "B", nullptr, nullptr, "B"},
    {"Let me think... Answer: A. Actually no. Answer: C", "C", "A", "A", "C"},
    {"Answer: \xEF\xBC\xA1"
     "",
     "A", nullptr, "A", nullptr},
    {"Answer: \xEF\xBD\x83"
     "",
     "C", nullptr,
     "\xEF\xBD\x83"
     "",
     nullptr},
    {"\xE7\xAD\x94"
     "\xE6\xA1\x88"
     "\xEF\xBC\x9A"
     "B",
     "B", nullptr, "B", "B"},
    {"\xE7\xAD\x94"
     "\xE6\xA1\x88"
     ": B",
     "B", nullptr, "B", "B"},
    {"Antwort: C", "C", nullptr, "C", "C"},
    {"R\xC3\xA9"
     "ponse : D",
     "D", nullptr, "D", "D"},
    {"Respuesta: A", "A", nullptr, "A", "A"},
    {"Answer: \xD8\xA3"
     "",
     "A", nullptr, "A", nullptr},
    {"Answer: \xD8\xA8"
     "",
     "B", nullptr, "B", nullptr},
    {"Answer: \xE0\xA6\x85"
     "",
     "A", nullptr, "A", nullptr},
    {"Answer: \xEF\xBC\xA3"
     "",
     "C", nullptr, "C", nullptr},
    {"Answer: $A$.", "A", "A", "A", "A"},
    {"Answer: \\$A", "A", nullptr, "A", "A"},
    {"Answer: {A}", "A", nullptr, "A", "A"},
    {"Answer: a", "A", "a", "a", "A"},
    {"Answer: d", "D", "d", "d", "D"},
    {"Answer: AB", "A", "A", "A", nullptr},
    {"Answer: A and B", "A", "A", "A", "A"},
    {"Answer: Option B", "B", nullptr, nullptr, "B"},
    {"Answer: The correct option is C", "C", nullptr, nullptr, "C"},
    {"Answer - B", "B", nullptr, nullptr, "B"},
    {"Answer = B", "B", nullptr, nullptr, "B"},
    {"My answer: B", "B", "B", "B", "B"},
    {"Answers: B", "B", nullptr, nullptr, "B"},
    {"Correct Answer: D", "D", "D", "D", "D"},
    {"The answer: D", "D", "D", "D", "D"},
    {"<answer>B</answer>", "B", nullptr, nullptr, "B"},
    {"Answer:\xE2\x80\x8B"
     "\xE2\x80\x8B"
     "\xE2\x80\x8B"
     "\xE2\x80\x8B"
     "\xE2\x80\x8B"
     "\xE2\x80\x8B"
     "B",
     "B", nullptr, "B", "B"},
    {"Answer: A\xE2\x80\x8B"
     "",
     "A", "A", "A", "A"},
    {"", "A", nullptr, nullptr, nullptr},
    {"No answer here.", "A", nullptr, nullptr, nullptr},
    {"Answer: none of the above", "A", nullptr, nullptr, nullptr},
    {"Answer:", "A", nullptr, nullptr, nullptr},
    {"answer:b", "B", "b", "b", "B"},
    {"Answer: `B`", "B", nullptr, nullptr, "B"},
};

// The extracted answer of one metric, or "<none>".
std::string extracted_by(const ScorerSet& scorers, size_t metric, const char* text,
                         const char* gold, double* value) {
  Sample s;
  s.reference = gold;
  Completion c;
  c.text = text;
  auto scores = scorers.score(s, c);
  *value = scores.at(metric).value;
  return scores.at(metric).extracted.value_or("<none>");
}

TEST(UpstreamExtract, LetterTableMatchesSimpleEvals) {
  ASSERT_GE(std::size(kLetterRows), 60u);
  // The metrics as the shipped specs declare them.
  const auto specs = std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs";
  ScorerSet mmlu = make_scorers(load_task_spec(specs / "mmlu_generative.yaml").metrics, nullptr);
  ScorerSet gpqa = make_scorers(load_task_spec(specs / "gpqa_diamond.yaml").metrics, nullptr);
  ASSERT_EQ(mmlu.metrics().size(), 2u);
  ASSERT_EQ(gpqa.metrics().size(), 2u);
  for (const LetterRow& row : kLetterRows) {
    const std::string gold = row.gold;
    double value = -1;
    const std::string want_gpqa = row.gpqa ? row.gpqa : "<none>";
    EXPECT_EQ(extracted_by(gpqa, 0, row.response, row.gold, &value), want_gpqa) << row.response;
    EXPECT_EQ(value, want_gpqa == gold ? 1.0 : 0.0) << row.response;
    const std::string want_mmlu = row.mmlu ? row.mmlu : "<none>";
    EXPECT_EQ(extracted_by(mmlu, 0, row.response, row.gold, &value), want_mmlu) << row.response;
    EXPECT_EQ(value, want_mmlu == gold ? 1.0 : 0.0) << row.response;
    const std::string want_robust = row.robust ? row.robust : "<none>";
    EXPECT_EQ(extracted_by(mmlu, 1, row.response, row.gold, &value), want_robust) << row.response;
    EXPECT_EQ(extracted_by(gpqa, 1, row.response, row.gold, &value), want_robust) << row.response;
  }
}

// Python re semantics of regex steps: '.' is a code point other than "\n", '$' the end or
// before a final "\n", "\Z" the very end (verdicts from python3's re).
TEST(UpstreamExtract, RegexStepsReadPatternsAsPythonDoes) {
  struct Case {
    const char* pattern;
    const char* text;
    const char* found;  // nullptr: no match
  } cases[] = {
      {"a(.)b", "a\nb", nullptr},
      {"(a.b)", "a\rb", "a\rb"},
      {"a(.)b",
       "a\xC3\xA9"
       "b",
       "\xC3\xA9"},
      {"(?s)(a.b)", "a\nb", "a\nb"},
      {"(x)$", "x\n", "x"},
      {"(x)$", "x\ny", nullptr},
      {"(x)\\Z", "x\n", nullptr},
      {"^(Q)", "x\nQ", nullptr},
      {"(?m)^(Q)", "x\nQ", "Q"},
      {"([.$])", "a$", "$"},
      {"(\\.)", "a.", "."},
  };
  for (const auto& c : cases) {
    ExtractChain chain = {regex_step(c.pattern)};
    auto got = extract_answer(chain, c.text);
    if (c.found) {
      EXPECT_EQ(got.value_or("<none>"), c.found) << c.pattern;
    } else {
      EXPECT_FALSE(got.has_value()) << c.pattern << " on " << c.text;
    }
  }
}

}  // namespace
}  // namespace ys
