// What yardstick asks of a model. A Request's canonical JSON is its cache key.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ys {

struct Message {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

struct Sampling {
  double temperature = 0.0;
  std::optional<double> top_p;
  std::optional<int> top_k;
  int max_tokens = 256;
  std::vector<std::string> stop;
  std::optional<uint64_t> seed;
};

enum class RequestKind {
  kGenerate,       // sample a completion of the messages
  kLoglikelihood,  // score each continuation after the context (no sampling)
};

struct Request {
  RequestKind kind = RequestKind::kGenerate;
  // kGenerate: the conversation. kLoglikelihood: one user message whose content is the
  // context, as raw text (no chat template is applied).
  std::vector<Message> messages;
  // kLoglikelihood: the texts whose loglikelihood after the context is asked for, each
  // with its leading space if it has one (" A", " Paris").
  std::vector<std::string> continuations;
  Sampling sampling;
  // Which repeat of the same prompt this is; distinct repeats are distinct requests.
  int repeat = 0;
  // What a perfect answer looks like (the task's rendered target; for kLoglikelihood the
  // gold continuation). Read only by offline mock models; never sent to a server and not
  // part of the cache key.
  std::string oracle_text;
};

const char* request_kind_name(RequestKind kind);

// What a loglikelihood request's continuation `index` is scored as: the context is the
// messages' contents joined by blank lines; its trailing spaces move to the front of the
// continuation (as lm-evaluation-harness does), so that " A" after "Answer: " is scored
// as " A" after "Answer:".
struct ScoredText {
  std::string context;
  std::string continuation;
};
ScoredText scored_text(const Request& request, size_t index);

// The request as canonical JSON: every field that can change a model's answer, with
// object keys sorted, and nothing else.
nlohmann::json canonical_json(const Request& request);

// Cache key of `request` sent to the model named by `runner_identity`: a hash of both.
std::string cache_key(const Request& request, const std::string& runner_identity);

}  // namespace ys
