// MATH answers: the boxed extractor, the MATH authors' is_equiv, Minerva's answer line and
// normalization (each against verdicts recorded from a run of the upstream Python code:
// lm-evaluation-harness 4e7e0d4 lm_eval/tasks/minerva_math/utils.py, hendrycks/math 985bdc1
// modeling/math_equivalence.py), yardstick's own math_equiv, the MATH loader, and the
// MATH tasks under mock:oracle.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <set>
#include <string>

#include "datasets/reader.h"
#include "scoring/extract.h"
#include "scoring/math_equiv.h"
#include "scoring/math_equivalence.h"
#include "scoring/minerva.h"
#include "scoring/options.h"
#include "scoring/scorer.h"
#include "tasks/registry.h"
#include "tasks/task.h"
#include "tests/support/test_paths.h"
#include "util/error.h"
#include "util/latex.h"
#include "util/strings.h"

namespace ys {
namespace {

struct BoxedCase {
  const char* text;
  std::optional<std::string> answer;  // upstream: remove_boxed(last_boxed_only_string(text))
};

struct EquivCase {
  const char* a;
  const char* b;
  bool equal;
};

struct MinervaCase {
  const char* text;
  std::optional<std::string> raw;  // get_unnormalized_answer; nullopt: "[invalidanswer]"
  const char* normalized;          // normalize_final_answer of upstream's raw answer
};

struct NormalizeCase {
  const char* in;
  const char* out;
};

// Generated rows: each verdict was recorded from a run of the upstream Python code.
const BoxedCase kBoxedCases[] = {
    {"The answer is $\\boxed{5}$.", "5"},
    {"\\boxed{5}", "5"},
    {"\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"},
    {"\\boxed{\\frac{\\sqrt{3}}{2}}", "\\frac{\\sqrt{3}}{2}"},
    {"first \\boxed{1} then \\boxed{2}", "2"},
    {"\\boxed{1} and \\boxed{\\{1,2\\}}", "\\{1,2\\}"},
    {"\\boxed{a{b{c}d}e}", "a{b{c}d}e"},
    {"\\boxed{5", std::nullopt},
    {"\\boxed{\\frac{1}{2}", std::nullopt},
    {"no box here", std::nullopt},
    {"", std::nullopt},
    {"\\fbox{7}", std::nullopt},
    {"The answer is $\\fbox{7}$", std::nullopt},
    {"\\boxed{3} but \\fbox{4}", "3"},
    {"\\fbox{4} but \\boxed{3}", "3"},
    {"\\boxed 5", "5"},
    {"\\boxed 5$ and more", "5"},
    {"$\\boxed 12$.", "12"},
    {"\\boxed 5 then \\boxed{6}", "5 then \\boxed{6}"},
    {"\\boxed{6} then \\boxed 5", "5"},
    {"\\boxed {5}", "{5}"},
    {"\\boxed\n{5}", std::nullopt},
    {"\\boxed{}", ""},
    {"\\boxed{ 5 }", " 5 "},
    {"\\boxed{\\text{(C)}}", "\\text{(C)}"},
    {"\\boxed{(-\\infty, 2]}", "(-\\infty, 2]"},
    {"\\boxed{x^{2}+1}", "x^{2}+1"},
    {"\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}", "\\left( 3, \\frac{\\pi}{2} \\right)"},
    {"Final: \\boxed{\\$14.00}", "\\$14.00"},
    {"\\boxed{10\\%}", "10\\%"},
    {"\\boxed{90^\\circ}", "90^\\circ"},
    {"\\boxed{\\dfrac{9}{4}}", "\\dfrac{9}{4}"},
    {"\\(\\boxed{42}\\)", "42"},
    {"\\[\\boxed{-7}\\]", "-7"},
    {"**Answer:** \\boxed{B}", "B"},
    {"\\boxed{A} \\boxed{B} \\boxed{C}", "C"},
    {"\\boxed{1}}", "1"},
    {"}\\boxed{2}", "2"},
    {"\\boxed{\\boxed{3}}", "3"},
    {"\\boxedx{4}", std::nullopt},
    {"\\boxed{\\}", "\\"},
    {"\\boxed{a}\\boxed{", std::nullopt},
    {"\\boxed{{}}", "{}"},
    {"\\boxed{{5}}", "{5}"},
    {"text \\boxed{2\\sqrt{2}} text", "2\\sqrt{2}"},
    {"\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}",
     "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"},
    {"\\boxed{3, 4}", "3, 4"},
    {"\\boxed{x = 2}", "x = 2"},
    {"\\boxed{\\text{Evelyn}}", "\\text{Evelyn}"},
    {"\\boxed{0.5}", "0.5"},
    {"\\boxed{-\\frac{2}{3}}", "-\\frac{2}{3}"},
    {"\\boxed{\\frac12}", "\\frac12"},
    {"\\boxed{1,000}", "1,000"},
    {"\\boxed{\\pi}", "\\pi"},
    {"\\boxed{5}\\n", "5"},
    {"<think>\\boxed{1}</think> \\boxed{2}", "2"},
    {"\\boxed{2} is wrong; corrected: \\boxed{3}.", "3"},
    {"\\fbox{1} \\fbox{2}", std::nullopt},
    {"\\fbox{\\frac{1}{2}}", std::nullopt},
    {"\\fbox 5", std::nullopt},
    {"\\boxed{½}", "½"},
    {"\\boxed{π/2}", "π/2"},
    {"\\boxed \\frac{1}{2}$", "\\frac{1}{2}"},
    {"\\boxed  5", " 5"},
    {"\\boxed{\n5\n}", "\n5\n"},
};

const EquivCase kIsEquivCases[] = {
    {"5", "5", true},
    {"5", "5.0", false},
    {"0.5", "\\frac{1}{2}", true},
    {".5", "\\frac{1}{2}", true},
    {"1/2", "\\frac{1}{2}", true},
    {"\\frac12", "\\frac{1}{2}", true},
    {"\\dfrac{1}{2}", "\\frac{1}{2}", true},
    {"\\tfrac{1}{2}", "\\frac{1}{2}", true},
    {"\\frac{1}{2}", "\\frac{2}{4}", false},
    {"2/4", "\\frac{1}{2}", false},
    {"-1/2", "\\frac{-1}{2}", true},
    {"-1/2", "-\\frac{1}{2}", false},
    {"+1/2", "\\frac{1}{2}", false},
    {"01/2", "\\frac{1}{2}", false},
    {"1/02", "\\frac{1}{2}", false},
    {"-0/2", "\\frac{-0}{2}", false},
    {"1/2/3", "\\frac{1}{2}/3", false},
    {"x/2", "\\frac{x}{2}", false},
    {"10", "10\\text{ units}", true},
    {"10\\text{ cm}", "10", true},
    {"10\\text{ cm}\\text{ m}", "10", false},
    {"10\\text{cm}", "10", false},
    {"10\\%", "10", true},
    {"10%", "10", false},
    {"\\$10", "10", true},
    {"$10", "10", false},
    {"90^\\circ", "90", true},
    {"90^{\\circ}", "90", true},
    {"90\\circ", "90", false},
    {"\\left(1,2\\right)", "(1,2)", true},
    {"(1, 2)", "(1,2)", true},
    {"(1,2)", "(2,1)", false},
    {"[1,2)", "(1,2)", false},
    {"x = 5", "5", true},
    {"x=5", "5", true},
    {"xy = 5", "5", false},
    {"xyz = 5", "5", false},
    {"x = y = 5", "5", false},
    {"αβ=5", "5", true},
    {"\\alpha=5", "5", false},
    {"\\sqrt2", "\\sqrt{2}", true},
    {"2\\sqrt3", "2\\sqrt{3}", true},
    {"\\sqrt{8}", "2\\sqrt{2}", false},
    {"\\sqrt", "\\sqrt", true},
    {"\\sqrt", "\\sqrt{}", false},
    {"\\sqrtπ", "\\sqrt{π}", true},
    {"\\frac", "\\frac", true},
    {"\\frac1", "\\frac1", true},
    {"\\frac1", "\\frac{1}", false},
    {"\\frac{1}{2}\\frac", "\\frac{1}{2}", false},
    {"\\frac1{72}", "\\frac{1}{72}", true},
    {"\\frac{72}1", "\\frac{72}{1}", false},
    {"\\fracαβ", "\\frac{α}{β}", true},
    {"1\n0", "10", true},
    {"1\\!0", "10", true},
    {"\\\\frac{1}{2}", "\\frac{1}{2}", true},
    {"a .5", "a 0.5", true},
    {"{.5}", "{0.5}", true},
    {"", "", true},
    {" ", "", true},
    {"", "0", false},
    {"\\text{ a}\\text{ b}", "\\text{ a}\\text{ b}", true},
    {"\\text{ a}\\text{ b}", "\\text{ a}\\text{  b}", false},
    {"5,000", "5000", false},
    {"\\{1,2\\}", "\\{1, 2\\}", true},
    {"\\text{(C)}", "C", false},
    {"(C)", "C", false},
    {"C", "C", true},
    {"\\pi/2", "\\frac{\\pi}{2}", false},
    {"3/4", "0.75", false},
    {"\\infty", "\\infty", true},
    {"-\\infty", "- \\infty", true},
    {"\\leftarrow", "arrow", true},
    {"\\frac{1}{2}", "1/2 ", true},
    {"1\t/2", "\\frac{1}{2}", false},
    {"10 ", "10", true},
    {"\\sqrt{3}/2", "\\frac{\\sqrt{3}}{2}", false},
    {"2", "2\\text{ } ", true},
    {"\\tfrac{1}{2} + \\frac1{72}", "\\\\frac{1}{2} + 2/3", false},
    {"10, 4, -2", "4, 10, -2", false},
    {"10, 4, 2", "4, 12, 2", false},
    {"\\tfrac{1}{2} +\\! \\frac1{72}", "\\\\dfrac{1}{2} +\\frac{1}{72}", true},
    {"10\\text{ units}", "10 ", true},
    {"10\\text{ units}", "100 ", false},
    {"10", "\\$10", true},
    {"\\left(x-2\\right)\\left(x+2\\right)", "(x-2)(x+2)", true},
    {"0.1, 4, 2", "4, .1, 2", false},
    {"0.1", ".1", true},
    {"10\\%", "10", true},
    {"10\\sqrt{3} + \\sqrt4", "10\\sqrt3 + \\sqrt{4}", true},
    {"\\frac34i", "\\frac{3}{4}i", true},
    {"\\tfrac83", "\\frac{8}{3}", true},
    {"5x - 7y + 11z + 4 = 0", "x + y - z + 2 = 0", false},
    {"1/2", "\\frac{1}{2}", true},
};

const MinervaCase kMinervaCases[] = {
    {"Final Answer: The final answer is $5$. I hope it is correct.", "$5$", "5"},
    {"Final Answer: The final answer is 5. I hope it is correct.", "5", "5"},
    {"Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.", "$\\frac{1}{2}$",
     "\\frac{1}{2}"},
    {"Final Answer: The final answer is $\\frac12$. I hope it is correct.", "$\\frac12$",
     "\\frac{1}{2}"},
    {"Final Answer: The final answer is $[2,5)$. I hope it is correct.", "$[2,5)$", "[2,5)"},
    {"Final Answer: The final answer is $-\\frac{2}{3}$. I hope it is correct.", "$-\\frac{2}{3}$",
     "-\\frac{2}{3}"},
    {"Final Answer: The final answer is $x = 5$. I hope it is correct.", "$x = 5$", "5"},
    {"Final Answer: The final answer is $10$ dollars. I hope it is correct.", "$10$ dollars", "10"},
    {"Final Answer: The final answer is $10\\text{ cm}$. I hope it is correct.", "$10\\text{ cm}$",
     "10"},
    {"Final Answer: The final answer is $90^\\circ$. I hope it is correct.", "$90^\\circ$", "90"},
    {"Final Answer: The final answer is $1,000$. I hope it is correct.", "$1,000$", "1000"},
    {"Final Answer: The final answer is $1,000,000$. I hope it is correct.", "$1,000,000$",
     "1000000"},
    {"Final Answer: The final answer is $1, 2$. I hope it is correct.", "$1, 2$", "12"},
    {"Final Answer: The final answer is $\\sqrt2$. I hope it is correct.", "$\\sqrt2$",
     "\\sqrt{2}"},
    {"Final Answer: The final answer is $\\boxed{7}$. I hope it is correct.", "$\\boxed{7}$", "7"},
    {"Final Answer: The final answer is $\\text{Evelyn}$. I hope it is correct.",
     "$\\text{Evelyn}$", "Evelyn"},
    {"Final Answer: The final answer is $\\textbf{(B)}$. I hope it is correct.", "$\\textbf{(B)}$",
     "(B)"},
    {"Final Answer: The final answer is $\\overline{AB}$. I hope it is correct.",
     "$\\overline{AB}$", "AB"},
    {"Final Answer: The final answer is $\\left( 3, \\frac{\\pi}{2} \\right)$. I hope it is "
     "correct.",
     "$\\left( 3, \\frac{\\pi}{2} \\right)$", "\\le(3,\\frac{\\pi}{2}\\right)"},
    {"Final Answer: The final answer is $\\$14.00$. I hope it is correct.", "$\\$14.00$", "14.00"},
    {"Final Answer: The final answer is $5", std::nullopt, "[invalidanswer]"},
    {"Final Answer: The final answer is $5$. ", "$5$", "5"},
    {"Final Answer: The final answer is $5$.", std::nullopt, "[invalidanswer]"},
    {"Final Answer: The final answer is $5$", std::nullopt, "[invalidanswer]"},
    {"Final Answer: The final answer is 5.", std::nullopt, "[invalidanswer]"},
    {"The final answer is $5$. I hope it is correct.", std::nullopt, "[invalidanswer]"},
    {"Final answer: The final answer is $5$. I hope it is correct.", std::nullopt,
     "[invalidanswer]"},
    {"", std::nullopt, "[invalidanswer]"},
    {"Final Answer: The final answer is $5$. I hope it is correct.\nFinal Answer: The final answer "
     "is $6$. I hope it is correct.",
     "$5$", "5"},
    {"Final Answer: The final answer is\n$5$. I hope it is correct.", std::nullopt,
     "[invalidanswer]"},
    {"Final Answer: The final answer is $5$.\nI hope it is correct.", std::nullopt,
     "[invalidanswer]"},
    {"Final Answer: The final answer is $5$!I hope it is correct.", std::nullopt,
     "[invalidanswer]"},
    {"Final Answer: The final answer is $5$. I hope it is correct!", "$5$", "5"},
    {"Final Answer: The final answer is an integer $5$. I hope it is correct.", "an integer $5$",
     "5"},
    {"Final Answer: The final answer is a $5$. I hope it is correct.", "a $5$", "5"},
    {"Final Answer: The final answer is $\\frac{a}{b}$. I hope it is correct.", "$\\frac{a}{b}$",
     "\\frac{a}{b}"},
    {"Final Answer: The final answer is $\\frac{10}{3}$. I hope it is correct.", "$\\frac{10}{3}$",
     "\\frac{10}{3}"},
    {"Final Answer: The final answer is $\\frac103$. I hope it is correct.", "$\\frac103$",
     "\\frac{1}{0}3"},
    {"Final Answer: The final answer is $\\sqrt{2}$. I hope it is correct.", "$\\sqrt{2}$",
     "\\sqrt{2}"},
    {"Final Answer: The final answer is $\\sqrt22$. I hope it is correct.", "$\\sqrt22$",
     "\\sqrt{2}2"},
    {"Final Answer: The final answer is $2\\text{ ways}$. I hope it is correct.",
     "$2\\text{ ways}$", "2"},
    {"Final Answer: The final answer is $12$ square feet. I hope it is correct.",
     "$12$ square feet", "12"},
    {"Final Answer: The final answer is $3\\text{ and }4$. I hope it is correct.",
     "$3\\text{ and }4$", "34"},
    {"Final Answer: The final answer is $3,\\text{and}4$. I hope it is correct.",
     "$3,\\text{and}4$", "34"},
    {"Final Answer: The final answer is $5\\text{m}$. I hope it is correct.", "$5\\text{m}$", "5"},
    {"Final Answer: The final answer is $10 \\mbox{ inches}$. I hope it is correct.",
     "$10 \\mbox{ inches}$", "10"},
    {"Final Answer: The final answer is $\\{1,2\\}$. I hope it is correct.", "$\\{1,2\\}$",
     "\\{1,2\\}"},
    {"Final Answer: The final answer is $1{,}000$. I hope it is correct.", "$1{,}000$", "1000"},
    {"Final Answer: The final answer is $\\dfrac{1}{2}$. I hope it is correct.", "$\\dfrac{1}{2}$",
     "\\dfrac{1}{2}"},
    {"Final Answer: The final answer is $\\text{(C)}$ and $\\text{(D)}$. I hope it is correct.",
     "$\\text{(C)}$ and $\\text{(D)}$", "(C)"},
    {"Final Answer: The final answer is 5 and $6$. I hope it is correct.", "5 and $6$", "6"},
    {"Final Answer: The final answer is $\\pi$. I hope it is correct.", "$\\pi$", "\\pi"},
    {"Final Answer: The final answer is $\\frac{\\pi}{2}$. I hope it is correct.",
     "$\\frac{\\pi}{2}$", "\\frac{\\pi}{2}"},
    {"Final Answer: The final answer is $2^{10}$. I hope it is correct.", "$2^{10}$", "2^{10}"},
    {"Final Answer: The final answer is $\\ldots$. I hope it is correct.", "$\\ldots$", ""},
    {"Final Answer: The final answer is $5\\%$. I hope it is correct.", "$5\\%$", "5\\%"},
    {"Final Answer: The final answer is   5 . I hope it is correct.", "5", "5"},
    {"Final Answer: The final answer is $½$. I hope it is correct.", "$½$", "½"},
    {"Final Answer: The final answer is $fracab$. I hope it is correct.", "$fracab$", "frac{a}{b}"},
    {"Final Answer: The final answer is $\\fracαβ$. I hope it is correct.", "$\\fracαβ$",
     "\\frac{α}{β}"},
    {"Final Answer: The final answer is $6$ students. I hope it is correct.", "$6$ students", "6"},
    {"Final Answer: The final answer is $\\boxed{\\frac{1}{2}}$. I hope it is correct.",
     "$\\boxed{\\frac{1}{2}}$", "\\frac{1}{2}"},
    {"Final Answer: The final answer is $a = 3, b = 4$. I hope it is correct.", "$a = 3, b = 4$",
     "4"},
    {"Final Answer: The final answer is $\\left[ 1, 2 \\right)$. I hope it is correct.",
     "$\\left[ 1, 2 \\right)$", "\\le[1,2\\right)"},
};

const NormalizeCase kMinervaNormalizeCases[] = {
    {"\\left( 3, \\frac{\\pi}{2} \\right)", "\\le(3,\\frac{\\pi}{2}\\right)"},
    {"\\frac{14}{3}", "\\frac{14}{3}"},
    {"p - q", "p-q"},
    {"\\text{Evelyn}", "Evelyn"},
    {"6 - 5i", "6-5i"},
    {"\\$32,\\!348", "32348"},
    {"1,\\!000", "1000"},
    {"\\text{(C)}", "(C)"},
    {"x^2+7x+10", "x^2+7x+10"},
    {"\\sqrt{51}", "\\sqrt{51}"},
    {"11\\sqrt2", "11\\sqrt{2}"},
    {"\\dfrac{9}{4}", "\\dfrac{9}{4}"},
    {"2,\\!4,\\!6", "246"},
    {"10\\%", "10\\%"},
    {"\\boxed{x}", "x"},
    {"a = 5", "5"},
    {"3\\text{ km}", "3"},
    {"\\mathrm{th}5", "5"},
    {"12\\;\\text{cm}^2", "12"},
    {"\\frac{1}{4}\\text{.}", "\\frac{1}{4}"},
    {"\"yes\"", "yes"},
    {"0.5\\text{s}", "0.5"},
    {"\n5", "\n5"},
    {"5\n$1$ and $2$", "5\n1"},
};

const EquivCase kMathEquivCases[] = {
    {"5", "5", true},
    {"5.0", "5", true},
    {"5.00", "5", true},
    {"05", "5", true},
    {"6", "5", false},
    {"0.5", "\\frac{1}{2}", true},
    {"0.50", "\\frac12", true},
    {"2/4", "\\frac{1}{2}", true},
    {"\\frac{2}{4}", "\\frac{1}{2}", true},
    {"\\dfrac{3}{6}", "0.5", true},
    {"1/3", "0.333", false},
    {"0.75", "\\frac34", true},
    {"-\\frac{2}{3}", "\\frac{-2}{3}", true},
    {"-\\frac{2}{3}", "-2/3", true},
    {"\\frac{-2}{-3}", "\\frac{2}{3}", true},
    {"\\frac{1}{0}", "\\frac{1}{0}", true},
    {"\\frac{1}{0}", "\\frac{2}{0}", false},
    {"\\sqrt{8}", "2\\sqrt{2}", true},
    {"\\sqrt8", "2\\sqrt2", true},
    {"\\sqrt{12}", "2\\sqrt{3}", true},
    {"\\sqrt{18}", "2\\sqrt{3}", false},
    {"\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}", true},
    {"\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt3}", true},
    {"\\sqrt{\\frac{1}{4}}", "\\frac12", true},
    {"\\sqrt{2}\\cdot\\sqrt{2}", "2", true},
    {"3\\sqrt{2}+\\sqrt{2}", "4\\sqrt{2}", true},
    {"\\sqrt{2}+\\sqrt{3}", "\\sqrt{3}+\\sqrt{2}", true},
    {"\\frac{\\pi}{2}", "\\pi/2", true},
    {"0.5\\pi", "\\frac{\\pi}{2}", true},
    {"\\frac{3\\pi}{4}", "\\frac34\\pi", true},
    {"2\\pi", "\\pi", false},
    {"\\pi", "3.14", false},
    {"\\pi^2/4", "\\left(\\frac{\\pi}{2}\\right)^2", true},
    {"2^{10}", "1024", true},
    {"2^-1", "0.5", false},
    {"2^{-1}", "0.5", true},
    {"10^3", "1000", true},
    {"\\left(1,2\\right)", "(1, 2)", true},
    {"(1,2)", "1,2", true},
    {"(1,2)", "(2,1)", false},
    {"(\\frac12, 3)", "(0.5,3)", true},
    {"(1,2,3)", "(1,2)", false},
    {"[1,2)", "(1,2)", false},
    {"[1,2)", "\\left[1, 2\\right)", true},
    {"(-\\infty, 2]", "(-\\infty,2]", true},
    {"(-\\infty,1)\\cup(2,\\infty)", "(-\\infty, 1) \\cup (2, \\infty)", true},
    {"(-\\infty,1)\\cup(2,\\infty)", "(-\\infty,1)", false},
    {"[0.5, 1]", "[\\frac{1}{2},1]", true},
    {"90^\\circ", "90", true},
    {"90°", "90", true},
    {"45^{\\circ}", "\\frac{90}{2}", true},
    {"10\\text{ cm}", "10", true},
    {"10\\,\\text{cm}", "10", true},
    {"12 inches", "12", true},
    {"5 square units", "5", true},
    {"\\text{Evelyn}", "Evelyn", true},
    {"\\textbf{(C)}", "\\text{(C)}", true},
    {"\\mbox{yes}", "yes", true},
    {"50\\%", "50", true},
    {"\\$14.00", "14", true},
    {"$14$", "14", true},
    {"\\(7\\)", "7", true},
    {"\\boxed{7}", "7", true},
    {"x = 5", "5", true},
    {"\\theta = \\frac{\\pi}{3}", "\\frac{\\pi}{3}", true},
    {"x+1", "1+x", false},
    {"x+1", "x + 1", true},
    {"1,000", "1000", true},
    {"1{,}000", "1000", true},
    {"1,000,000", "10^6", true},
    {"", "5", false},
    {"", "", true},
    {"\\infty", "\\infty", true},
    {"\\sqrt[3]{8}", "2", false},
    {"2\\sqrt{2}", "\\sqrt{8}+0", true},
    {"1e3", "1000", false},
};

TEST(MathBoxed, UpstreamTable) {
  ASSERT_GE(std::size(kBoxedCases), 60u);
  for (const auto& c : kBoxedCases) EXPECT_EQ(boxed_answer(c.text), c.answer) << c.text;
}

TEST(MathBoxed, ExtractStepIsTheUpstreamPair) {
  ExtractChain chain = parse_extract_chain(nlohmann::json::parse(R"(["boxed"])"));
  for (const auto& c : kBoxedCases) {
    auto got = extract_answer(chain, c.text);
    // A chain treats an empty find as nothing found.
    EXPECT_EQ(got, c.answer && !c.answer->empty() ? c.answer : std::nullopt) << c.text;
  }
  // Untrimmed, as upstream: the spaces inside the box stay.
  EXPECT_EQ(extract_answer(chain, "\\boxed{ 5 }"), " 5 ");
}

TEST(MathIsEquiv, UpstreamTable) {
  ASSERT_GE(std::size(kIsEquivCases), 60u);
  for (const auto& c : kIsEquivCases) {
    EXPECT_EQ(hendrycks_is_equiv(std::string(c.a), std::string(c.b)), c.equal)
        << c.a << " | " << c.b;
    EXPECT_EQ(hendrycks_is_equiv(std::string(c.b), std::string(c.a)), c.equal)
        << c.b << " | " << c.a;
  }
}

TEST(MathIsEquiv, StripStringStepByStep) {
  EXPECT_EQ(hendrycks_strip_string("\\tfrac{1}{2} +\\! \\frac1{72}"), "\\frac{1}{2}+\\frac{1}{72}");
  EXPECT_EQ(hendrycks_strip_string("x = \\dfrac12"), "\\frac{1}{2}");
  EXPECT_EQ(hendrycks_strip_string("10\\text{ cm}"), "10");
  EXPECT_EQ(hendrycks_strip_string(".5"), "\\frac{1}{2}");
  EXPECT_EQ(hendrycks_strip_string("-3/4"), "\\frac{-3}{4}");
  EXPECT_EQ(hendrycks_strip_string("03/4"), "03/4");
  EXPECT_EQ(hendrycks_strip_string("\\sqrt\xCF\x80"), "\\sqrt{\xCF\x80}");  // one character
  EXPECT_EQ(hendrycks_strip_string("\\frac1"), "\\frac1");                  // too short: left as is
  // Where upstream raises (is_equiv then compares the raw strings).
  EXPECT_EQ(hendrycks_strip_string("\\text{ a}\\text{ b}"), std::nullopt);
  EXPECT_EQ(hendrycks_strip_string("2\\sqrt"), std::nullopt);
  EXPECT_EQ(hendrycks_strip_string("\\frac\\frac12"), std::nullopt);
  EXPECT_TRUE(hendrycks_is_equiv(std::nullopt, std::nullopt));
  EXPECT_FALSE(hendrycks_is_equiv(std::nullopt, std::string("5")));
}

TEST(MinervaAnswer, UpstreamTable) {
  ASSERT_GE(std::size(kMinervaCases), 60u);
  for (const auto& c : kMinervaCases) {
    auto raw = minerva_final_answer(c.text);
    EXPECT_EQ(raw, c.raw) << c.text;
    EXPECT_EQ(minerva_normalize(raw.value_or("[invalidanswer]")), c.normalized) << c.text;
  }
}

TEST(MinervaNormalize, UpstreamTable) {
  for (const auto& c : kMinervaNormalizeCases) EXPECT_EQ(minerva_normalize(c.in), c.out) << c.in;
  EXPECT_EQ(normalize("\\dfrac{9}{4}", parse_normalization("minerva")), "\\dfrac{9}{4}");
  EXPECT_EQ(normalize(" 1,000 ", Normalization::kMinerva), "1000");
}

TEST(MathEquiv, Table) {
  ASSERT_GE(std::size(kMathEquivCases), 60u);
  for (const auto& c : kMathEquivCases) {
    EXPECT_EQ(math_equiv(c.a, c.b), c.equal) << c.a << " | " << c.b;
    EXPECT_EQ(math_equiv(c.b, c.a), c.equal) << c.b << " | " << c.a;
  }
}

TEST(MathEquiv, AcceptsEveryPairIsEquivAccepts) {
  for (const auto& c : kIsEquivCases) {
    if (c.equal) {
      EXPECT_TRUE(math_equiv(c.a, c.b)) << c.a << " | " << c.b;
    }
  }
}

TEST(MathEquiv, ExactValues) {
  EXPECT_EQ(math_value("\\sqrt{8}"), "2*sqrt(2)");
  EXPECT_EQ(math_value("\\frac{\\sqrt{3}}{3}"), "1/3*sqrt(3)");
  EXPECT_EQ(math_value("0.125"), "1/8");
  EXPECT_EQ(math_value("3\\pi-\\pi"), "2*pi^1");
  EXPECT_EQ(math_value("1-1"), "0");
  EXPECT_EQ(math_value("x+1"), std::nullopt);
  EXPECT_EQ(math_value("\\sqrt{1+\\sqrt{2}}"), std::nullopt);
  EXPECT_EQ(math_value("\\frac{1}{0}"), std::nullopt);
  EXPECT_EQ(math_value("\\sqrt{1000000000000000}"), std::nullopt);  // past the radicand cap
  EXPECT_EQ(math_canonical("$x = 10\\,\\text{cm}$"), "10");
  EXPECT_EQ(math_canonical("\\left[ 1, 2 \\right)"), "[1,2)");
}

Sample sample_with(const std::string& reference, nlohmann::json fields = nlohmann::json::object()) {
  Sample s;
  s.id = "0";
  s.reference = reference;
  s.fields = std::move(fields);
  return s;
}

TEST(MathScorers, ScoreTheBoxedAnswer) {
  auto options = nlohmann::json::parse(R"({"extract": ["boxed"]})");
  auto is_equiv = make_scorer({"math_is_equiv", "is_equiv", options}, nullptr);
  auto ours = make_scorer({"math_equiv", "math_equiv", options}, nullptr);
  Completion c;
  c.text = "So the answer is $\\boxed{\\dfrac{1}{2}}$.";
  auto s = is_equiv->score(sample_with("0.5"), c, {});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].metric, "is_equiv");
  EXPECT_EQ(s[0].value, 1.0);
  EXPECT_EQ(s[0].extracted, "\\dfrac{1}{2}");
  c.text = "$\\boxed{\\sqrt{8}}$";
  EXPECT_EQ(is_equiv->score(sample_with("2\\sqrt{2}"), c, {})[0].value, 0.0);
  EXPECT_EQ(ours->score(sample_with("2\\sqrt{2}"), c, {})[0].value, 1.0);
  c.text = "no box: 5";
  auto none = is_equiv->score(sample_with("5"), c, {});
  EXPECT_EQ(none[0].value, 0.0);
  EXPECT_EQ(none[0].reason, "no answer found");
  // reference_field: the gold as written in a field, not the task's normalized reference.
  auto by_field =
      make_scorer({"math_equiv", "m",
                   nlohmann::json::parse(R"({"extract": ["boxed"], "reference_field": "answer"})")},
                  nullptr);
  c.text = "\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}";
  EXPECT_EQ(
      by_field->score(sample_with("\\le(3,\\frac{\\pi}{2})", {{"answer", "(3,\\pi/2)"}}), c, {})[0]
          .value,
      1.0);
}

