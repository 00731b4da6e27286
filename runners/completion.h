// What a model answered, or why it did not.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ys {

enum class ErrorKind {
  kNone,
  kTransient,    // timeouts, connection failures, 5xx after all retries
  kRateLimited,  // 429 after all retries
  kRefused,      // the provider declined to answer (content filter)
  kInvalid,      // the server's answer or our request was malformed (400, garbage body)
  kFatal,        // nothing further can succeed: bad key, unknown model (401/403/404)
  kTruncated,    // no answer: the token budget ran out first (empty text, finish "length")
  kEmpty,        // no answer: the server sent `content: null` (or no content at all)
  // Streamed answers (SSE, docs/RUNNERS.md "Streaming"):
  kStreamMalformed,  // an event that is not what the API sends (not JSON, unknown shape)
  kStreamCut,        // the stream ended (or broke off) before its terminal event
  kStreamStalled,    // no byte arrived for the read timeout in the middle of the stream
  kStalled,          // a whole (not streamed) answer's body stopped for the read timeout
};

const char* error_kind_name(ErrorKind kind);
ErrorKind parse_error_kind(const std::string& name);

struct Usage {
  int64_t prompt_tokens = 0;       // every input token, cached ones included
  int64_t completion_tokens = 0;   // every output token, reasoning ones included
  int64_t cached_tokens = 0;       // of prompt_tokens: read from the provider's prompt cache
  int64_t cache_write_tokens = 0;  // of prompt_tokens: written to it (Anthropic)
  int64_t reasoning_tokens = 0;    // of completion_tokens: hidden or returned reasoning
};

// The answer to one continuation of a loglikelihood request.
struct ContinuationScore {
  double logprob = 0;   // sum of log p(token | all before it) over the continuation's tokens
  bool greedy = false;  // every token was the model's most likely one
  int64_t tokens = 0;   // how many tokens the continuation was
};

// How a streamed answer arrived; ttft_s < 0 when the answer was not streamed. A delta is
// an event that carried answer or reasoning text; its time is when the bytes that end it
// arrived.
struct StreamTiming {
  double ttft_s = -1;  // from sending the answered attempt to its first delta, seconds
  int64_t deltas = 0;  // deltas received
  // Gaps between consecutive deltas, milliseconds (0 with fewer than two deltas): their
  // mean, and nearest-rank p50 and p90.
  double itl_mean_ms = 0, itl_p50_ms = 0, itl_p90_ms = 0;

  bool streamed() const { return ttft_s >= 0; }
};

struct Completion {
  std::string text;
  // Loglikelihood requests: one per continuation, in the request's order.
  std::vector<ContinuationScore> continuations;
  std::string reasoning;      // separate reasoning text, when the provider returns one
  std::string finish_reason;  // "stop", "length", ...
  Usage usage;
  double latency_s = 0;  // from first send to final answer, retries included
  double cost_usd = -1;  // this answer's cost at the model's registry prices; -1 unknown
  StreamTiming stream;   // streamed answers only
  int attempts = 1;
  ErrorKind error = ErrorKind::kNone;
  std::string error_message;  // never holds a secret

  bool ok() const { return error == ErrorKind::kNone; }
  // Whether the completion is scored: an answer, or a refusal (which scores 0). Other
  // errors (truncated and empty answers included) are stored unscored and sent again on
  // resume.
  bool scorable() const { return ok() || error == ErrorKind::kRefused; }
};

// Replaces every byte of `c`'s text fields (text, reasoning, finish reason, error message)
// that is not part of valid UTF-8 with U+FFFD (util/utf8.h), so that anything a server or
// a generation produced can be stored, encoded as JSON and shown.
void make_valid_utf8(Completion& c);

// What split_inline_reasoning found.
enum class InlineReasoning {
  kNone,      // no inline reasoning: the text is the answer
  kClosed,    // a closed block was moved to `reasoning`; the rest is the answer
  kUnclosed,  // the block never closed (cut by max_tokens): all of it is reasoning, no answer
};

// Moves reasoning a model left inline in `c.text` (servers without a reasoning parser)
// into `c.reasoning`, after any reasoning the provider returned apart:
// - "<think>R</think>A" (white space before "<think>" allowed) -> reasoning R, answer A;
// - "R</think>A" with no opening tag (chat templates that open the block in the prompt,
//   as DeepSeek-R1's does) -> reasoning R, answer A;
// - "<think>R" never closed -> reasoning R, answer empty (a draft is never graded).
// The answer keeps its text after "</think>" with leading white space dropped. A
// "<think>" later in the text is left alone: only reasoning that opens the answer counts.
InlineReasoning split_inline_reasoning(Completion& c);

// Types an answer that holds no text (white space only) into an error, so that it is
// never scored as a wrong answer: finish_reason "length" -> kTruncated (the budget, which
// covers hidden reasoning tokens, ran out); `content_null` (the server sent no content)
// -> kEmpty. Leaves any other completion as it is. `context` names the request.
void type_missing_answer(Completion& c, bool content_null, const std::string& context);

// Lossless JSON form, for the store and the response cache.
nlohmann::json to_json(const Completion& c);
Completion completion_from_json(const nlohmann::json& j);

}  // namespace ys
