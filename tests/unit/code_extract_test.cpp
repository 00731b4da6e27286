#include "scoring/code_extract.h"

#include <gtest/gtest.h>

#include "datasets/reader.h"
#include "scoring/stats.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

TEST(CodeBlock, PrefersTheLanguageThenUntaggedThenAny) {
  const std::string text = "Here:\n```js\nconsole.log(1)\n```\nand\n```python\nprint(1)\n```\n";
  EXPECT_EQ(extract_code_block(text, "python"), "print(1)\n");
  EXPECT_EQ(extract_code_block(text, "javascript"), "console.log(1)\n");
  EXPECT_EQ(extract_code_block("```\nx = 1\n```", "python"), "x = 1\n");
  EXPECT_EQ(extract_code_block("```cpp\nint x;\n```", "python"), "int x;\n");
}

TEST(CodeBlock, NoFenceIsTheTextAndAnOpenFenceRunsToTheEnd) {
  EXPECT_EQ(extract_code_block("x = 1\n", "python"), "x = 1\n");
  EXPECT_EQ(extract_code_block("```python\nx = 1\ny = 2\n", "python"), "x = 1\ny = 2\n");
}

TEST(Stops, CutAtTheEarliest) {
  EXPECT_EQ(truncate_at_stops("    return 1\n\ndef other():\n#x", {"\n#", "\ndef"}),
            "    return 1\n");
  EXPECT_EQ(truncate_at_stops("abc", {}), "abc");
}

TEST(FunctionCompletion, FullDefinitionReplacesTheStub) {
  const std::string chat = "Sure!\n```python\ndef add(a, b):\n    return a + b\n```\nDone.";
  EXPECT_EQ(clean_function_completion(chat, "add", {"\ndef"}),
            "\ndef add(a, b):\n    return a + b\n");
}

TEST(FunctionCompletion, ContinuationIsCutAtStops) {
  EXPECT_EQ(clean_function_completion("    return a + b\n\nprint(add(1, 2))\n", "add", {"\nprint"}),
            "    return a + b\n");
  EXPECT_EQ(clean_function_completion("```python\n    return a + b\n```", "add", {}),
            "    return a + b\n");
}

TEST(PythonLineCheck, CodeLinesPass) {
  for (const char* line : {"def add(a, b):",
                           "async def fetch(url):",
                           "class Stack:",
                           "import math",
                           "from typing import List",
                           "@lru_cache(maxsize=None)",
                           "x = [1, 2,",
                           "x: int = 5",
                           "total += 1",
                           "print(add(1, 2))",
                           "if __name__ == \"__main__\":",
                           "else:",
                           "FIX = \"\"\"",
                           "s = f'{x!r}' + rb\"\\x00\"",
                           "assert f(1) == 2, 'bad'",
                           "# a comment",
                           "",
                           "   ",
                           "return x if x else None",
                           "result = (a\\",
                           "for i in range(10):",
                           "try:",
                           "except ValueError as e:",
                           "match command:",
                           "numbers = 1e-5 + .5 + 0x1F",
                           "'''docstring'''",
                           "lambda_ = lambda: 0",
                           "x = ...",
                           "a, b = b, a",
                           "del cache[key]",
                           "raise ValueError(\"no\")",
                           "with open(p) as f:",
                           "pass"}) {
    EXPECT_TRUE(starts_python_statement(line)) << line;
  }
}

TEST(PythonLineCheck, ProseLinesFail) {
  for (const char* line : {"This function returns the sum.",
                           "Here's the implementation:",
                           "Here is the code:",
                           "Explanation:",
                           "Explanation",
                           "Example usage:",
                           "**Explanation**",
                           "- Time: O(n)",
                           "* The loop runs once per item.",
                           "1. Sort the list.",
                           "1) Sort the list",
                           "> Note",
                           "Note: this is linear.",
                           "Output: 5",
                           "It is O(n) time.",
                           "Done.",
                           "Sure!",
                           "Why? Because it works.",
                           "```python",
                           "The answer is $x$.",
                           "If the list is empty, return 0.",
                           "for each element we add it",
                           "and then return",
                           "Hope this helps",
                           "In this solution, we iterate.",
                           "Time complexity: O(n)",
                           "Let me know if you need more help.",
                           "\xE2\x80\x9CQuoted\xE2\x80\x9D text",
                           "| a | b |",
                           "The result is 3 4"}) {
    EXPECT_FALSE(starts_python_statement(line)) << line;
  }
}