TEST(MathScorers, BadOptionsAreErrors) {
  EXPECT_THROW(make_scorer({"math_is_equiv", "m", nlohmann::json::object()}, nullptr), OptionError);
  EXPECT_THROW(make_scorer({"math_equiv", "m",
                            nlohmann::json::parse(R"({"extract": ["boxed"], "rules": 1})")},
                           nullptr),
               OptionError);
  EXPECT_THROW(
      make_scorer({"math_equiv", "", nlohmann::json::parse(R"({"extract": ["boxed"]})")}, nullptr),
      OptionError);
  EXPECT_THROW(parse_extract_chain(nlohmann::json::parse(R"(["boxes"])")), OptionError);
}

TEST(MathStrings, ReplaceAllAndSplitOnAsPython) {
  EXPECT_EQ(replace_all("aaa", "aa", "b"), "ba");  // non-overlapping, left to right
  EXPECT_EQ(replace_all("\\\\\\", "\\\\", "\\"), "\\\\");
  EXPECT_EQ(split_on("a==b", "="), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split_on("", "="), (std::vector<std::string>{""}));
}

TEST(MathSpecs, FewshotFormatNeedsFromAndAKnownFormat) {
  test::ScratchDir dir;
  const std::string head =
      "name: t\ndataset:\n  path: d.jsonl\nprompt:\n  template: \"{{q}}\"\n"
      "  target: \"{{a}}\"\n";
  test::write_file(dir / "a.yaml", head + "fewshot:\n  count: 1\n  format: jsonl\n");
  test::write_file(dir / "b.yaml", head + "fewshot:\n  count: 1\n  from: x.json\n  format: xml\n");
  // The error points at the `format` line: line 9 of a.yaml, line 10 of b.yaml.
  for (auto [name, line] : {std::pair{"a.yaml", ":9:"}, std::pair{"b.yaml", ":10:"}}) {
    try {
      load_task_spec(dir / name);
      FAIL() << name;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(line), std::string::npos) << e.what();
    }
  }
}

