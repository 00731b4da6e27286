// Streaming's pure parts: SSE framing, reading streamed chunks into a Completion with its
// timing, base64, and image content parts in requests (bodies, canonical JSON, round trip).
#include <gtest/gtest.h>

#include <fstream>

#include "runners/anthropic.h"
#include "runners/openai.h"
#include "runners/stream.h"
#include "tests/support/test_paths.h"
#include "util/base64.h"
#include "util/error.h"

namespace ys {
namespace {

TEST(Sse, FramesEventsAsTheHtmlStandardSays) {
  // CRLF, LF and CR line ends; a comment; "data:" with and without its space; two data
  // lines joined by "\n"; an event name; a field without a colon; an id field ignored.
  const std::string body =
      "\xEF\xBB\xBF: keep-alive\r\n"
      "data: one\r\n\r\n"
      "event: named\ndata:two\ndata:  three\nid: 7\n\n"
      "data\r\r"
      "event: no-data\n\n"
      "data: last";
  const std::vector<SseEvent> events = parse_sse(body);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].name, "");
  EXPECT_EQ(events[0].data, "one");
  EXPECT_EQ(events[0].end, body.find("event: named"));
  EXPECT_EQ(events[1].name, "named");
  EXPECT_EQ(events[1].data, "two\n three");
  EXPECT_EQ(events[2].name, "");  // the name does not carry over to the next event
  EXPECT_EQ(events[2].data, "");  // "data" alone: an empty data line
  EXPECT_EQ(events[2].end, body.find("event: no-data"));
  // "event: no-data" had no data (not dispatched); "data: last" never ended.
}

HttpResult stream_result(const std::vector<std::string>& pieces, const std::vector<double>& at,
                         long status = 200) {
  HttpResult h;
  h.status = status;
  h.attempts = 1;
  h.elapsed_s = 1.5;
  for (size_t i = 0; i < pieces.size(); ++i) {
    h.body += pieces[i];
    h.arrivals.push_back({h.body.size(), at[i]});
  }
  return h;
}

