#include <gtest/gtest.h>

#include <set>

#include "runners/openai.h"
#include "util/utf8.h"

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

// Issue 10: content null is typed 'empty' (it used to be an empty answer, scored as wrong).
TEST(OpenAIParse, NullContentIsTypedEmpty) {
  auto c = parse_chat_completion(http(200, R"({"choices":[{"message":{"content":null}}]})"), "r");
  EXPECT_EQ(c.error, ErrorKind::kEmpty);
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

// --- Bytes that are not UTF-8 -------------------------------------------------------------

// The store writes a Completion as JSON: this throws on invalid UTF-8 in any string.
void expect_storable(const Completion& c, const std::string& what) {
  for (const std::string* s : {&c.text, &c.reasoning, &c.finish_reason, &c.error_message}) {
    EXPECT_TRUE(is_valid_utf8(*s)) << what << ": " << *s;
  }
  EXPECT_NO_THROW(to_json(c).dump()) << what;
}

TEST(OpenAIParse, Latin1ByteInAnAnswerCostsOneCharacterNotTheAnswer) {
  auto c = parse_chat_completion(http(200,
                                      "{\"choices\":[{\"message\":{\"content\":\"caf\xE9 #### 4\"},"
                                      "\"finish_reason\":\"stop\"}]}"),
                                 "r");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.text, "caf\xEF\xBF\xBD #### 4");
  expect_storable(c, "0xE9 in content");
}

TEST(OpenAIParse, EveryKindOfInvalidByteIsRepairedInEveryField) {
  // A stray continuation byte, an overlong form, a cut sequence, a surrogate, a byte
  // above F4: in the answer, the reasoning and the finish reason.
  for (const std::string bad : {"\x80", "\xC0\xAF", "\xE2\x82", "\xED\xA0\x80", "\xF8"}) {
    const std::string body = "{\"choices\":[{\"message\":{\"content\":\"a" + bad +
                             "b\",\"reasoning_content\":\"r" + bad + "\"},\"finish_reason\":\"st" +
                             bad + "op\"}]}";
    auto c = parse_chat_completion(http(200, body), "r");
    ASSERT_TRUE(c.ok()) << c.error_message;
    EXPECT_EQ(c.text.front(), 'a');
    EXPECT_EQ(c.text.back(), 'b');
    EXPECT_NE(c.text.find("\xEF\xBF\xBD"), std::string::npos) << c.text;
    EXPECT_NE(c.reasoning.find("\xEF\xBF\xBD"), std::string::npos);
    expect_storable(c, "invalid bytes " + std::to_string(bad.size()));
  }
}

TEST(OpenAIParse, Latin1ErrorPagesGiveValidErrorMessages) {
  auto gateway = parse_chat_completion(http(502,
                                            "<html><body>Passerelle erron\xE9"
                                            "e</body></html>"),
                                       "req #9");
  EXPECT_EQ(gateway.error, ErrorKind::kTransient);
  EXPECT_NE(gateway.error_message.find("Passerelle erron\xEF\xBF\xBD"
                                       "e"),
            std::string::npos)
      << gateway.error_message;
  expect_storable(gateway, "502 page");
  // Not JSON on a 200, an error object with a Latin-1 message, a transport error.
  auto garbage = parse_chat_completion(http(200,
                                            "Fehler: \xFC"
                                            "berlastet"),
                                       "r");
  EXPECT_EQ(garbage.error, ErrorKind::kInvalid);
  expect_storable(garbage, "200 not JSON");
  auto rejected =
      parse_chat_completion(http(400, "{\"error\":{\"message\":\"trop long \xE0 lire\"}}"), "r");
  EXPECT_NE(rejected.error_message.find("trop long \xEF\xBF\xBD lire"), std::string::npos)
      << rejected.error_message;
  expect_storable(rejected, "400 message");
  HttpResult transport = http(0, "");
  transport.transport_error = "resolve h\xF4te";
  expect_storable(parse_chat_completion(transport, "r"), "transport error");
}

TEST(OpenAIParse, LongBodyExcerptsAreCutAtACharacterBoundary) {
  std::string page = "x";
  for (int i = 0; i < 150; ++i) page += "\xC3\xA9";  // é: byte 200 is in the middle of one
  auto c = parse_chat_completion(http(503, page), "r");
  EXPECT_EQ(c.error, ErrorKind::kTransient);
  EXPECT_EQ(c.error_message.find("\xEF\xBF\xBD"), std::string::npos) << "cut inside a character";
  EXPECT_NE(c.error_message.find("..."), std::string::npos);
  expect_storable(c, "long page");
}