const std::filesystem::path kFixtures = std::filesystem::path(YS_SOURCE_DIR) / "tests/fixtures";

TEST(MathProblemFormat, ReadsOneProblemPerFileWithMath500Fields) {
  const auto file = kFixtures / "MATH/test/precalculus/30.json";
  auto records = read_records(file, {DataFormat::kMathProblem, "", true});
  ASSERT_EQ(records.size(), 1u);
  const auto& r = records[0];
  EXPECT_EQ(r["unique_id"], "test/precalculus/30.json");
  EXPECT_EQ(r["type"], "Precalculus");
  EXPECT_EQ(r["subject"], "Precalculus");
  EXPECT_EQ(r["level"], "Level 2");
  EXPECT_EQ(r["answer"], "\\left( 2, \\frac{\\pi}{2} \\right)");
  EXPECT_EQ(read_records(kFixtures / "MATH/train/algebra/1.json",
                         {DataFormat::kMathProblem, "", true})[0]["unique_id"],
            "train/algebra/1.json");
  EXPECT_EQ(parse_data_format("math_problem"), DataFormat::kMathProblem);

  test::ScratchDir dir;
  test::write_file(dir / "a.json", "[{\"problem\": \"x\"}]");
  test::write_file(dir / "b.json",
                   "{\"problem\": \"x\", \"level\": \"Level 1\", \"type\": \"Algebra\"}");
  test::write_file(dir / "c.json",
                   "{\"problem\": \"x\", \"level\": \"Level 1\", \"type\": \"Algebra\", "
                   "\"solution\": \"no box\"}");
  try {
    read_records(dir / "a.json", {DataFormat::kMathProblem, "", true});
    FAIL() << "an array is not a MATH problem";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("a.json"), std::string::npos) << e.what();
  }
  try {
    read_records(dir / "b.json", {DataFormat::kMathProblem, "", true});
    FAIL() << "a problem needs a solution";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'solution'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(
      read_records(dir / "c.json", {DataFormat::kMathProblem, "", true})[0].contains("answer"));
}