std::string chunk(const nlohmann::json& delta, const nlohmann::json& finish = nullptr) {
  return "data: " +
         nlohmann::json{{"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}}}}
             .dump() +
         "\n\n";
}

TEST(ChatStream, AssemblesTheSameCompletionAsTheWholeAnswerWithItsTiming) {
  const nlohmann::json usage = {{"prompt_tokens", 30},
                                {"completion_tokens", 12},
                                {"prompt_tokens_details", {{"cached_tokens", 8}}},
                                {"completion_tokens_details", {{"reasoning_tokens", 5}}}};
  // Role first (no text: not a delta), two reasoning deltas, two content deltas (the first
  // two pieces of text arrive together), the finish, usage, [DONE].
  const HttpResult h = stream_result(
      {chunk({{"role", "assistant"}, {"content", ""}}),
       chunk({{"reasoning_content", "2 and 3"}}) + chunk({{"reasoning_content", " make 5"}}),
       chunk({{"content", "The answer"}}), chunk({{"content", " is 5."}}),
       chunk(nlohmann::json::object(), "stop"),
       "data: " + nlohmann::json{{"choices", nlohmann::json::array()}, {"usage", usage}}.dump() +
           "\n\n",
       "data: [DONE]\n\n"},
      {0.100, 0.250, 0.300, 0.340, 0.341, 0.342, 0.343});
  const Completion c = parse_chat_stream(h, "req");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.text, "The answer is 5.");
  EXPECT_EQ(c.reasoning, "2 and 3 make 5");
  EXPECT_EQ(c.finish_reason, "stop");
  EXPECT_EQ(c.usage.prompt_tokens, 30);
  EXPECT_EQ(c.usage.completion_tokens, 12);
  EXPECT_EQ(c.usage.cached_tokens, 8);
  EXPECT_EQ(c.usage.reasoning_tokens, 5);
  EXPECT_EQ(c.attempts, 1);
  EXPECT_DOUBLE_EQ(c.latency_s, 1.5);
  // Deltas at 0.250, 0.250, 0.300, 0.340: TTFT 250 ms, gaps 0, 50, 40 ms.
  EXPECT_DOUBLE_EQ(c.stream.ttft_s, 0.250);
  EXPECT_EQ(c.stream.deltas, 4);
  EXPECT_NEAR(c.stream.itl_mean_ms, 30.0, 1e-9);
  EXPECT_NEAR(c.stream.itl_p50_ms, 40.0, 1e-9);  // nearest rank: 2nd of {0, 40, 50}
  EXPECT_NEAR(c.stream.itl_p90_ms, 50.0, 1e-9);

  // The same answer sent whole reads the same, with no timing.
  HttpResult whole;
  whole.status = 200;
  whole.attempts = 1;
  whole.body = nlohmann::json{
      {"choices",
       {{{"index", 0},
         {"message",
          {{"role", "assistant"},
           {"content", "The answer is 5."},
           {"reasoning_content", "2 and 3 make 5"}}},
         {"finish_reason", "stop"}}}},
      {"usage",
       usage}}.dump();
  const Completion w = parse_chat_completion(whole, "req");
  EXPECT_EQ(to_json(w).dump(), [&] {
    Completion same = c;
    same.stream = StreamTiming();
    same.latency_s = 0;
    return to_json(same).dump();
  }());
  EXPECT_FALSE(w.stream.streamed());
}

TEST(ChatStream, RefusalsFiltersEmptyAndLengthAreTypedAsWhenWhole) {
  auto typed = [](std::vector<std::string> pieces) {
    pieces.push_back("data: [DONE]\n\n");
    return parse_chat_stream(stream_result(pieces, std::vector<double>(pieces.size(), 0.1)), "r");
  };
  EXPECT_EQ(typed({chunk({{"refusal", "I can't"}}), chunk({}, "stop")}).error, ErrorKind::kRefused);
  EXPECT_EQ(typed({chunk({{"content", "x"}}), chunk({}, "content_filter")}).error,
            ErrorKind::kRefused);
  EXPECT_EQ(typed({chunk({{"reasoning_content", "long"}}), chunk({}, "length")}).error,
            ErrorKind::kTruncated);
  EXPECT_EQ(typed({chunk({{"role", "assistant"}}), chunk({}, "stop")}).error,
            ErrorKind::kEmpty);  // no content string at all
  const Completion think = typed(
      {chunk({{"content", "<think>a</think>"}}), chunk({{"content", "B"}}), chunk({}, "stop")});
  ASSERT_TRUE(think.ok());
  EXPECT_EQ(think.text, "<think>a</think>B");  // split later, as for whole answers
}

TEST(ChatStream, BrokenMalformedStalledAndErrorStreamsAreTyped) {
  const std::string two = chunk({{"content", "4"}}) + chunk({{"content", "2"}});
  // No [DONE]: cut, with what came kept.
  Completion cut = parse_chat_stream(stream_result({two}, {0.1}), "req #1");
  EXPECT_EQ(cut.error, ErrorKind::kStreamCut);
  EXPECT_EQ(cut.text, "42");
  EXPECT_NE(cut.error_message.find("req #1: the stream ended before its terminal event, after 2"),
            std::string::npos)
      << cut.error_message;
  // Broke off (a transport error after the stream started).
  HttpResult broke = stream_result({two}, {0.1}, 0);
  broke.transport_error = "transfer closed with outstanding read data remaining";
  EXPECT_EQ(parse_chat_stream(broke, "r").error, ErrorKind::kStreamCut);
  // Stalled.
  HttpResult stalled = stream_result({two}, {0.1}, 0);
  stalled.stalled = true;
  stalled.transport_error = "Operation too slow";
  Completion s = parse_chat_stream(stalled, "r");
  EXPECT_EQ(s.error, ErrorKind::kStreamStalled);
  EXPECT_NE(s.error_message.find("read timeout"), std::string::npos);
  // A stall before any byte is a stall too.
  HttpResult silent;
  silent.stalled = true;
  EXPECT_EQ(parse_chat_stream(silent, "r").error, ErrorKind::kStreamStalled);
  // Not JSON; a delta of the wrong type.
  Completion bad =
      parse_chat_stream(stream_result({two + "data: {oops\n\ndata: [DONE]\n\n"}, {0.1}), "r");
  EXPECT_EQ(bad.error, ErrorKind::kStreamMalformed);
  EXPECT_NE(bad.error_message.find("stream event 3 of 4 is not a JSON object: {oops"),
            std::string::npos)
      << bad.error_message;
  Completion shape =
      parse_chat_stream(stream_result({chunk({{"content", 5}}) + "data: [DONE]\n\n"}, {0.1}), "r");
  EXPECT_EQ(shape.error, ErrorKind::kStreamMalformed);
  EXPECT_NE(shape.error_message.find("delta.content is a number"), std::string::npos);
  // An error object in the stream: typed by its status.
  Completion err = parse_chat_stream(
      stream_result({two + R"(data: {"error":{"message":"overloaded","code":503}})" + "\n\n"},
                    {0.1}),
      "r");
  EXPECT_EQ(err.error, ErrorKind::kTransient);
  EXPECT_NE(err.error_message.find("overloaded"), std::string::npos);
  // A JSON body (the server ignored "stream"), and an HTTP error, read as without streaming.
  HttpResult json_body;
  json_body.status = 200;
  json_body.body = R"({"choices":[{"message":{"content":"7"},"finish_reason":"stop"}]})";
  EXPECT_EQ(parse_chat_stream(json_body, "r").text, "7");
  HttpResult e429;
  e429.status = 429;
  e429.body = R"({"error":{"message":"slow down"}})";
  EXPECT_EQ(parse_chat_stream(e429, "r").error, ErrorKind::kRateLimited);
}

TEST(ChatStream, RetryStatusRetriesCutStreamsAndErrorEventsButNotMalformedOnes) {
  const StreamParser chat = parse_chat_stream;
  const std::string done = "data: {}\n\ndata: [DONE]\n\n";
  EXPECT_EQ(stream_retry_status(200, done, chat), 200);
  EXPECT_EQ(stream_retry_status(200, "data: {}\n\n", chat), 502);
  EXPECT_EQ(stream_retry_status(200, "", chat), 502);
  EXPECT_EQ(stream_retry_status(200, "data: {oops\n\ndata: [DONE]\n\n", chat), 200);
  EXPECT_EQ(stream_retry_status(200,
                                R"(data: {"error":{"type":"overloaded_error"}})"
                                "\n\n",
                                chat),
            529);
  EXPECT_EQ(stream_retry_status(429, "", chat), 429);
  EXPECT_EQ(stream_retry_status(200, R"({"error":{"message":"x","code":503}})", chat), 503);
}

// docs/RUNNERS.md: a malformed event is the server's answer, not retried, also when the
// stream then breaks off before its terminal event (the runner types it stream_malformed
// all the same); the malformation may be the JSON or the API's shape. What came first
// decides, as when the runner reads the answer: an error event before a malformed one is
// retried by its status, a cut stream after good events is retried.
TEST(ChatStream, RetryStatusNeverRetriesAMalformedEventEvenInACutStream) {
  const StreamParser chat = parse_chat_stream, message = parse_anthropic_stream;
  const std::string good = R"(data: {"choices":[{"index":0,"delta":{"content":"4"}}]})"
                           "\n\n";
  EXPECT_EQ(stream_retry_status(200, good + "data: {oops\n\n", chat), 200);
  EXPECT_EQ(
      stream_retry_status(
          200, good + R"(data: {"choices":[{"index":0,"delta":{"content":5}}]})" + "\n\n", chat),
      200);
  EXPECT_EQ(stream_retry_status(200, good, chat), 502);
  EXPECT_EQ(stream_retry_status(
                200, good + R"(data: {"error":{"message":"x","code":503}})" + "\n\ndata: {oops\n\n",
                chat),
            503);
  HttpResult cut;
  cut.status = 200;
  cut.body = good + "data: {oops\n\n";
  EXPECT_EQ(parse_chat_stream(cut, "r").error, ErrorKind::kStreamMalformed);
  // Anthropic: an event without a type, and a non-JSON one, in streams that never stop.
  const std::string start =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{}}}\n\n";
  EXPECT_EQ(stream_retry_status(200, start + "event: ping\ndata: {}\n\n", message), 200);
  EXPECT_EQ(stream_retry_status(200, start + "data: not json\n\n", message), 200);
  EXPECT_EQ(stream_retry_status(200, start, message), 502);
  EXPECT_EQ(stream_retry_status(
                200, start + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", message),
            200);
}

