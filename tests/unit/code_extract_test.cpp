#include "scoring/code_extract.h"

#include <gtest/gtest.h>

#include "scoring/stats.h"

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