TEST(Math500, LoaderReadsAll500WithBoxedAnswers) {
  const auto file = test::shared_dir() / "datasets/math500/test.jsonl";
  if (!test::require_shared(file)) return;
  auto records = read_records(file, {});
  ASSERT_EQ(records.size(), 500u);
  std::set<std::string> ids;
  for (const auto& r : records) {
    ids.insert(r["unique_id"].get<std::string>());
    // MATH-500's answer is the last \boxed{} of its solution, as the MATH loader derives it.
    EXPECT_EQ(boxed_answer(r["solution"].get<std::string>()), r["answer"].get<std::string>())
        << r["unique_id"];
  }
  EXPECT_EQ(ids.size(), 500u);
  EXPECT_EQ(records[0]["unique_id"], "test/precalculus/807.json");
}

DataLocation math_roots() {
  DataLocation where;
  where.roots = {kFixtures, std::filesystem::path(YS_SOURCE_DIR) / "datasets/data",
                 test::shared_dir() / "datasets"};
  return where;
}

// Every sample of `task_name` scored on mock:oracle's answer (the rendered target).
void expect_oracle_scores_everything(const std::string& task_name, size_t samples) {
  TaskRegistry registry = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  const TaskSpec& spec = registry.tasks().at(task_name);
  Task task = Task::load(spec, math_roots());
  ASSERT_EQ(task.samples().size(), samples) << task_name;
  ScorerSet scorers = make_scorers(spec.metrics, nullptr);
  for (size_t i = 0; i < task.samples().size(); ++i) {
    Completion c;
    c.text = task.build_request(i, 0).oracle_text;
    for (const auto& s : scorers.score(task.samples()[i], c)) {
      EXPECT_EQ(s.value, 1.0) << task_name << " " << task.samples()[i].id << " " << s.metric << ": "
                              << s.reason << " (extracted " << s.extracted.value_or("nothing")
                              << ")";
    }
  }
}