std::string named(const char* name, const nlohmann::json& data) {
  return std::string("event: ") + name + "\ndata: " + data.dump() + "\n\n";
}

TEST(MessageStream, AssemblesTheSameCompletionAsTheWholeMessageWithItsTiming) {
  const HttpResult h = stream_result(
      {named("message_start", {{"type", "message_start"},
                               {"message",
                                {{"type", "message"},
                                 {"content", nlohmann::json::array()},
                                 {"usage",
                                  {{"input_tokens", 10},
                                   {"cache_read_input_tokens", 20},
                                   {"cache_creation_input_tokens", 4},
                                   {"output_tokens", 1}}}}}}) +
           named("ping", {{"type", "ping"}}),
       named("content_block_start", {{"type", "content_block_start"},
                                     {"index", 0},
                                     {"content_block", {{"type", "thinking"}, {"thinking", ""}}}}) +
           named("content_block_delta",
                 {{"type", "content_block_delta"},
                  {"index", 0},
                  {"delta", {{"type", "thinking_delta"}, {"thinking", "first"}}}}),
       named("content_block_delta",
             {{"type", "content_block_delta"},
              {"index", 0},
              {"delta", {{"type", "signature_delta"}, {"signature", "sig"}}}}) +
           named("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}) +
           named("content_block_start",
                 {{"type", "content_block_start"},
                  {"index", 1},
                  {"content_block", {{"type", "thinking"}, {"thinking", ""}}}}) +
           named("content_block_delta",
                 {{"type", "content_block_delta"},
                  {"index", 1},
                  {"delta", {{"type", "thinking_delta"}, {"thinking", "second"}}}}),
       named("content_block_start", {{"type", "content_block_start"},
                                     {"index", 2},
                                     {"content_block", {{"type", "text"}, {"text", ""}}}}) +
           named("content_block_delta", {{"type", "content_block_delta"},
                                         {"index", 2},
                                         {"delta", {{"type", "text_delta"}, {"text", "Paris"}}}}),
       named("message_delta", {{"type", "message_delta"},
                               {"delta", {{"stop_reason", "max_tokens"}}},
                               {"usage", {{"output_tokens", 42}}}}) +
           named("message_stop", {{"type", "message_stop"}})},
      {0.05, 0.2, 0.5, 0.6, 0.61});
  const Completion c = parse_anthropic_stream(h, "req");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.text, "Paris");
  EXPECT_EQ(c.reasoning, "first\nsecond");  // thinking blocks joined as when whole
  EXPECT_EQ(c.finish_reason, "length");
  EXPECT_EQ(c.usage.prompt_tokens, 34);
  EXPECT_EQ(c.usage.cached_tokens, 20);
  EXPECT_EQ(c.usage.cache_write_tokens, 4);
  EXPECT_EQ(c.usage.completion_tokens, 42);  // message_delta's count replaces the first
  EXPECT_DOUBLE_EQ(c.stream.ttft_s, 0.2);
  EXPECT_EQ(c.stream.deltas, 3);  // two thinking deltas and one text delta
  EXPECT_NEAR(c.stream.itl_mean_ms, 200.0, 1e-9);
  EXPECT_NEAR(c.stream.itl_p50_ms, 100.0, 1e-9);
  EXPECT_NEAR(c.stream.itl_p90_ms, 300.0, 1e-9);

  HttpResult whole;
  whole.status = 200;
  whole.attempts = 1;
  whole.body = nlohmann::json{
      {"type", "message"},
      {"content",
       {{{"type", "thinking"}, {"thinking", "first"}},
        {{"type", "thinking"}, {"thinking", "second"}},
        {{"type", "text"}, {"text", "Paris"}}}},
      {"stop_reason", "max_tokens"},
      {"usage",
       {{"input_tokens", 10},
        {"cache_read_input_tokens", 20},
        {"cache_creation_input_tokens", 4},
        {"output_tokens",
         42}}}}.dump();
  Completion same = c;
  same.stream = StreamTiming();
  same.latency_s = 0;
  EXPECT_EQ(to_json(parse_anthropic_message(whole, "req")).dump(), to_json(same).dump());
}

