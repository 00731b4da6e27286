#include "runners/engine/batch/generate.h"

#include <cmath>

#include "util/error.h"

namespace ys::engine {

std::vector<int32_t> generate(Context& ctx, Sampler& sampler, const std::vector<int32_t>& prompt,
                              int max_tokens, const std::function<bool(int32_t)>& stop,
                              bool batched_prefill) {
  if (prompt.empty()) throw InputError("generate: empty prompt");
  if (static_cast<int>(prompt.size()) > ctx.n_ctx()) {
    throw InputError("prompt of " + std::to_string(prompt.size()) +
                     " tokens does not fit the context of " + std::to_string(ctx.n_ctx()));
  }
  int kept = ctx.reuse_prefix(prompt);
  const float* logits = nullptr;
  if (batched_prefill) {
    logits = ctx.eval(std::vector<int32_t>(prompt.begin() + kept, prompt.end()));
  } else {
    for (size_t i = static_cast<size_t>(kept); i < prompt.size(); ++i)
      logits = ctx.eval({prompt[i]});
  }
  std::vector<int32_t> out;
  std::vector<int32_t> history = prompt;
  std::vector<int32_t> one(1);
  while (static_cast<int>(out.size()) < max_tokens) {
    int32_t next = sampler.sample(logits, ctx.n_vocab(), history);
    out.push_back(next);
    history.push_back(next);
    if (stop && stop(next)) break;
    if (static_cast<int>(out.size()) >= max_tokens || ctx.n_past() >= ctx.n_ctx()) break;
    one[0] = next;
    logits = ctx.eval(one);
  }
  return out;
}

double log_softmax_at(const float* logits, int n, int32_t id) {
  float max = logits[0];
  for (int i = 1; i < n; ++i) max = std::max(max, logits[i]);
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - max);
  return static_cast<double>(logits[id]) - max - std::log(sum);
}

std::vector<Loglikelihood> loglikelihoods(Context& ctx, const std::vector<int32_t>& context,
                                          const std::vector<std::vector<int32_t>>& continuations) {
  if (context.empty()) throw InputError("loglikelihood: empty context");
  for (const auto& continuation : continuations) {
    if (continuation.empty()) throw InputError("loglikelihood: empty continuation");
    if (context.size() + continuation.size() > static_cast<size_t>(ctx.n_ctx())) {
      throw InputError("context and continuation of " +
                       std::to_string(context.size() + continuation.size()) +
                       " tokens do not fit the context of " + std::to_string(ctx.n_ctx()));
    }
  }
  const int n_vocab = ctx.n_vocab();
  const int kept = ctx.reuse_prefix(context);
  const float* last = ctx.eval(std::vector<int32_t>(context.begin() + kept, context.end()));
  // The row after the context scores every continuation's first token; copied, because
  // evaluating a continuation overwrites the context's logits.
  const std::vector<float> after_context(last, last + n_vocab);
  std::vector<Loglikelihood> out;
  for (const auto& continuation : continuations) {
    Loglikelihood r;
    r.greedy = true;
    auto add = [&](const float* row, int32_t id) {
      r.logprob += log_softmax_at(row, n_vocab, id);
      r.greedy = r.greedy && argmax(row, n_vocab) == id;
    };
    add(after_context.data(), continuation[0]);
    if (continuation.size() > 1) {
      ctx.truncate(static_cast<int>(context.size()));
      const float* rows =
          ctx.eval(std::vector<int32_t>(continuation.begin(), continuation.end() - 1), true);
      for (size_t i = 1; i < continuation.size(); ++i) {
        add(rows + (i - 1) * static_cast<size_t>(n_vocab), continuation[i]);
      }
    }
    out.push_back(r);
  }
  return out;
}

Loglikelihood loglikelihood(Context& ctx, const std::vector<int32_t>& context,
                            const std::vector<int32_t>& continuation) {
  return loglikelihoods(ctx, context, {continuation})[0];
}

}  // namespace ys::engine
