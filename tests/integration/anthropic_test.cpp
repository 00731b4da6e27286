// The Anthropic Messages API runner against the load-test server: the request's fields and
// headers one by one, thinking blocks, usage with cache tokens, stop reasons, retries.
#include "runners/anthropic.h"

#include <gtest/gtest.h>

#include <future>

#include "tests/support/loadserver.h"

namespace ys {
namespace {

using test::Fault;
using test::LoadReply;
using test::LoadServer;
using test::LoadServerOptions;

Completion ask(Runner& runner, Request r) {
  std::promise<Completion> p;
  auto f = p.get_future();
  runner.submit(std::move(r), [&p](Completion c) { p.set_value(std::move(c)); });
  return f.get();
}

Request question(const std::string& text) {
  Request r;
  r.messages = {{"system", "Answer with a number."}, {"user", text}};
  r.sampling.max_tokens = 100;
  return r;
}

AnthropicOptions to(const LoadServer& server, int thinking = 0) {
  AnthropicOptions o;
  o.model = "claude-test";
  o.base_url = server.base_url();
  o.api_key = "sk-ant-fake-KEY-1234";
  o.thinking_budget = thinking;
  o.http.retry = {3, 0.001, 0.005};
  o.http.timeout_s = 5;
  return o;
}

TEST(AnthropicWire, RequestFieldsAndHeadersOneByOne) {
  LoadServerOptions so;
  so.record = true;
  LoadServer server(so);
  AnthropicRunner runner(to(server));
  Request r;
  r.messages = {{"system", "Be brief."},
                {"system", "Use digits."},
                {"user", "What is 1+1?"},
                {"assistant", "2"},
                {"user", "What is 2+5?"}};
  r.sampling.max_tokens = 64;
  r.sampling.temperature = 0.3;
  r.sampling.top_p = 0.9;
  r.sampling.top_k = 40;
  r.sampling.stop = {"Question:", "\n\n"};
  r.sampling.seed = 5;
  Completion c = ask(runner, r);
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.text, "7");
  EXPECT_EQ(c.finish_reason, "stop");
  auto seen = server.recorded();
  ASSERT_EQ(seen.size(), 1u);
  const auto& b = seen[0].body;
  EXPECT_EQ(seen[0].path, "/v1/messages");
  EXPECT_EQ(b["model"], "claude-test");
  EXPECT_EQ(b["system"], "Be brief.\n\nUse digits.");
  ASSERT_EQ(b["messages"].size(), 3u);
  EXPECT_EQ(b["messages"][0], (nlohmann::json{{"role", "user"}, {"content", "What is 1+1?"}}));
  EXPECT_EQ(b["messages"][1], (nlohmann::json{{"role", "assistant"}, {"content", "2"}}));
  EXPECT_EQ(b["messages"][2]["content"], "What is 2+5?");
  EXPECT_EQ(b["max_tokens"], 64);
  EXPECT_DOUBLE_EQ(b["temperature"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(b["top_p"].get<double>(), 0.9);
  EXPECT_EQ(b["top_k"], 40);
  EXPECT_EQ(b["stop_sequences"], nlohmann::json::array({"Question:"}));  // "\n\n" kept here
  EXPECT_FALSE(b.contains("seed"));
  EXPECT_FALSE(b.contains("thinking"));
  EXPECT_FALSE(b.contains("stop"));
  EXPECT_EQ(b.size(), 8u) << b.dump();
  EXPECT_EQ(seen[0].header("x-api-key"), "sk-ant-fake-KEY-1234");
  EXPECT_EQ(seen[0].header("anthropic-version"), "2023-06-01");
  EXPECT_EQ(seen[0].header("content-type"), "application/json");
  EXPECT_EQ(seen[0].header("authorization"), "");
}

TEST(AnthropicWire, ThinkingBlocksAreReasoningAndUsageCountsCacheTokens) {
  LoadServerOptions so;
  so.record = true;
  so.answer = [](const nlohmann::json& body) {
    LoadReply r = test::default_load_answer(body);
    r.text = "<think>not this</think>#### " + r.text;  // inline tags stay the harness's job
    r.reasoning = "3 plus 4 is 7";
    r.cached_tokens = 2;
    return r;
  };
  LoadServer server(so);
  AnthropicRunner runner(to(server, 2048));
  Completion c = ask(runner, question("What is 3+4?"));
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.reasoning, "3 plus 4 is 7");
  EXPECT_EQ(c.text, "<think>not this</think>#### 7");
  EXPECT_EQ(c.usage.cached_tokens, 2);
  EXPECT_GT(c.usage.prompt_tokens, c.usage.cached_tokens);  // input + cache reads
  EXPECT_GT(c.usage.completion_tokens, 0);
  const nlohmann::json b = server.recorded().at(0).body;
  EXPECT_EQ(b["thinking"], (nlohmann::json{{"type", "enabled"}, {"budget_tokens", 2048}}));
  EXPECT_EQ(b["max_tokens"], 100 + 2048);
  EXPECT_FALSE(b.contains("temperature"));  // refused with thinking on
  EXPECT_NE(runner.identity().find(";thinking=2048"), std::string::npos);
}

HttpResult http(long status, std::string body) {
  HttpResult h;
  h.status = status;
  h.body = std::move(body);
  h.attempts = 1;
  return h;
}

std::string message_with(const std::string& content, const std::string& stop_reason) {
  return R"({"type":"message","role":"assistant","content":)" + content + R"(,"stop_reason":")" +
         stop_reason +
         R"(","usage":{"input_tokens":10,"cache_read_input_tokens":5,)"
         R"("cache_creation_input_tokens":3,"output_tokens":7}})";
}

TEST(AnthropicParse, StopReasonsMapToFinishReasonsAndKinds) {
  const std::string text = R"([{"type":"text","text":"#### 4"}])";
  struct Case {
    std::string content, stop_reason, finish;
    ErrorKind kind;
  };
  const Case cases[] = {
      {text, "end_turn", "stop", ErrorKind::kNone},
      {text, "stop_sequence", "stop", ErrorKind::kNone},
      {text, "max_tokens", "length", ErrorKind::kNone},
      {R"([{"type":"thinking","thinking":"long"}])", "max_tokens", "length", ErrorKind::kTruncated},
      {"[]", "end_turn", "stop", ErrorKind::kEmpty},
      {R"([{"type":"tool_use","id":"t","name":"f","input":{}}])", "tool_use", "tool_calls",
       ErrorKind::kEmpty},
      {"[]", "refusal", "refusal", ErrorKind::kRefused},
      {R"([{"type":"image","source":{}}])", "end_turn", "", ErrorKind::kInvalid},
  };
  for (const auto& k : cases) {
    Completion c = parse_anthropic_message(http(200, message_with(k.content, k.stop_reason)), "r");
    EXPECT_EQ(c.error, k.kind) << k.content << " " << k.stop_reason << ": " << c.error_message;
    if (k.kind != ErrorKind::kInvalid) {
      EXPECT_EQ(c.finish_reason, k.finish) << k.stop_reason;
    }
  }
  Completion c = parse_anthropic_message(http(200, message_with(text, "end_turn")), "r");
  EXPECT_EQ(c.usage.prompt_tokens, 18);
  EXPECT_EQ(c.usage.cached_tokens, 5);
  EXPECT_EQ(c.usage.cache_write_tokens, 3);
  EXPECT_EQ(c.usage.completion_tokens, 7);
  Completion redacted = parse_anthropic_message(
      http(200, message_with(R"([{"type":"redacted_thinking","data":"x"},{"type":"text",)"
                             R"("text":"A"},{"type":"text","text":"B"}])",
                             "end_turn")),
      "r");
  EXPECT_EQ(redacted.text, "AB");
  EXPECT_EQ(redacted.reasoning, "");
}

TEST(AnthropicParse, ErrorsAreTypedByTheirStatusAndType) {
  auto overloaded = parse_anthropic_message(
      http(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"),
      "r");
  EXPECT_EQ(overloaded.error, ErrorKind::kTransient);
  EXPECT_EQ(overloaded.error_message, "r: HTTP 529: Overloaded");
  auto in_200 = parse_anthropic_message(
      http(200, R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})"), "r");
  EXPECT_EQ(in_200.error, ErrorKind::kTransient);
  auto auth = parse_anthropic_message(
      http(401, R"({"type":"error","error":{"type":"authentication_error","message":"bad"}})"),
      "r");
  EXPECT_EQ(auth.error, ErrorKind::kFatal);
  auto garbage = parse_anthropic_message(http(200, "<html>"), "r");
  EXPECT_EQ(garbage.error, ErrorKind::kInvalid);
}

TEST(AnthropicRunnerFaults, OverloadedAndOtherFaultsAreRetriedLikeA5xx) {
  for (Fault f : {Fault::k529, Fault::k500, Fault::k429, Fault::kErrorIn200, Fault::kReset,
                  Fault::kTruncated}) {
    LoadServer server(failing_first(f, 1));
    AnthropicRunner runner(to(server));
    Completion c = ask(runner, question("What is 6+6?"));
    ASSERT_TRUE(c.ok()) << fault_name(f) << ": " << c.error_message;
    EXPECT_EQ(c.text, "12");
    EXPECT_EQ(c.attempts, 2) << fault_name(f);
  }
}

TEST(AnthropicRunnerFaults, WhiteSpaceStopsAreAppliedHereAndLoglikelihoodIsRefused) {
  LoadServerOptions so;
  so.answer = [](const nlohmann::json&) {
    return LoadReply{"#### 4\n\nQuestion: more", "", "stop", 0};
  };
  LoadServer server(so);
  AnthropicRunner runner(to(server));
  Request r = question("What is 2+2?");
  r.sampling.stop = {"\n\n"};
  EXPECT_EQ(ask(runner, r).text, "#### 4");
  Request ll;
  ll.kind = RequestKind::kLoglikelihood;
  ll.messages = {{"user", "The sky is"}};
  ll.continuations = {" blue"};
  Completion c = ask(runner, ll);
  EXPECT_EQ(c.error, ErrorKind::kFatal);
  EXPECT_NE(c.error_message.find("no prompt logprobs"), std::string::npos);
  EXPECT_EQ(server.stats().requests, 1);  // never sent
}

}  // namespace
}  // namespace ys
