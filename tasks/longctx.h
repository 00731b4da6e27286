// Generated long-context tasks: RULER's synthetic tasks and a needle-in-a-haystack grid
// (rules: ../shared/reference/benchmark-suites.md C1, C2; policy: docs/LONG_CONTEXT.md).
//
// A sample is stored as a compact description (a JSON object, "the description") instead
// of its prompt: generator, version, task, seed, sample index, context length, depth, the
// size the prompt was fitted to, and the XXH3 hash of the prompt. materialize_prompt()
// regenerates the exact prompt from it, so a run holds one sample's haystack at a time and
// the store keeps a few hundred bytes per row.
//
// Lifecycle: describe_samples() makes unsized descriptions (cheap: no haystack) when a task
// loads; size_prompt() fits one to a model's token budget (context_length - max_tokens,
// counted by that model's tokenizer or an estimator) and adds "size", "counter",
// "prompt_tokens" and "hash"; materialize_prompt() builds the prompt of a sized one.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/error.h"

namespace ys {

struct GeneratorSpec;

// A context length the model cannot take, found before any request is sent.
class ContextLengthError : public InputError {
 public:
  using InputError::InputError;
};

// The generator name of long-context specs (`generator: {name: longctx, task: ...}`).
inline constexpr const char* kLongContextGenerator = "longctx";
// Bumped whenever the bytes generated for a description change: a stored description of
// another version is refused (the hash would not match anyway). 2: bounded draws became
// unbiased (util/random.h's below(), Lemire) instead of a multiply-shift of 32 bits.
inline constexpr int kLongContextVersion = 2;

// The tasks: niah_single_1..3, niah_multikey_1..3, niah_multivalue, niah_multiquery, vt,
// cwe, fwe, qa_multihop, niah (the depth x length grid).
const std::vector<std::string>& long_context_tasks();

// RULER's lengths (4K..128K) and the grid's (4K..1M), and the grid's depths (0..100 by 10).
const std::vector<int64_t>& default_context_lengths();
const std::vector<int64_t>& grid_context_lengths();
const std::vector<int>& grid_depths();

// Parses "4096,8k,32K,1M" (k = 1024, M = 1048576) into lengths; throws InputError.
std::vector<int64_t> parse_context_lengths(const std::string& text);

// The samples of a long-context generator spec: for each index in [0, count), each
// context length (and for the grid each depth), an object
//   {"longctx": <unsized description>, "answers": [...], "context_length": L, "depth": d}
// ("depth" null where the task draws its depths at random). Ordered index-major, so that
// --limit N keeps every length. Options (GeneratorSpec::options): task (required),
// context_lengths (list), depths (list, grid only), haystack ("essay" | "noise", for the
// tasks whose RULER haystack is one of them). Throws InputError naming the option.
std::vector<nlohmann::json> describe_samples(const GeneratorSpec& spec);

// The generated user message of `description` and what scoring needs.
struct GeneratedPrompt {
  std::string text;                             // the whole user message
  std::vector<std::string> answers;             // expected strings (all: contains_fraction)
  std::vector<size_t> needle_offsets;           // byte offsets of the needles (facts) in `text`
  size_t haystack_begin = 0, haystack_end = 0;  // byte range of the haystack in `text`
};

// Builds the prompt of `description` (sized or not: an unsized one has no haystack).
// Deterministic: equal descriptions give equal bytes. Throws InputError for an unknown
// generator, task or version, or when a sized description's "hash" does not match the
// text generated (the generator changed since it was stored).
GeneratedPrompt materialize_prompt(const nlohmann::json& description);

// Counts the tokens of a whole prompt whose user message is `user` (system prompt, chat
// markup and BOS included, as the model will see it).
using PromptCounter = std::function<int64_t(const std::string& user)>;

struct TokenBudget {
  int64_t context_length = 0;  // the model's whole window the prompt is fitted to
  int64_t max_tokens = 0;      // reserved for the answer
  double margin = 0;           // estimator error bound: fit to budget / (1 + margin)
  std::string counter;         // e.g. "local:stories260K.gguf#...", "estimate:bpe"
};

// Fits `description` to the budget: the largest size whose prompt has at most
// floor((context_length - max_tokens) / (1 + margin)) tokens by `count`; returns the
// description with "size", "counter", "prompt_tokens" (by `count`) and "hash" added. The
// slack left is below one size step (a sentence, line, document or word) except when the
// tokenizer is not monotone. Throws ContextLengthError when even the empty haystack does
// not fit. Memory: one prompt at a time; time: about 4-8 generations and counts.
nlohmann::json size_prompt(const nlohmann::json& description, const PromptCounter& count,
                           const TokenBudget& budget);

// A stored request's messages with every generated content ({"generated": description},
// as the store keeps it) replaced by its materialized text.
nlohmann::json expand_generated(const nlohmann::json& stored_request);

}  // namespace ys