TEST(OpenAIParse, LoglikelihoodErrorsAreValidUtf8) {
  Request r;
  r.kind = RequestKind::kLoglikelihood;
  r.messages = {{"user", "Q"}};
  r.continuations = {" a"};
  expect_storable(parse_loglikelihoods(http(200,
                                            "\xE9"
                                            "chec"),
                                       r, "r"),
                  "loglikelihood garbage");
  expect_storable(parse_loglikelihoods(http(500,
                                            "\xE9"
                                            "chec"),
                                       r, "r"),
                  "loglikelihood 500");
}

// --- message.content that is not a string ------------------------------------------------

Completion chat_message(const std::string& message_json) {
  return parse_chat_completion(
      http(200, R"({"choices":[{"message":)" + message_json + R"(,"finish_reason":"stop"}]})"),
      "req #5");
}

TEST(OpenAIParse, ContentPartsJoinTextAndKeepThinkingAsReasoning) {
  auto c = chat_message(R"({"content":[{"type":"thinking","thinking":"2+2 is 4","signature":"s"},
      {"type":"text","text":"The answer: "},{"type":"text","text":"#### 4"}]})");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.text, "The answer: #### 4");
  EXPECT_EQ(c.reasoning, "2+2 is 4");
  // Reasoning parts by their other names, output_text parts, bare strings, and the
  // message's reasoning_content before the parts' reasoning.
  auto d = chat_message(R"({"reasoning_content":"first",
      "content":[{"type":"reasoning","reasoning":"second"},{"type":"reasoning","text":"third"},
                 {"type":"redacted_thinking","data":"opaque"},
                 {"type":"output_text","text":"#### "},"7"]})");
  ASSERT_TRUE(d.ok()) << d.error_message;
  EXPECT_EQ(d.text, "#### 7");
  EXPECT_EQ(d.reasoning, "first\nsecond\nthird");
}

TEST(OpenAIParse, ReasoningFieldsOfTheMessage) {
  auto deepseek = chat_message(R"({"content":"#### 1","reasoning_content":"think"})");
  EXPECT_EQ(deepseek.reasoning, "think");
  auto openrouter = chat_message(R"({"content":"#### 1","reasoning":"thought"})");
  EXPECT_EQ(openrouter.reasoning, "thought");
  EXPECT_EQ(openrouter.text, "#### 1");
  // No content but reasoning: typed 'empty' (issue 10; it used to be an empty answer),
  // the reasoning kept.
  auto cut = chat_message(R"({"content":null,"reasoning_content":"long thought"})");
  EXPECT_EQ(cut.error, ErrorKind::kEmpty);
  EXPECT_EQ(cut.text, "");
  EXPECT_EQ(cut.reasoning, "long thought");
}

TEST(OpenAIParse, RefusalsAreRefusedWithTheModelsWords) {
  auto field = chat_message(R"({"content":null,"refusal":"I can't help with that."})");
  EXPECT_EQ(field.error, ErrorKind::kRefused);
  EXPECT_NE(field.error_message.find("req #5: the model refused: I can't help with that."),
            std::string::npos)
      << field.error_message;
  auto part = chat_message(R"({"content":[{"type":"refusal","refusal":"No."}]})");
  EXPECT_EQ(part.error, ErrorKind::kRefused);
  EXPECT_NE(part.error_message.find("No."), std::string::npos);
  auto empty = chat_message(R"({"content":"#### 2","refusal":null})");
  EXPECT_TRUE(empty.ok());
}

// Issue 10: content null (here with tool calls, none offered) is typed 'empty' instead of
// being scored as an answer without text.
TEST(OpenAIParse, ToolCallWithoutContentIsTypedEmpty) {
  auto c = parse_chat_completion(
      http(200, R"({"choices":[{"message":{"content":null,"tool_calls":[{"id":"c1",
        "type":"function","function":{"name":"calc","arguments":"{}"}}]},
        "finish_reason":"tool_calls"}]})"),
      "r");
  EXPECT_EQ(c.error, ErrorKind::kEmpty);
  EXPECT_FALSE(c.scorable());
  EXPECT_EQ(c.text, "");
  EXPECT_EQ(c.finish_reason, "tool_calls");
  EXPECT_EQ(c.error_message, "r: the server sent no content (finish_reason \"tool_calls\")");
}

