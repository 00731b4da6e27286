#include <gtest/gtest.h>

#include "runners/openai.h"

namespace ys {
namespace {

HttpResult http(long status, std::string body) {
  HttpResult r;
  r.status = status;
  r.body = std::move(body);
  r.attempts = 2;
  r.elapsed_s = 0.5;
  return r;
}

TEST(OpenAIParse, ReadsContentReasoningUsageAndFinishReason) {
  auto c = parse_chat_completion(
      http(200, R"({"choices":[{"message":{"role":"assistant","content":"#### 4",
        "reasoning_content":"2+2"},"finish_reason":"stop"}],
        "usage":{"prompt_tokens":12,"completion_tokens":3}})"),
      "req");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.text, "#### 4");
  EXPECT_EQ(c.reasoning, "2+2");
  EXPECT_EQ(c.finish_reason, "stop");
  EXPECT_EQ(c.usage.prompt_tokens, 12);
  EXPECT_EQ(c.usage.completion_tokens, 3);
  EXPECT_EQ(c.attempts, 2);
}

TEST(OpenAIParse, NullContentIsEmptyText) {
  auto c = parse_chat_completion(http(200, R"({"choices":[{"message":{"content":null}}]})"), "r");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.text, "");
}

TEST(OpenAIParse, TypesEveryFailure) {
  EXPECT_EQ(parse_chat_completion(http(401, R"({"error":{"message":"bad key"}})"), "r").error,
            ErrorKind::kFatal);
  EXPECT_EQ(parse_chat_completion(http(404, "no such model"), "r").error, ErrorKind::kFatal);
  EXPECT_EQ(parse_chat_completion(http(400, "{}"), "r").error, ErrorKind::kInvalid);
  EXPECT_EQ(parse_chat_completion(http(429, "{}"), "r").error, ErrorKind::kRateLimited);
  EXPECT_EQ(parse_chat_completion(http(503, "{}"), "r").error, ErrorKind::kTransient);
  HttpResult transport = http(0, "");
  transport.transport_error = "Connection refused";
  EXPECT_EQ(parse_chat_completion(transport, "r").error, ErrorKind::kTransient);
  auto filtered = parse_chat_completion(
      http(200, R"({"choices":[{"message":{"content":""},"finish_reason":"content_filter"}]})"),
      "r");
  EXPECT_EQ(filtered.error, ErrorKind::kRefused);
}

TEST(OpenAIParse, GarbageBodiesAreInvalidAndNamed) {
  for (const char* body : {"<html>oops</html>", "[]", R"({"choices":[]})", R"({"choices":[1]})",
                           R"({"choices":[{"message":"x"}]})", ""}) {
    auto c = parse_chat_completion(http(200, body), "request #7 to http://h/v1/chat/completions");
    EXPECT_EQ(c.error, ErrorKind::kInvalid) << body;
    EXPECT_NE(c.error_message.find("request #7"), std::string::npos) << c.error_message;
  }
}

TEST(OpenAIParse, ErrorMessageComesFromTheServer) {
  auto c = parse_chat_completion(http(401, R"({"error":{"message":"Incorrect API key"}})"), "r");
  EXPECT_NE(c.error_message.find("HTTP 401: Incorrect API key"), std::string::npos)
      << c.error_message;
}

TEST(OpenAIRunner, RequestBodyAndIdentityHoldNoSecret) {
  OpenAIOptions o;
  o.model = "m1";
  o.base_url = "http://127.0.0.1:1/v1/";
  o.api_key = "sk-secret-123";
  OpenAIRunner runner(o);
  Request r;
  r.messages = {{"user", "hi"}};
  r.sampling.stop = {"Q:"};
  r.sampling.seed = 5;
  r.oracle_text = "never sent";
  auto body = runner.request_body(r);
  EXPECT_EQ(body["model"], "m1");
  EXPECT_EQ(body["stop"][0], "Q:");
  EXPECT_EQ(body["seed"], 5);
  EXPECT_EQ(body.dump().find("never sent"), std::string::npos);
  EXPECT_EQ(runner.identity(), "openai:m1@http://127.0.0.1:1/v1/chat/completions");
  EXPECT_EQ(runner.config().dump().find("sk-secret"), std::string::npos);
}