TEST(MessageStream, ErrorEventsCutStreamsAndMalformedEventsAreTyped) {
  const std::string start =
      named("message_start", {{"type", "message_start"}, {"message", {{"type", "message"}}}});
  const std::string text =
      named("content_block_start", {{"type", "content_block_start"},
                                    {"index", 0},
                                    {"content_block", {{"type", "text"}, {"text", ""}}}}) +
      named("content_block_delta", {{"type", "content_block_delta"},
                                    {"index", 0},
                                    {"delta", {{"type", "text_delta"}, {"text", "7"}}}});
  auto read = [](const std::string& body) {
    return parse_anthropic_stream(stream_result({body}, {0.1}), "r");
  };
  Completion overloaded = read(
      start + named("error", {{"type", "error"},
                              {"error", {{"type", "overloaded_error"}, {"message", "busy"}}}}));
  EXPECT_EQ(overloaded.error, ErrorKind::kTransient);
  EXPECT_NE(overloaded.error_message.find("taken as HTTP 529"), std::string::npos);
  EXPECT_EQ(read(start + text).error, ErrorKind::kStreamCut);
  EXPECT_EQ(read(start + "event: content_block_delta\ndata: [1]\n\n").error,
            ErrorKind::kStreamMalformed);
  Completion no_text =
      read(start +
           named("content_block_delta", {{"type", "content_block_delta"},
                                         {"delta", {{"type", "text_delta"}, {"text", nullptr}}}}) +
           named("message_stop", {{"type", "message_stop"}}));
  EXPECT_EQ(no_text.error, ErrorKind::kStreamMalformed);
  EXPECT_NE(no_text.error_message.find("text_delta without a string text"), std::string::npos);
  Completion refused = read(
      start + text +
      named("message_delta", {{"type", "message_delta"}, {"delta", {{"stop_reason", "refusal"}}}}) +
      named("message_stop", {{"type", "message_stop"}}));
  EXPECT_EQ(refused.error, ErrorKind::kRefused);
  Completion none = read(start + named("message_stop", {{"type", "message_stop"}}));
  EXPECT_EQ(none.error, ErrorKind::kEmpty);  // no text block
}