TEST(OpenAIParse, AnEmptyAnswerCutByTheBudgetIsTruncatedAndOtherEmptinessIsNot) {
  auto cut = parse_chat_completion(
      http(200, R"({"choices":[{"message":{"content":" \n","reasoning_content":"hmm"},
        "finish_reason":"length"}]})"),
      "r");
  EXPECT_EQ(cut.error, ErrorKind::kTruncated);
  EXPECT_EQ(cut.reasoning, "hmm");
  EXPECT_NE(cut.error_message.find("after reasoning"), std::string::npos) << cut.error_message;
  auto null_cut = parse_chat_completion(
      http(200, R"({"choices":[{"message":{"content":null},"finish_reason":"length"}]})"), "r");
  EXPECT_EQ(null_cut.error, ErrorKind::kTruncated);
  auto no_content = parse_chat_completion(
      http(200, R"({"choices":[{"message":{"role":"assistant"},"finish_reason":"stop"}]})"), "r");
  EXPECT_EQ(no_content.error, ErrorKind::kEmpty);
  // A cut answer that has text is an answer; an empty string that stopped is one too.
  auto partial = parse_chat_completion(
      http(200, R"({"choices":[{"message":{"content":"#### 4"},"finish_reason":"length"}]})"), "r");
  EXPECT_TRUE(partial.ok());
  auto said_nothing = parse_chat_completion(
      http(200, R"({"choices":[{"message":{"content":""},"finish_reason":"stop"}]})"), "r");
  EXPECT_TRUE(said_nothing.ok());
  EXPECT_EQ(to_json(cut).at("error"), "truncated");
  EXPECT_EQ(completion_from_json(to_json(no_content)).error, ErrorKind::kEmpty);
}

TEST(OpenAIParse, UnknownContentShapesAreInvalidAndNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"content":42})", "message.content is a number"},
      {R"({"content":{"text":"x"}})", "message.content is a object"},
      {R"({"content":true})", "message.content is a boolean"},
      {R"({"content":[{"type":"text","text":"a"},7]})", "message.content[1] is a number"},
      {R"({"content":[{"type":"image_url","image_url":{"url":"u"}}]})",
       "message.content[0] has type 'image_url' and no text"},
      {R"({"content":[{"kind":"x"}]})", "message.content[0] has type '' and no text"},
  };
  for (const auto& [message, found] : cases) {
    auto c = chat_message(message);
    EXPECT_EQ(c.error, ErrorKind::kInvalid) << message;
    EXPECT_NE(c.error_message.find("req #5: unknown answer shape: " + std::string(found)),
              std::string::npos)
        << c.error_message;
  }
  // A part of a type not listed but with text is text.
  auto c = chat_message(R"({"content":[{"type":"input_text","text":"#### 3"}]})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.text, "#### 3");
}

// --- A 2xx that carries an error object --------------------------------------------------