TEST(PythonLineCheck, PrefixCutsWhereProseStarts) {
  EXPECT_EQ(python_prefix("    return a + b\n\nThis adds the two numbers.\n"),
            "    return a + b\n\n");
  // Lines inside a triple-quoted string, brackets or a continuation are not checked.
  const std::string doc =
      "x = \"\"\"\nThis is text.\n\"\"\"\ny = (1,\nand more)\nz = 1 + \\\nThe\n";
  EXPECT_EQ(python_prefix(doc), doc);
  EXPECT_EQ(python_prefix("Prose first.\nx = 1\n"), "");
  EXPECT_EQ(python_prefix("\tif x:\n\t\treturn 1\n\treturn 2\nDone.\n"),
            "\tif x:\n\t\treturn 1\n\treturn 2\n");
}

TEST(PythonLineCheck, DefinesFunction) {
  EXPECT_TRUE(defines_function("def add(a, b):\n", "add"));
  EXPECT_TRUE(defines_function("x = 1\n\tdef  add (a):\n", "add"));
  EXPECT_TRUE(defines_function("async def add(a):\n", "add"));
  EXPECT_FALSE(defines_function("def add_one(a):\n", "add"));
  EXPECT_FALSE(defines_function("print(add(1, 2))\n", "add"));
  EXPECT_FALSE(defines_function("# def add(a):\nundef add(\n", "add"));
}

// The check must not take real code for prose: every line of the datasets' own solutions
// is kept.
TEST(PythonLineCheck, ReferenceSolutionsAreAllCode) {
  const auto humaneval = test::shared_dir() / "datasets/humaneval/HumanEval.jsonl.gz";
  const auto mbpp = test::shared_dir() / "datasets/mbpp/mbpp.jsonl";
  if (!test::require_shared(humaneval) || !test::require_shared(mbpp)) GTEST_SKIP();
  for (const auto& r : read_records(humaneval, {})) {
    const std::string full =
        r["prompt"].get<std::string>() + r["canonical_solution"].get<std::string>();
    EXPECT_EQ(python_prefix(full), full) << r["task_id"];
    EXPECT_EQ(python_prefix(r["canonical_solution"].get<std::string>()),
              r["canonical_solution"].get<std::string>())
        << r["task_id"];
  }
  size_t n = 0;
  for (const auto& r : read_records(mbpp, {})) {
    const std::string code =
        r["code"].get<std::string>() + "\n" + r["test_setup_code"].get<std::string>();
    EXPECT_EQ(python_prefix(code), code) << "mbpp " << r["task_id"];
    ++n;
  }
  EXPECT_GT(n, 900u);
}

// The function every layout below wraps.
const std::string kImpl =
    "import math\n\ndef hyp(a, b):\n    \"\"\"Hypotenuse.\n\nIt's Pythagoras.\n    \"\"\"\n"
    "    return math.sqrt(a * a + b * b)\n";
const std::string kWant = "\n" + kImpl;

TEST(FunctionCompletion, ProseAfterUnfencedCode) {
  EXPECT_EQ(clean_function_completion(kImpl + "\nThis function uses Pythagoras' theorem.\n", "hyp",
                                      {"\ndef"}),
            kWant + "\n");
}

TEST(FunctionCompletion, ProseBeforeAndAfterUnfencedCode) {
  const std::string text =
      "Sure! Here's the implementation:\n\n" + kImpl + "\nExplanation:\n- It squares both.\n";
  EXPECT_EQ(clean_function_completion(text, "hyp", {"\ndef"}), kWant + "\n");
}