TEST(StreamTiming, SurvivesTheStoredJsonAndIsAbsentWhenNotStreamed) {
  Completion c;
  c.text = "x";
  EXPECT_FALSE(to_json(c).contains("ttft_s"));
  c.stream.ttft_s = 0.125;
  c.stream.deltas = 3;
  c.stream.itl_mean_ms = 12.5;
  c.stream.itl_p50_ms = 10;
  c.stream.itl_p90_ms = 20;
  const nlohmann::json j = to_json(c);
  EXPECT_DOUBLE_EQ(j["ttft_s"].get<double>(), 0.125);
  EXPECT_EQ(j["deltas"], 3);
  EXPECT_DOUBLE_EQ(j["itl_p90_ms"].get<double>(), 20);
  const Completion back = completion_from_json(j);
  EXPECT_DOUBLE_EQ(back.stream.ttft_s, 0.125);
  EXPECT_EQ(back.stream.deltas, 3);
  EXPECT_DOUBLE_EQ(back.stream.itl_mean_ms, 12.5);
  EXPECT_DOUBLE_EQ(back.stream.itl_p50_ms, 10);
  EXPECT_DOUBLE_EQ(back.stream.itl_p90_ms, 20);
  for (ErrorKind k :
       {ErrorKind::kStreamMalformed, ErrorKind::kStreamCut, ErrorKind::kStreamStalled}) {
    EXPECT_EQ(parse_error_kind(error_kind_name(k)), k);
  }
  EXPECT_STREQ(error_kind_name(ErrorKind::kStreamStalled), "stream_stalled");
}

