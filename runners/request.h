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

struct Request {
  std::vector<Message> messages;
  Sampling sampling;
  // Which repeat of the same prompt this is; distinct repeats are distinct requests.
  int repeat = 0;
  // What a perfect answer looks like (the task's rendered target). Read only by offline
  // mock models; never sent to a server and not part of the cache key.
  std::string oracle_text;
};

// The request as canonical JSON: every field that can change a model's answer, with
// object keys sorted, and nothing else.
nlohmann::json canonical_json(const Request& request);

// Cache key of `request` sent to the model named by `runner_identity`: a hash of both.
std::string cache_key(const Request& request, const std::string& runner_identity);

}  // namespace ys
