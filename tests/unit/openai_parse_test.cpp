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

}  // namespace
}  // namespace ys