TEST(Base64, EncodesAndDecodesTheRfc4648Vectors) {
  // RFC 4648, section 10.
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), std::optional<std::string>(plain));
  }
  const std::string bytes("\x00\xff\x10\x80", 4);
  EXPECT_EQ(base64_decode(base64_encode(bytes)), std::optional<std::string>(bytes));
  for (const char* bad : {"Zg=", "Z===", "Zm9v!A==", "=Zm9", "Zg==Zg=="}) {
    EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
  }
}

// A 1x1 PNG's first bytes are enough: the bytes are carried, not decoded.
const std::string kPng("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 16);

Request image_request() {
  Request r;
  r.messages = {{"system", "Describe."}, {"user", ""}};
  r.messages[1].parts = {ContentPart::text_part("What is in "),
                         ContentPart::image(kPng, "image/png"),
                         ContentPart::text_part("this picture?")};
  r.sampling.max_tokens = 50;
  return r;
}

TEST(ImageParts, OpenAIBodiesCarryADataUrlPart) {
  OpenAIOptions o;
  o.model = "gpt-4o";
  o.base_url = "http://127.0.0.1:1/v1";
  const nlohmann::json body = OpenAIRunner(o).request_body(image_request());
  EXPECT_EQ(body["messages"][0], (nlohmann::json{{"role", "system"}, {"content", "Describe."}}));
  const nlohmann::json& content = body["messages"][1]["content"];
  ASSERT_TRUE(content.is_array());
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0], (nlohmann::json{{"type", "text"}, {"text", "What is in "}}));
  EXPECT_EQ(content[1]["type"], "image_url");
  EXPECT_EQ(content[1]["image_url"]["url"], "data:image/png;base64," + base64_encode(kPng));
  EXPECT_EQ(content[1]["image_url"].size(), 1u);
  EXPECT_EQ(content[1].size(), 2u);
  EXPECT_EQ(content[2], (nlohmann::json{{"type", "text"}, {"text", "this picture?"}}));
}

TEST(ImageParts, AnthropicBodiesCarryBase64ImageBlocks) {
  AnthropicOptions o;
  o.model = "claude-test";
  const nlohmann::json body = AnthropicRunner(o).request_body(image_request());
  EXPECT_EQ(body["system"], "Describe.");
  ASSERT_EQ(body["messages"].size(), 1u);
  const nlohmann::json& content = body["messages"][0]["content"];
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0], (nlohmann::json{{"type", "text"}, {"text", "What is in "}}));
  EXPECT_EQ(
      content[1],
      (nlohmann::json{
          {"type", "image"},
          {"source",
           {{"type", "base64"}, {"media_type", "image/png"}, {"data", base64_encode(kPng)}}}}));
  EXPECT_EQ(content[2], (nlohmann::json{{"type", "text"}, {"text", "this picture?"}}));
}