TEST(OpenAIParse, ErrorObjectInA200IsTypedByTheErrorItCarries) {
  const std::pair<const char*, ErrorKind> cases[] = {
      {R"({"error":{"message":"Provider returned error","code":502}})", ErrorKind::kTransient},
      {R"({"error":{"message":"Provider returned error","code":"503"}})", ErrorKind::kTransient},
      {R"({"error":{"message":"Overloaded","type":"overloaded_error"}})", ErrorKind::kTransient},
      {R"({"error":{"message":"busy","code":529},"choices":[]})", ErrorKind::kTransient},
      {R"({"error":{"message":"slow down","code":429}})", ErrorKind::kRateLimited},
      {R"({"error":{"message":"Rate limit reached","type":"rate_limit_exceeded"}})",
       ErrorKind::kRateLimited},
      {R"({"error":{"message":"bad","code":400}})", ErrorKind::kInvalid},
      {R"({"error":{"message":"what"}})", ErrorKind::kInvalid},  // names no status
      {R"({"error":{"message":"no key","code":401}})", ErrorKind::kFatal},
      {R"({"error":{"message":"forbidden","code":403}})", ErrorKind::kFatal},
      {R"({"error":{"message":"no model","code":404}})", ErrorKind::kFatal},
      {R"({"error":"upstream server_error"})", ErrorKind::kTransient},
  };
  for (const auto& [body, kind] : cases) {
    auto c = parse_chat_completion(http(200, body), "req #2");
    EXPECT_EQ(c.error, kind) << body;
    EXPECT_EQ(c.error_message.find("req #2: HTTP 200 carrying an error"), 0u) << c.error_message;
  }
  auto c = parse_chat_completion(
      http(200, R"({"error":{"message":"Provider returned error","code":502}})"), "r");
  EXPECT_NE(c.error_message.find("(taken as 502): Provider returned error"), std::string::npos)
      << c.error_message;
  // An error key beside real choices is not a failure; a null error is no error.
  auto answered = parse_chat_completion(
      http(200, R"({"error":null,"choices":[{"message":{"content":"#### 1"}}]})"), "r");
  EXPECT_TRUE(answered.ok()) << answered.error_message;
  Request r;
  r.kind = RequestKind::kLoglikelihood;
  r.messages = {{"user", "Q"}};
  r.continuations = {" a"};
  EXPECT_EQ(
      parse_loglikelihoods(http(200, R"({"error":{"message":"x","code":503}})"), r, "r").error,
      ErrorKind::kTransient);
}

// --- Request rejections and parameter styles ---------------------------------------------

TEST(OpenAIRejections, TheSameRejectionForTwoDifferentRequestsIsSystematic) {
  RejectionTracker t;
  const std::string m = "Unsupported parameter: 'max_tokens'";
  EXPECT_FALSE(t.systematic(m, 1));
  EXPECT_FALSE(t.systematic(m, 1));  // the same request again is not a second request
  EXPECT_FALSE(t.systematic("another message", 2));
  EXPECT_TRUE(t.systematic(m, 3));
  EXPECT_TRUE(t.systematic(m, 4));
  EXPECT_TRUE(t.systematic("another message", 5));
}

TEST(OpenAIRejections, NothingIsSystematicOnceARequestWasAnswered) {
  RejectionTracker t;
  EXPECT_FALSE(t.systematic("context too long", 1));
  t.answered();
  EXPECT_FALSE(t.systematic("context too long", 2));
  EXPECT_FALSE(t.systematic("context too long", 3));
}

TEST(OpenAIRunner, ReasoningModelIdsGetTheirParameterStyle) {
  for (const char* id :
       {"o1", "o1-mini", "o1-preview", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini",
        "gpt-5-nano", "gpt-5.1", "gpt-5-2025-08-07", "openai/gpt-5", "openai/o3-mini"}) {
    EXPECT_EQ(param_style_for(id), ParamStyle::kReasoning) << id;
  }
  for (const char* id : {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5-chat-latest", "o", "omni",
                         "Qwen/Qwen3-8B", "deepseek-reasoner", "llama-o1", "test-model", ""}) {
    EXPECT_EQ(param_style_for(id), ParamStyle::kClassic) << id;
  }
}

TEST(OpenAIRunner, ReasoningModelsAreSentMaxCompletionTokensAndNoSamplingParameters) {
  Request r;
  r.messages = {{"user", "hi"}};
  r.sampling.temperature = 0;
  r.sampling.top_p = 0.9;
  r.sampling.top_k = 40;
  r.sampling.max_tokens = 512;
  r.sampling.stop = {"Question:"};
  r.sampling.seed = 3;
  auto reasoning = OpenAIRunner([] {
                     OpenAIOptions o;
                     o.model = "gpt-5-mini";
                     o.base_url = "http://127.0.0.1:1/v1";
                     return o;
                   }())
                       .request_body(r);
  EXPECT_EQ(reasoning["max_completion_tokens"], 512);
  for (const char* absent : {"max_tokens", "temperature", "top_p", "top_k", "stop"}) {
    EXPECT_FALSE(reasoning.contains(absent)) << absent;
  }
  EXPECT_EQ(reasoning["seed"], 3);
  EXPECT_EQ(reasoning["messages"][0]["content"], "hi");
  OpenAIOptions o;
  o.model = "gpt-4o";
  o.base_url = "http://127.0.0.1:1/v1";
  auto classic = OpenAIRunner(o).request_body(r);
  EXPECT_EQ(classic["max_tokens"], 512);
  EXPECT_EQ(classic["temperature"], 0);
  EXPECT_EQ(classic["top_p"], 0.9);
  EXPECT_EQ(classic["top_k"], 40);
  EXPECT_EQ(classic["stop"][0], "Question:");
  EXPECT_FALSE(classic.contains("max_completion_tokens"));
}

// --- Response cache key ------------------------------------------------------------------

TEST(OpenAIRunner, IdentityHoldsWhatChangesAnswersAndNothingElse) {
  OpenAIOptions base;
  base.model = "m1";
  base.base_url = "http://127.0.0.1:1/v1";
  const std::string id = OpenAIRunner(base).identity();
  Request r;
  r.messages = {{"user", "hi"}};
  const std::string key = cache_key(r, id);
  // Settings that cannot change an answer leave the identity and the key alone.
  std::vector<OpenAIOptions> same(7, base);
  same[0].api_key = "sk-other";
  same[1].http.timeout_s = 5;
  same[2].http.connect_timeout_s = 1;
  same[3].http.retry = {0, 0.1, 0.2};
  same[4].http.max_in_flight = 1;
  same[5].http.jitter_seed = 99;
  same[6].base_url = "http://127.0.0.1:1/v1///";
  for (size_t i = 0; i < same.size(); ++i) {
    EXPECT_EQ(OpenAIRunner(same[i]).identity(), id) << i;
    EXPECT_EQ(cache_key(r, OpenAIRunner(same[i]).identity()), key) << i;
  }
  // The model, the server and the parameter mapping do.
  std::vector<OpenAIOptions> other(3, base);
  other[0].model = "m2";
  other[1].base_url = "http://127.0.0.1:2/v1";
  other[2].base_url = "http://127.0.0.1:1/v2";
  std::set<std::string> ids = {id};
  for (const auto& o : other) {
    const std::string other_id = OpenAIRunner(o).identity();
    EXPECT_NE(cache_key(r, other_id), key) << other_id;
    ids.insert(other_id);
  }
  EXPECT_EQ(ids.size(), 4u);
  OpenAIOptions reasoning = base;
  reasoning.model = "openai/gpt-5";
  OpenAIOptions classic = base;
  classic.model = "openai/gpt-5-chat-latest";
  EXPECT_EQ(OpenAIRunner(reasoning).identity(),
            "openai:openai/gpt-5@http://127.0.0.1:1/v1/chat/completions;params=reasoning");
  EXPECT_EQ(OpenAIRunner(classic).identity(),
            "openai:openai/gpt-5-chat-latest@http://127.0.0.1:1/v1/chat/completions");
}

// --- Loglikelihood byte pieces -----------------------------------------------------------

Request word_request(std::vector<std::string> continuations) {
  Request r;
  r.kind = RequestKind::kLoglikelihood;
  r.messages = {{"user", "Word: caf"}};
  r.continuations = std::move(continuations);
  return r;
}

nlohmann::json echo_choice(size_t index, std::vector<std::string> tokens,
                           std::vector<nlohmann::json> logprobs, std::vector<size_t> offsets) {
  nlohmann::json tops = nlohmann::json::array();
  for (size_t i = 0; i < tokens.size(); ++i) {
    tops.push_back(logprobs[i].is_null() ? nlohmann::json()
                                         : nlohmann::json{{tokens[i], logprobs[i]}});
  }
  return {{"index", index},
          {"logprobs",
           {{"tokens", tokens},
            {"token_logprobs", logprobs},
            {"top_logprobs", tops},
            {"text_offset", offsets}}}};
}

std::string echo_body(std::vector<nlohmann::json> choices) {
  return nlohmann::json{{"choices", choices}}.dump();
}

TEST(OpenAIParse, BytePiecesAtTheContextContinuationBoundaryCount) {
  // "é" comes as two byte tokens: the first has empty text and é's offset. Dropping it
  // would score "é" at -0.5 and pick it over "e" (-0.6).
  const Request r = word_request({"\xC3\xA9", "e"});
  const std::string body =
      echo_body({echo_choice(0, {"Word", ":", " caf", "", "\xC3\xA9", "!"},
                             {nullptr, -1, -1, -0.25, -0.5, -3}, {0, 4, 5, 9, 9, 10}),
                 echo_choice(1, {"Word", ":", " caf", "e", "!"}, {nullptr, -1, -1, -0.6, -3},
                             {0, 4, 5, 9, 10})});
  Completion c = parse_loglikelihoods(http(200, body), r, "req");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_DOUBLE_EQ(c.continuations[0].logprob, -0.75);
  EXPECT_EQ(c.continuations[0].tokens, 2);
  EXPECT_DOUBLE_EQ(c.continuations[1].logprob, -0.6);
  EXPECT_LT(c.continuations[0].logprob, c.continuations[1].logprob);
}

TEST(OpenAIParse, BytePiecesInsideAndAtTheEndOfTheContinuationCount) {
  // " éa é": pieces inside and as the last character; the generated token is a piece too.
  const Request r =
      word_request({"e \xC3\xA9"
                    "a \xC3\xA9"});
  const std::string body = echo_body({echo_choice(0,
                                                  {"Word", ":", " caf", "e", " ", "",
                                                   "\xC3\xA9"
                                                   "a",
                                                   " ", "", "\xC3\xA9", ""},
                                                  {nullptr, -1, -1, -1, -2, -3, -4, -5, -6, -7, -9},
                                                  {0, 4, 5, 9, 10, 11, 11, 13, 14, 14, 15})});
  Completion c = parse_loglikelihoods(http(200, body), r, "req");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_DOUBLE_EQ(c.continuations[0].logprob, -1 - 2 - 3 - 4 - 5 - 6 - 7);
  EXPECT_EQ(c.continuations[0].tokens, 7);
}

TEST(OpenAIParse, BytePiecesOfTheContextStayInTheContext) {
  // The context ends in "é" split into pieces; the continuation is " x".
  Request r;
  r.kind = RequestKind::kLoglikelihood;
  r.messages = {{"user", "caf\xC3\xA9"}};
  r.continuations = {" x"};
  const std::string body = echo_body({echo_choice(0, {"caf", "", "\xC3\xA9", " x", "."},
                                                  {nullptr, -1, -1, -0.5, -3}, {0, 3, 3, 4, 6})});
  Completion c = parse_loglikelihoods(http(200, body), r, "req");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_DOUBLE_EQ(c.continuations[0].logprob, -0.5);
  EXPECT_EQ(c.continuations[0].tokens, 1);
}

TEST(OpenAIParse, OpenAIStyleByteTokensCountAsTheirBytes) {
  // "bytes:\xc3" tokens: in the continuation they count; in the context they do not,
  // although their text is longer than the character they are part of.
  const Request r = word_request({"\xC3\xA9"});
  const std::string body =
      echo_body({echo_choice(0, {"Word", ":", " caf", "bytes:\\xc3", "bytes:\\xa9", "!"},
                             {nullptr, -1, -1, -0.25, -0.5, -3}, {0, 4, 5, 9, 9, 10})});
  Completion c = parse_loglikelihoods(http(200, body), r, "req");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_DOUBLE_EQ(c.continuations[0].logprob, -0.75);
  EXPECT_EQ(c.continuations[0].tokens, 2);

  Request ctx;
  ctx.kind = RequestKind::kLoglikelihood;
  ctx.messages = {{"user", "caf\xC3\xA9"}};
  ctx.continuations = {" x"};
  const std::string in_context =
      echo_body({echo_choice(0, {"caf", "bytes:\\xc3", "bytes:\\xa9", " x", "."},
                             {nullptr, -1, -1, -0.5, -3}, {0, 3, 3, 4, 6})});
  Completion d = parse_loglikelihoods(http(200, in_context), ctx, "req");
  ASSERT_TRUE(d.ok()) << d.error_message;
  EXPECT_DOUBLE_EQ(d.continuations[0].logprob, -0.5);
  EXPECT_EQ(d.continuations[0].tokens, 1);
}

TEST(OpenAIParse, EchoTooShortForTheContinuationIsInvalid) {
  const Request r = word_request({"e and more"});
  const std::string body = echo_body({echo_choice(0, {"e", "!"}, {-1, -3}, {9, 19})});
  EXPECT_EQ(parse_loglikelihoods(http(200, body), r, "req").error, ErrorKind::kInvalid);
}

}  // namespace
}  // namespace ys