TEST(MathTasks, OracleScoresEverySubjectTaskOnTheFixture) {
  for (const char* subject :
       {"algebra", "counting_and_probability", "geometry", "intermediate_algebra", "number_theory",
        "prealgebra", "precalculus"}) {
    expect_oracle_scores_everything(std::string("math_") + subject, 2);
  }
  for (const char* subject : {"algebra", "counting_and_prob", "geometry", "intermediate_algebra",
                              "num_theory", "prealgebra", "precalc"}) {
    expect_oracle_scores_everything(std::string("minerva_math_") + subject, 2);
  }
}

TEST(MathTasks, OracleScoresMath500) {
  if (!test::require_shared(test::shared_dir() / "datasets/math500/test.jsonl")) return;
  expect_oracle_scores_everything("math500", 500);
  expect_oracle_scores_everything("minerva_math500", 500);
}

TEST(MathTasks, SubjectTaskWithoutDataNamesWhatItLookedFor) {
  TaskRegistry registry = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  DataLocation nowhere;
  nowhere.roots = {std::filesystem::path(YS_SOURCE_DIR) / "datasets/data"};
  try {
    Task::load(registry.tasks().at("math_geometry"), nowhere);
    FAIL() << "no MATH data there";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("MATH/test/geometry/*.json"), std::string::npos)
        << e.what();
  }
}

