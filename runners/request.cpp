#include "runners/request.h"

#include "util/hash.h"

namespace ys {

nlohmann::json canonical_json(const Request& request) {
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : request.messages) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  const Sampling& s = request.sampling;
  nlohmann::json sampling = {
      {"temperature", s.temperature}, {"max_tokens", s.max_tokens}, {"stop", s.stop}};
  if (s.top_p) sampling["top_p"] = *s.top_p;
  if (s.top_k) sampling["top_k"] = *s.top_k;
  if (s.seed) sampling["seed"] = *s.seed;
  // nlohmann::json objects are std::map-backed: keys serialize sorted.
  nlohmann::json j = {{"messages", messages}, {"sampling", sampling}, {"repeat", request.repeat}};
  // Generation requests keep the form they had before the kind existed (stable cache keys).
  if (request.kind == RequestKind::kLoglikelihood) {
    j["kind"] = request_kind_name(request.kind);
    j["continuations"] = request.continuations;
    j.erase("sampling");  // nothing is sampled
  }
  return j;
}

const char* request_kind_name(RequestKind kind) {
  return kind == RequestKind::kLoglikelihood ? "loglikelihood" : "generate";
}

std::string cache_key(const Request& request, const std::string& runner_identity) {
  return hash_hex(runner_identity + "\n" + canonical_json(request).dump());
}

ScoredText scored_text(const Request& request, size_t index) {
  ScoredText t;
  for (const Message& m : request.messages) {
    t.context += (t.context.empty() ? "" : "\n\n") + m.content;
  }
  const size_t kept = t.context.find_last_not_of(' ') + 1;  // npos + 1 == 0: all spaces
  t.continuation = t.context.substr(kept) + request.continuations.at(index);
  t.context.resize(kept);
  return t;
}

}  // namespace ys
