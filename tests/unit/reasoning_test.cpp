// Reasoning left inline in an answer is split off before any extraction
// (split_inline_reasoning, runners/completion.h).
#include <gtest/gtest.h>

#include "runners/completion.h"

namespace ys {
namespace {

Completion with_text(const std::string& text, const std::string& reasoning = "") {
  Completion c;
  c.text = text;
  c.reasoning = reasoning;
  return c;
}

TEST(InlineReasoning, ClosedBlockAtTheStartBecomesReasoning) {
  Completion c = with_text("<think>\n2+2 is 5? no, 4.\n</think>\n\nThe answer is 4.");
  EXPECT_EQ(split_inline_reasoning(c), InlineReasoning::kClosed);
  EXPECT_EQ(c.reasoning, "\n2+2 is 5? no, 4.\n");
  EXPECT_EQ(c.text, "The answer is 4.");
}

TEST(InlineReasoning, LeadingWhiteSpaceBeforeTheBlockIsAllowed) {
  Completion c = with_text("  \n<think>draft</think>#### 7");
  EXPECT_EQ(split_inline_reasoning(c), InlineReasoning::kClosed);
  EXPECT_EQ(c.reasoning, "draft");
  EXPECT_EQ(c.text, "#### 7");
}

TEST(InlineReasoning, UnclosedBlockLeavesNoAnswer) {
  // Cut by max_tokens inside the draft: the 18 in it must never be graded.
  Completion c = with_text("<think>Janet has 16 eggs... so maybe 18", "");
  c.finish_reason = "length";
  EXPECT_EQ(split_inline_reasoning(c), InlineReasoning::kUnclosed);
  EXPECT_EQ(c.text, "");
  EXPECT_EQ(c.reasoning, "Janet has 16 eggs... so maybe 18");
}

TEST(InlineReasoning, CloseTagWithoutOpenTagEndsReasoningOpenedByTheTemplate) {
  Completion c = with_text("Let me think. 3 * 6 = 18.\n</think>\n#### 18");
  EXPECT_EQ(split_inline_reasoning(c), InlineReasoning::kClosed);
  EXPECT_EQ(c.reasoning, "Let me think. 3 * 6 = 18.\n");
  EXPECT_EQ(c.text, "#### 18");
}

TEST(InlineReasoning, ReasoningReturnedApartComesFirst) {
  Completion c = with_text("<think>inline</think>answer", "from the server");
  split_inline_reasoning(c);
  EXPECT_EQ(c.reasoning, "from the server\ninline");
  EXPECT_EQ(c.text, "answer");
}

TEST(InlineReasoning, TextWithoutABlockAtTheStartIsLeftAlone) {
  for (const std::string text : {"The answer is 4.", "Use <think> tags like <think>x</think>.",
                                 "", "think: 4"}) {
    Completion c = with_text(text);
    EXPECT_EQ(split_inline_reasoning(c), InlineReasoning::kNone) << text;
    EXPECT_EQ(c.text, text);
    EXPECT_EQ(c.reasoning, "");
  }
}

TEST(ValidUtf8Completion, EveryTextFieldIsRepaired) {
  Completion c = with_text("caf\xE9", "\xC0\xAF");
  c.finish_reason = "st\xFFop";
  c.error_message = "HTTP 502: \xE0";
  make_valid_utf8(c);
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(c.text, "caf" + r);
  EXPECT_EQ(c.reasoning, r + r);
  EXPECT_EQ(c.finish_reason, "st" + r + "op");
  EXPECT_EQ(c.error_message, "HTTP 502: " + r);
}

}  // namespace
}  // namespace ys