TEST(MathTasks, MinervaPromptIsUpstreamsFourShotConversation) {
  if (!test::require_shared(test::shared_dir() / "datasets/math500/test.jsonl")) return;
  TaskRegistry registry = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  Task task = Task::load(registry.tasks().at("minerva_math500"), math_roots());
  Request r = task.build_request(0, 0);
  ASSERT_EQ(r.messages.size(), 9u);
  // Written by hand from lm-evaluation-harness's doc_to_text and list_fewshot_samples.
  EXPECT_EQ(r.messages[2].role, "user");
  EXPECT_EQ(r.messages[2].content,
            "Problem:\nIf $\\det \\mathbf{A} = 2$ and $\\det \\mathbf{B} = 12,$ then find $\\det "
            "(\\mathbf{A} \\mathbf{B}).$\n\nSolution:");
  EXPECT_EQ(r.messages[3].role, "assistant");
  EXPECT_EQ(
      r.messages[3].content,
      "We have that $\\det (\\mathbf{A} \\mathbf{B}) = (\\det \\mathbf{A})(\\det \\mathbf{B}) "
      "= (2)(12) = \\boxed{24}.$\nFinal Answer: The final answer is $24$. I hope it is "
      "correct.");
  EXPECT_TRUE(r.messages[0].content.ends_with("$.}\n\nSolution:")) << r.messages[0].content;
  EXPECT_EQ(r.messages[8].content,
            "Problem:\nConvert the point $(0,3)$ in rectangular coordinates to polar coordinates.  "
            "Enter your answer in the form $(r,\\theta),$ where $r > 0$ and $0 \\le \\theta < 2 "
            "\\pi.$\n\nSolution:");
  EXPECT_EQ(r.sampling.stop, std::vector<std::string>{"Problem:"});
  EXPECT_EQ(r.sampling.max_tokens, 256);
  // Upstream's gold for this problem: normalize_final_answer("\left( 3, \frac{\pi}{2} \right)").
  EXPECT_EQ(task.samples()[0].reference, "\\le(3,\\frac{\\pi}{2}\\right)");

  Task math500 = Task::load(registry.tasks().at("math500"), math_roots());
  Request m = math500.build_request(0, 0);
  ASSERT_EQ(m.messages.size(), 1u);
  EXPECT_TRUE(m.messages[0].content.ends_with(
      "\nPlease reason step by step, and put your final answer within \\boxed{}."))
      << m.messages[0].content;
}

}  // namespace
}  // namespace ys