Request choice_request() {
  Request r;
  r.kind = RequestKind::kLoglikelihood;
  r.messages = {{"user", "Q: café?\nAnswer: "}};  // the trailing space moves on
  r.continuations = {"yes", "no"};
  return r;
}

// A vLLM-style echo: the prompt's tokens with their offsets in code points, logprobs and
// top logprobs, then one generated token.
const char* kEcho = R"({"choices":[
  {"index":1,"logprobs":{
    "tokens":["Q",":"," caf","é","?","\n","Answer",": no","."],
    "token_logprobs":[null,-1,-1,-1,-1,-1,-1,-2.0,-3],
    "top_logprobs":[null,{":":-1},{" caf":-1},{"é":-1},{"?":-1},{"\n":-1},{"Answer":-1},
                    {": yes":-1.0},{".":-3}],
    "text_offset":[0,1,2,6,7,8,9,15,19]}},
  {"index":0,"logprobs":{
    "tokens":["Q",":"," caf","é","?","\n","Answer",":"," yes","!"],
    "token_logprobs":[null,-1,-1,-1,-1,-1,-1,-1,-0.5,-3],
    "top_logprobs":[null,{":":-1},{" caf":-1},{"é":-1},{"?":-1},{"\n":-1},{"Answer":-1},
                    {":":-1},{" yes":-0.5},{"!":-3}],
    "text_offset":[0,1,2,6,7,8,9,15,16,20]}}],
  "usage":{"prompt_tokens":19,"completion_tokens":2}})";

TEST(OpenAIParse, LoglikelihoodsFromEchoedPromptLogprobs) {
  OpenAIOptions o;
  o.model = "m";
  o.base_url = "http://127.0.0.1:1/v1";
  OpenAIRunner runner(o);
  nlohmann::json body = runner.loglikelihood_body(choice_request());
  EXPECT_EQ(body["prompt"], nlohmann::json({"Q: café?\nAnswer: yes", "Q: café?\nAnswer: no"}));
  EXPECT_EQ(body["echo"], true);
  EXPECT_EQ(body["logprobs"], 1);
  EXPECT_EQ(body["max_tokens"], 1);

  Completion c = parse_loglikelihoods(http(200, kEcho), choice_request(), "req");
  ASSERT_TRUE(c.ok()) << c.error_message;
  ASSERT_EQ(c.continuations.size(), 2u);
  // " yes": its own token only; the generated "!" and the context are left out.
  EXPECT_EQ(c.continuations[0].logprob, -0.5);
  EXPECT_EQ(c.continuations[0].tokens, 1);
  EXPECT_TRUE(c.continuations[0].greedy);
  // ": no" starts in the context and ends in the continuation: it counts, and was not the
  // top token.
  EXPECT_EQ(c.continuations[1].logprob, -2.0);
  EXPECT_FALSE(c.continuations[1].greedy);
  EXPECT_EQ(c.usage.prompt_tokens, 19);
}

TEST(OpenAIParse, LoglikelihoodAnswersWithoutPromptLogprobsAreInvalid) {
  const Request r = choice_request();
  Completion no_echo = parse_loglikelihoods(
      http(200, R"({"choices":[{"index":0,"text":"!"},{"index":1,"text":"."}]})"), r, "req #3");
  EXPECT_EQ(no_echo.error, ErrorKind::kInvalid);
  EXPECT_NE(no_echo.error_message.find("req #3: no prompt logprobs"), std::string::npos)
      << no_echo.error_message;
  Completion one = parse_loglikelihoods(http(200, R"({"choices":[{"index":0}]})"), r, "req");
  EXPECT_EQ(one.error, ErrorKind::kInvalid);
  EXPECT_NE(one.error_message.find("expected 2 choices"), std::string::npos);
  Completion twice = parse_loglikelihoods(
      http(200,
           std::string(kEcho).replace(std::string(kEcho).find("\"index\":1"), 9, "\"index\":0")),
      r, "req");
  EXPECT_EQ(twice.error, ErrorKind::kInvalid);
  EXPECT_EQ(parse_loglikelihoods(http(404, "{}"), r, "req").error, ErrorKind::kFatal);
  EXPECT_EQ(parse_loglikelihoods(http(200, "<html>"), r, "req").error, ErrorKind::kInvalid);
}

}  // namespace
}  // namespace ys
