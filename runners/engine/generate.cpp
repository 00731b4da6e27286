#include "runners/engine/generate.h"

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

Loglikelihood loglikelihood(Context& ctx, const std::vector<int32_t>& context,
                            const std::vector<int32_t>& continuation) {
  if (context.empty()) throw InputError("loglikelihood: empty context");
  std::vector<int32_t> all = context;
  all.insert(all.end(), continuation.begin(), continuation.end());
  // Logits are needed from the last context position on, so keep at most the context
  // minus its last token.
  int kept = std::min(ctx.reuse_prefix(all), static_cast<int>(context.size()) - 1);
  ctx.truncate(kept);
  const float* logits = ctx.eval(std::vector<int32_t>(all.begin() + kept, all.end()), true);
  Loglikelihood r;
  r.greedy = true;
  const int n_vocab = ctx.n_vocab();
  for (size_t i = 0; i < continuation.size(); ++i) {
    // Row of the position just before continuation[i].
    const float* row = logits + (context.size() - 1 + i - static_cast<size_t>(kept)) * n_vocab;
    r.logprob += log_softmax_at(row, n_vocab, continuation[i]);
    r.greedy = r.greedy && argmax(row, n_vocab) == continuation[i];
  }
  return r;
}

}  // namespace ys::engine