TEST(ImageParts, SurviveTheStoredRequestJsonAndChangeTheKey) {
  const Request r = image_request();
  const nlohmann::json j = canonical_json(r);
  EXPECT_EQ(j["messages"][1]["content"][1],
            (nlohmann::json{
                {"type", "image"}, {"media_type", "image/png"}, {"data", base64_encode(kPng)}}));
  // Through text, as the store keeps it.
  const Request back = request_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_EQ(back.messages.size(), 2u);
  EXPECT_EQ(back.messages[0].content, "Describe.");
  EXPECT_TRUE(back.messages[0].parts.empty());
  ASSERT_EQ(back.messages[1].parts.size(), 3u);
  EXPECT_EQ(back.messages[1].parts[1].kind, ContentPart::Kind::kImage);
  EXPECT_EQ(back.messages[1].parts[1].data, kPng);
  EXPECT_EQ(back.messages[1].parts[1].media_type, "image/png");
  EXPECT_EQ(back.messages[1].parts[2].text, "this picture?");
  EXPECT_EQ(back.sampling.max_tokens, 50);
  EXPECT_EQ(cache_key(back, "m"), cache_key(r, "m"));
  Request other = r;
  other.messages[1].parts[1].data.back() = 'X';
  EXPECT_NE(cache_key(other, "m"), cache_key(r, "m"));
  EXPECT_EQ(text_of(r.messages[1]), "What is in this picture?");
}

TEST(ImageParts, ImageFilesAreReadWithTheirTypeAndBadOnesNamed) {
  test::ScratchDir dir;
  const auto png = dir / "cat.PNG";
  std::ofstream(png, std::ios::binary) << kPng;
  const ContentPart p = ContentPart::image_file(png);
  EXPECT_EQ(p.media_type, "image/png");
  EXPECT_EQ(p.data, kPng);
  EXPECT_EQ(ContentPart::image_file(png, "image/webp").media_type, "image/webp");
  try {
    ContentPart::image_file(dir / "cat.bmp");
    FAIL() << "a .bmp has no known type";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cat.bmp: unknown image type"), std::string::npos);
  }
  EXPECT_THROW(ContentPart::image_file(dir / "missing.jpg"), InputError);
}

TEST(RequestJson, TextOnlyCacheKeysAreUnchangedAndRoundTrip) {
  // Golden keys computed before content parts existed (runners/request.cpp at 52dd92e):
  // a text-only request's canonical JSON, hence its cache key, must never change.
  Request r;
  r.messages = {{"system", "Answer with a number."},
                {"user", "What is 2+3?\nA: \"five\" \xc3\xa9"}};
  r.sampling.temperature = 0.7;
  r.sampling.top_p = 0.95;
  r.sampling.top_k = 20;
  r.sampling.max_tokens = 512;
  r.sampling.stop = {"\n\n", "Question:"};
  r.sampling.seed = 42;
  r.repeat = 2;
  EXPECT_EQ(cache_key(r, "openai:m@http://h/v1/chat/completions"),
            "c139e7fb4beae8eba8949c0f12a2725c");
  Request l;
  l.kind = RequestKind::kLoglikelihood;
  l.messages = {{"user", "Q: capital? Answer:"}};
  l.continuations = {" Paris", " Rome"};
  EXPECT_EQ(cache_key(l, "m"), "3e164acb59edc301979cb9ee0555847c");
  for (const Request& q : {r, l}) {
    const Request back = request_from_json(nlohmann::json::parse(canonical_json(q).dump()));
    EXPECT_EQ(canonical_json(back), canonical_json(q));
    EXPECT_EQ(back.kind, q.kind);
  }
}

TEST(RequestJson, MalformedRequestsAreNamed) {
  auto message_of = [](const char* text) {
    try {
      request_from_json(nlohmann::json::parse(text));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(
      message_of(R"({"messages":[{"role":"user","content":[{"type":"image","data":"@@"}]}]})"),
      "request JSON: messages[0].content[0].data: not base64");
  EXPECT_EQ(message_of(R"({"messages":[{"role":"user","content":[{"type":"audio"}]}]})"),
            "request JSON: messages[0].content[0].type: 'audio' is neither text nor image");
  EXPECT_EQ(message_of(R"({"messages":{}})"), "request JSON: messages: missing or not a list");
  EXPECT_EQ(message_of(R"({"messages":[],"sampling":{"max_tokens":"many"}})"),
            "request JSON: sampling.max_tokens: unexpected string");
  EXPECT_EQ(message_of(R"({"kind":"embed","messages":[]})"),
            "request JSON: kind: unknown kind 'embed'");
}

}  // namespace
}  // namespace ys
