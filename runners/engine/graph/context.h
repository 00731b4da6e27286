// Sequences being evaluated by a Model: each Context holds one sequence's KV cache and the
// tokens in it; a forward pass runs over the new tokens of one or several contexts at
// once (batched prefill, and batched decoding where every weight is read once for all
// sequences). The operations run on a Backend (graph/backend.h); scratch buffers are the
// backend's, grown once and reused: no allocation per token.
//
// The KV cache is either the context's own (one block of n_ctx positions) or paged: blocks
// taken from a KvBlockSource as the sequence grows (batch/kv_blocks.h), possibly shared
// with other sequences that have the same prefix (copy-on-write before a shared block is
// written).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runners/engine/cpu/thread_pool.h"
#include "runners/engine/graph/backend.h"
#include "runners/engine/graph/model.h"

namespace ys::engine {

// Where paged contexts get their KV blocks (implemented by batch/kv_blocks.h BlockAllocator).
class KvBlockSource {
 public:
  virtual ~KvBlockSource() = default;
  // The store the block ids refer to.
  virtual KvStore& store() = 0;
  // A free block, held once by the caller. Throws InputError when none is free.
  virtual int32_t allocate() = 0;
  // Drops the caller's hold on `block`; it is free when nobody holds it.
  virtual void release(int32_t block) = 0;
  // Copy-on-write: `block` itself when the caller is its only holder, else a fresh block
  // holding a copy of it (the caller's hold moves from `block` to the copy).
  virtual int32_t make_writable(int32_t block) = 0;
};

class Context {
 public:
  // A context of up to `n_ctx` positions for `model` with its own KV cache, computing on a
  // CPU backend of its own over `pool`. Both must outlive the context. Throws InputError
  // when n_ctx < 1.
  Context(const Model& model, int n_ctx, ThreadPool& pool);
  // The same on `backend` (of `model`, outliving the context).
  Context(const Model& model, int n_ctx, Backend& backend);
  // A paged context: its KV blocks come from `blocks` (whose store belongs to `backend`)
  // as it grows, and go back when it is truncated or destroyed.
  Context(const Model& model, int n_ctx, Backend& backend, KvBlockSource& blocks);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Runs the forward pass over `tokens` at the next positions (a batched prefill when
  // there are several) and appends them to the cache. Returns the logits: one row of
  // n_vocab per token when `all_logits`, else the last token's row only. The pointer stays
  // valid until the next evaluation of this context. Throws InputError when the tokens do
  // not fit in n_ctx or an id is out of range.
  const float* eval(const std::vector<int32_t>& tokens, bool all_logits = false);

  // One forward pass over several contexts of the same model: appends tokens[i] to
  // contexts[i] (distinct contexts) and returns, for each, its logits as eval() would.
  // The results equal separate eval() calls up to float rounding. The returned vector and
  // pointers stay valid until the next evaluation of contexts[0] or on its backend. The
  // contexts' backends must be able to batch together (Backend::can_batch_with). Throws
  // InputError as eval() does.
  static const std::vector<const float*>& eval_batch(
      const std::vector<Context*>& contexts, const std::vector<std::vector<int32_t>>& tokens,
      bool all_logits = false);
  // The same with all_logits chosen per context (all_logits[i] for contexts[i]), so that
  // loglikelihood continuations (every row) and decoding sequences (the last row) share
  // one pass.
  static const std::vector<const float*>& eval_batch(
      const std::vector<Context*>& contexts, const std::vector<std::vector<int32_t>>& tokens,
      const std::vector<bool>& all_logits);

  // Drops cached positions from `n` on (n <= n_past()).
  void truncate(int n);

  // Keeps the longest cached prefix of `tokens`, but at most tokens.size() - 1 of them so
  // that the last token is evaluated again; returns how many were kept. A prompt sharing a
  // prefix with the previous one (few-shot examples) then evaluates only its new part.
  int reuse_prefix(const std::vector<int32_t>& tokens);

  // A paged context (empty) takes `tokens` and the blocks that hold their keys and values
  // (one per block_size tokens, the last possibly partial), each already held once more for
  // this context by the caller: prefix sharing (batch/prefix_cache.h). Throws InputError
  // for a context that is not paged or not empty, or too few blocks.
  void adopt_prefix(const std::vector<int32_t>& tokens, const std::vector<int32_t>& blocks);

  // The KV block ids of the cached positions (one block for a context with its own cache).
  const std::vector<int32_t>& blocks() const { return blocks_; }
  bool paged() const { return source_ != nullptr; }
  Backend& backend() const { return *backend_; }

  int n_past() const { return static_cast<int>(tokens_.size()); }
  int n_ctx() const { return n_ctx_; }
  int n_vocab() const { return model_.config().n_vocab; }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  const Model& model() const { return model_; }

 private:
  // The forward pass of eval_batch over `n` contexts and their token lists; all rows'
  // logits for context s when all_logits(s).
  template <typename AllLogits>
  static const std::vector<const float*>& forward(Context* const* contexts,
                                                  const std::vector<int32_t>* tokens, size_t n,
                                                  AllLogits all_logits);
  // Paged: blocks for positions up to n_past() + n - 1, the ones to be written writable.
  void reserve_blocks(int n);
  void release_blocks_from(size_t keep);

  const Model& model_;
  std::unique_ptr<Backend> own_backend_;
  Backend* backend_;
  int n_ctx_;
  std::vector<int32_t> tokens_;
  std::unique_ptr<KvStore> own_kv_;  // a context with its own cache: one block of n_ctx
  KvStore* kv_ = nullptr;
  KvBlockSource* source_ = nullptr;  // paged
  std::vector<int32_t> blocks_;
  // Host-side lists of the passes this context leads (contexts[0] of eval_batch).
  std::vector<AttentionRow> rows_;
  std::vector<int32_t> ids_, pos_;
  std::vector<size_t> first_out_;
  std::vector<const float*> outputs_;
};

}  // namespace ys::engine
