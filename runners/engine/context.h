// Sequences being evaluated by a Model: each Context holds one sequence's KV cache and the
// tokens in it; a forward pass runs over the new tokens of one or several contexts at
// once (batched prefill, and batched decoding where every weight is read once for all
// sequences). Scratch buffers grow once and are reused: no allocation per token.
#pragma once

#include <cstdint>
#include <memory>
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
  // valid until the next evaluation of this context. Throws InputError when the tokens do
  // not fit in n_ctx or an id is out of range.
  const float* eval(const std::vector<int32_t>& tokens, bool all_logits = false);

  // One forward pass over several contexts of the same model: appends tokens[i] to
  // contexts[i] (distinct contexts) and returns, for each, its logits as eval() would.
  // The results equal separate eval() calls up to float rounding. The returned vector and
  // pointers stay valid until the next evaluation of contexts[0]. Throws InputError as
  // eval() does.
  static const std::vector<const float*>& eval_batch(
      const std::vector<Context*>& contexts, const std::vector<std::vector<int32_t>>& tokens,
      bool all_logits = false);

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
  // One token of a batch: which context, and its position there.
  struct Row {
    Context* ctx;
    int pos;
  };
  // The forward pass of eval_batch over `n` contexts and their token lists.
  static const std::vector<const float*>& forward(Context* const* contexts,
                                                  const std::vector<int32_t>* tokens, size_t n,
                                                  bool all_logits);
  void attention(int layer, const std::vector<Row>& rows);

  const Model& model_;
  ThreadPool& pool_;
  int n_ctx_;
  std::vector<int32_t> tokens_;
  // [layer][position][n_kv_heads * head_dim], left uninitialized: a position is written
  // before it is read, and pages of positions never reached are never touched.
  std::unique_ptr<float[]> k_cache_, v_cache_;
  std::vector<float> rope_cos_, rope_sin_;  // [position][rope_dims / 2]
  // Scratch of the passes this context leads (contexts[0] of eval_batch).
  std::vector<float> x_, xb_, q_, k_, v_, att_, gate_, up_, logits_;
  std::vector<uint8_t> q8_;
  std::vector<Row> rows_;
  std::vector<size_t> first_out_;
  std::vector<const float*> outputs_;
};

}  // namespace ys::engine