TEST(FunctionCompletion, UnfencedCodeWithAUsageFenceAfterIt) {
  const std::string text = kImpl + "\nUsage:\n```python\nprint(hyp(3, 4))\n```\n";
  EXPECT_EQ(clean_function_completion(text, "hyp", {"\ndef"}), kWant + "\n");
}

TEST(FunctionCompletion, UsageFenceBeforeTheImplementationFence) {
  const std::string text =
      "You call it like this:\n```python\nprint(hyp(3, 4))  # 5.0\n```\n"
      "Here it is:\n```python\n" +
      kImpl + "```\n";
  EXPECT_EQ(clean_function_completion(text, "hyp", {"\ndef"}), kWant);
}

TEST(FunctionCompletion, ImplementationFenceThenATestFence) {
  const std::string text = "```python\n" + kImpl +
                           "```\nTests:\n```python\ndef test_hyp():\n    assert hyp(3, 4) == 5\n"
                           "test_hyp()\n```\n";
  EXPECT_EQ(clean_function_completion(text, "hyp", {"\ndef"}), kWant);
}

TEST(FunctionCompletion, SeveralDefiningFencesTakeTheLast) {
  const std::string text =
      "```python\ndef hyp(a, b):\n    pass\n```\nFixed:\n```python\n" + kImpl + "```\n";
  EXPECT_EQ(clean_function_completion(text, "hyp", {"\ndef"}), kWant);
}

TEST(FunctionCompletion, FenceLanguageTags) {
  for (const char* tag : {"python", "py", "", "Python3"}) {
    EXPECT_EQ(clean_function_completion(std::string("```") + tag + "\n" + kImpl + "```", "hyp", {}),
              kWant)
        << tag;
  }
}

TEST(FunctionCompletion, UnclosedFinalFence) {
  EXPECT_EQ(clean_function_completion("Here:\n```python\n" + kImpl, "hyp", {}), kWant);
  EXPECT_EQ(clean_function_completion("```python\nprint(1)\n```\n```python\n" + kImpl, "hyp", {}),
            kWant);
}

TEST(FunctionCompletion, TabIndentation) {
  const std::string tabs =
      "def hyp(a, b):\n\tif a < 0:\n\t\ta = -a\n\treturn (a * a + b * b) ** 0.5\n";
  EXPECT_EQ(clean_function_completion(tabs + "\nIt works for negatives too.\n", "hyp", {}),
            "\n" + tabs + "\n");
  EXPECT_EQ(clean_function_completion("```py\n" + tabs + "```", "hyp", {}), "\n" + tabs);
  // A fence indented under a list item loses the shared indentation.
  EXPECT_EQ(clean_function_completion(
                "1. Code:\n   ```python\n   def hyp(a, b):\n   \treturn a\n   ```", "hyp", {}),
            "\ndef hyp(a, b):\n\treturn a\n");
}

TEST(FunctionCompletion, ContinuationIsCutWhereProseStarts) {
  EXPECT_EQ(clean_function_completion("    return a + b\n\nThis returns the sum.\n", "add", {}),
            "    return a + b\n\n");
  EXPECT_EQ(clean_function_completion("\treturn a + b\nDone.", "add", {"\ndef"}),
            "\treturn a + b\n");
}

TEST(PassAtK, MatchesTheClosedForm) {
  EXPECT_DOUBLE_EQ(pass_at_k(10, 0, 1), 0.0);
  EXPECT_DOUBLE_EQ(pass_at_k(10, 10, 5), 1.0);
  EXPECT_NEAR(pass_at_k(10, 3, 1), 0.3, 1e-12);  // pass@1 is c/n
  // 1 - C(7,5)/C(10,5) = 1 - 21/252
  EXPECT_NEAR(pass_at_k(10, 3, 5), 1.0 - 21.0 / 252.0, 1e-12);
  EXPECT_DOUBLE_EQ(pass_at_k(10, 6, 5), 1.0);  // n - c < k
}

}  // namespace
}  // namespace ys
