// One sequence being evaluated by a Model: its KV cache, the tokens in it, and the scratch
// buffers of the forward pass (grown once, reused: no allocation per token).
#pragma once

#include <cstdint>
#include <vector>

#include "runners/engine/model.h"
#include "runners/engine/thread_pool.h"

namespace ys::engine {

class Context {
 public:
  // A context of up to `n_ctx` positions for `model`, computing on `pool`. Both must
  // outlive the context. Throws InputError when n_ctx < 1.
  Context(const Model& model, int n_ctx, ThreadPool& pool);

  // Runs the forward pass over `tokens` at the next positions (a batched prefill when
  // there are several) and appends them to the cache. Returns the logits: one row of
  // n_vocab per token when `all_logits`, else the last token's row only. The pointer stays
  // valid until the next call. Throws InputError when the tokens do not fit in n_ctx or an
  // id is out of range.
  const float* eval(const std::vector<int32_t>& tokens, bool all_logits = false);

  // Drops cached positions from `n` on (n <= n_past()).
  void truncate(int n);

  // Keeps the longest cached prefix of `tokens`, but at most tokens.size() - 1 of them so
  // that the last token is evaluated again; returns how many were kept. A prompt sharing a
  // prefix with the previous one (few-shot examples) then evaluates only its new part.
  int reuse_prefix(const std::vector<int32_t>& tokens);

  int n_past() const { return static_cast<int>(tokens_.size()); }
  int n_ctx() const { return n_ctx_; }
  int n_vocab() const { return model_.config().n_vocab; }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  const Model& model() const { return model_; }

 private:
  void attention(int layer, int n_tokens, int pos0);

  const Model& model_;
  ThreadPool& pool_;
  int n_ctx_;
  std::vector<int32_t> tokens_;
  std::vector<float> k_cache_, v_cache_;  // [layer][position][n_kv_heads * head_dim]
  std::vector<float> x_, xb_, q_, k_, v_, att_, gate_, up_, logits_;
  std::vector<float> rope_cos_, rope_sin_;  // [position][rope_dims / 2]
  std::vector<uint8_t> q8_;
};

}  // namespace ys::engine
