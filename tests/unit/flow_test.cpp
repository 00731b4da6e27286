// Flow-control primitives (runners/flow.h): token buckets, AIMD, token estimates; and the
// obsolete HTTP-date forms of Retry-After (runners/retry.h).
#include "runners/flow.h"

#include <gtest/gtest.h>

#include <deque>

#include "runners/anthropic.h"
#include "runners/openai.h"
#include "runners/retry.h"

namespace ys {
namespace {

TEST(TokenBucket, PacesRequestsEvenlyAtTheRate) {
  TokenBucket b(600, 1);  // 10 per second, one at a time
  EXPECT_DOUBLE_EQ(b.wait_s(1, 0), 0);
  b.take(1, 0);
  EXPECT_NEAR(b.wait_s(1, 0), 0.1, 1e-12);
  EXPECT_NEAR(b.wait_s(1, 0.05), 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(b.wait_s(1, 0.1), 0);
  // Taking whenever allowed for 10 s: never more than rate x window + 1 in any 1 s window.
  TokenBucket c(600, 1);
  std::deque<double> sent;
  size_t most = 0, total = 0;
  for (double t = 0; t < 10; t += 0.001) {
    if (c.wait_s(1, t) > 0) continue;
    c.take(1, t);
    ++total;
    sent.push_back(t);
    while (sent.front() <= t - 1) sent.pop_front();
    most = std::max(most, sent.size());
  }
  EXPECT_LE(most, 11u);
  EXPECT_GE(total, 99u);
  EXPECT_LE(total, 101u);
}

TEST(TokenBucket, ABigRequestGoesWhenFullAndLaterOnesRepayItsDebt) {
  TokenBucket b(6000, 100);               // 100 tokens per second, a bucket of 100
  EXPECT_DOUBLE_EQ(b.wait_s(250, 0), 0);  // bigger than the bucket: goes when full
  b.take(250, 0);
  EXPECT_NEAR(b.level(0), -150, 1e-9);
  EXPECT_NEAR(b.wait_s(10, 0), 1.6, 1e-9);  // 160 tokens to refill
  // The answer reported 50 tokens: 200 come back, capped at the bucket.
  b.give_back(200, 0);
  EXPECT_NEAR(b.level(0), 50, 1e-9);
  b.give_back(1000, 0);
  EXPECT_NEAR(b.level(0), 100, 1e-9);
  TokenBucket unlimited(0, 1);
  EXPECT_FALSE(unlimited.limited());
  EXPECT_DOUBLE_EQ(unlimited.wait_s(1e9, 0), 0);
}

TEST(Aimd, HalvesOncePerHoldAndGrowsByOnePerWindowOfSuccesses) {
  Aimd a(32);
  EXPECT_EQ(a.window(), 32);
  EXPECT_FALSE(a.succeeded());  // at the cap
  EXPECT_TRUE(a.overloaded(1.0, 0.1));
  EXPECT_EQ(a.window(), 16);
  EXPECT_FALSE(a.overloaded(1.05, 0.1));  // the same burst of 429s
  EXPECT_EQ(a.window(), 16);
  EXPECT_TRUE(a.overloaded(1.2, 0.1));
  EXPECT_EQ(a.window(), 8);
  for (int i = 0; i < 7; ++i) EXPECT_FALSE(a.succeeded());
  EXPECT_TRUE(a.succeeded());
  EXPECT_EQ(a.window(), 9);
  int successes = 0;
  while (a.window() < 32) {
    a.succeeded();
    ++successes;
  }
  EXPECT_EQ(successes, 9 + 10 + 11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 + 21 + 22 + 23 +
                           24 + 25 + 26 + 27 + 28 + 29 + 30 + 31);
  Aimd one(4);
  for (int i = 0; i < 5; ++i) one.overloaded(i * 10.0, 1);
  EXPECT_EQ(one.window(), 1);  // never below one
}

TEST(TokenEstimate, CountsBodyBytesOverFourPlusTheOutputBudget) {
  const std::string chat =
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":100})";
  EXPECT_EQ(estimate_request_tokens(chat), static_cast<int64_t>(chat.size() / 4) + 100);
  const std::string reasoning = R"({"model":"o3","max_completion_tokens":2000})";
  EXPECT_EQ(estimate_request_tokens(reasoning), static_cast<int64_t>(reasoning.size() / 4) + 2000);
  EXPECT_EQ(estimate_request_tokens("not json at all!"), 4);
}

TEST(TokenEstimate, ReadsTheUsageEitherApiReports) {
  EXPECT_EQ(openai_used_tokens(
                R"({"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}})"),
            17);
  EXPECT_EQ(openai_used_tokens(R"({"usage":{"prompt_tokens":12,"completion_tokens":5}})"), 17);
  EXPECT_EQ(
      anthropic_used_tokens(
          R"({"usage":{"input_tokens":10,"cache_read_input_tokens":4,"cache_creation_input_tokens":2,"output_tokens":7}})"),
      23);
  EXPECT_EQ(openai_used_tokens(R"({"choices":[]})"), std::nullopt);
  EXPECT_EQ(anthropic_used_tokens(R"({"type":"message","content":[]})"), std::nullopt);
  EXPECT_EQ(openai_used_tokens("data: {}\n\n"), std::nullopt);
  EXPECT_EQ(openai_used_tokens("not json"), std::nullopt);
}

// A streamed answer is not one JSON object: OpenAI's usage comes in the last chunk
// (stream_options.include_usage; the others say "usage": null), Anthropic's in
// message_start (input) and message_delta (output, replacing message_start's count).
TEST(TokenEstimate, ReadsTheUsageOfAStreamedAnswer) {
  const std::string openai =
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"4\"}}],\"usage\":null}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":3,"
      "\"total_tokens\":33}}\n\n"
      "data: [DONE]\n\n";
  EXPECT_EQ(openai_used_tokens(openai), 33);
  const std::string anthropic =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"type\":"
      "\"message\",\"usage\":{\"input_tokens\":20,\"cache_read_input_tokens\":5,"
      "\"output_tokens\":1}}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
      "\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  EXPECT_EQ(anthropic_used_tokens(anthropic), 20 + 5 + 9);
  // A stream whose usage never came leaves the estimate.
  EXPECT_EQ(openai_used_tokens("data: {\"choices\":[],\"usage\":null}\n\ndata: [DONE]\n\n"),
            std::nullopt);
}

TEST(Retry, ParsesTheObsoleteHttpDateFormsToo) {
  const std::time_t now = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example)
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), 10.0);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:57 GMT", now), 20.0);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:50:07 1994", now), 30.0);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 CET", now), std::nullopt);
}

}  // namespace
}  // namespace ys
