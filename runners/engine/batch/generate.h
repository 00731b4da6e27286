// Decoding loops over a Context: generation and the loglikelihood of continuations.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "runners/engine/batch/sampler.h"
#include "runners/engine/graph/context.h"

namespace ys::engine {

// Evaluates `prompt` after the context's cached prefix of it (Context::reuse_prefix), in
// one batch or, when !batched_prefill, one token at a time; then samples up to
// `max_tokens` tokens, stopping after a token for which `stop` returns true (that token is
// included), or when the context is full. Returns the generated ids. Throws InputError for
// an empty prompt or one longer than the context.
std::vector<int32_t> generate(Context& ctx, Sampler& sampler, const std::vector<int32_t>& prompt,
                              int max_tokens, const std::function<bool(int32_t)>& stop,
                              bool batched_prefill = true);

struct Loglikelihood {
  double logprob = 0;   // sum over the continuation of log p(token | everything before it)
  bool greedy = false;  // every continuation token was the argmax
};

// The loglikelihood of each of `continuations` after `context` (which must not be empty:
// it holds at least BOS). The context is evaluated once, after the prefix it shares with
// what the context already caches; a one-token continuation (" A") needs no further
// evaluation, a longer one only its tokens but the last. Throws InputError for an empty
// context or continuation, or one that does not fit with the context in n_ctx.
std::vector<Loglikelihood> loglikelihoods(Context& ctx, const std::vector<int32_t>& context,
                                          const std::vector<std::vector<int32_t>>& continuations);

// loglikelihoods() of one continuation.
Loglikelihood loglikelihood(Context& ctx, const std::vector<int32_t>& context,
                            const std::vector<int32_t>& continuation);

// log softmax(logits)[id] over `n` logits, computed in double.
double log_softmax_at(const float* logits, int n, int32_t id);

}  // namespace ys::engine
