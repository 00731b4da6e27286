#include "runners/engine/graph/context.h"

#include <algorithm>

#include "util/error.h"

namespace ys::engine {
namespace {

// Scratch slots of Backend::scratch used by the forward pass.
enum Slot : int { kX, kXb, kQ, kK, kV, kAtt, kGate, kUp, kLogits };

void check_n_ctx(int n_ctx) {
  if (n_ctx < 1) throw InputError("context size must be at least 1, got " + std::to_string(n_ctx));
}

}  // namespace

Context::Context(const Model& model, int n_ctx, ThreadPool& pool)
    : Context(model, n_ctx, *make_cpu_backend(model, pool).release()) {
  own_backend_.reset(backend_);
}

Context::Context(const Model& model, int n_ctx, Backend& backend)
    : model_(model), backend_(&backend), n_ctx_(n_ctx) {
  check_n_ctx(n_ctx);
  own_kv_ = backend.make_kv(1, n_ctx);
  kv_ = own_kv_.get();
  blocks_ = {0};
  tokens_.reserve(static_cast<size_t>(n_ctx));
}

Context::Context(const Model& model, int n_ctx, Backend& backend, KvBlockSource& blocks)
    : model_(model), backend_(&backend), n_ctx_(n_ctx), kv_(&blocks.store()), source_(&blocks) {
  check_n_ctx(n_ctx);
  tokens_.reserve(static_cast<size_t>(n_ctx));
}

Context::~Context() {
  if (source_) release_blocks_from(0);
}

void Context::release_blocks_from(size_t keep) {
  while (blocks_.size() > keep) {
    source_->release(blocks_.back());
    blocks_.pop_back();
  }
}

void Context::truncate(int n) {
  if (n < n_past()) tokens_.resize(static_cast<size_t>(std::max(n, 0)));
  if (source_) {
    const size_t bs = static_cast<size_t>(kv_->block_size);
    release_blocks_from((tokens_.size() + bs - 1) / bs);
  }
}

int Context::reuse_prefix(const std::vector<int32_t>& tokens) {
  size_t keep = 0;
  size_t limit = std::min(tokens_.size(), tokens.empty() ? 0 : tokens.size() - 1);
  while (keep < limit && tokens_[keep] == tokens[keep]) ++keep;
  truncate(static_cast<int>(keep));
  return static_cast<int>(keep);
}

void Context::adopt_prefix(const std::vector<int32_t>& tokens, const std::vector<int32_t>& blocks) {
  if (!source_ || !tokens_.empty()) {
    throw InputError("adopt_prefix: the context must be paged and empty");
  }
  const size_t bs = static_cast<size_t>(kv_->block_size);
  if (blocks.size() != (tokens.size() + bs - 1) / bs || static_cast<int>(tokens.size()) > n_ctx_) {
    throw InputError("adopt_prefix: " + std::to_string(blocks.size()) + " blocks for " +
                     std::to_string(tokens.size()) + " tokens");
  }
  tokens_ = tokens;
  blocks_ = blocks;
}

void Context::reserve_blocks(int n) {
  if (!source_) return;
  const int bs = kv_->block_size;
  const int first = n_past() / bs, last = (n_past() + n - 1) / bs;
  // A partial last block may be shared (an adopted prefix): copy it before writing.
  if (first < static_cast<int>(blocks_.size())) {
    blocks_[static_cast<size_t>(first)] =
        source_->make_writable(blocks_[static_cast<size_t>(first)]);
  }
  while (static_cast<int>(blocks_.size()) <= last) blocks_.push_back(source_->allocate());
}

const float* Context::eval(const std::vector<int32_t>& tokens, bool all_logits) {
  Context* self = this;
  return forward(&self, &tokens, 1, [all_logits](size_t) { return all_logits; })[0];
}

const std::vector<const float*>& Context::eval_batch(
    const std::vector<Context*>& contexts, const std::vector<std::vector<int32_t>>& tokens,
    bool all_logits) {
  if (contexts.empty() || contexts.size() != tokens.size()) {
    throw InputError("eval_batch: one token list per context is needed");
  }
  return forward(contexts.data(), tokens.data(), contexts.size(),
                 [all_logits](size_t) { return all_logits; });
}

const std::vector<const float*>& Context::eval_batch(
    const std::vector<Context*>& contexts, const std::vector<std::vector<int32_t>>& tokens,
    const std::vector<bool>& all_logits) {
  if (contexts.empty() || contexts.size() != tokens.size() ||
      contexts.size() != all_logits.size()) {
    throw InputError("eval_batch: one token list and logits choice per context is needed");
  }
  return forward(contexts.data(), tokens.data(), contexts.size(),
                 [&all_logits](size_t s) { return static_cast<bool>(all_logits[s]); });
}

template <typename AllLogits>
const std::vector<const float*>& Context::forward(Context* const* contexts,
                                                  const std::vector<int32_t>* tokens, size_t n_seq,
                                                  AllLogits all_logits) {
  Context& lead = *contexts[0];
  const Model& model = lead.model_;
  const ModelConfig& c = model.config();
  Backend& be = *lead.backend_;
  for (size_t s = 0; s < n_seq; ++s) {
    Context* ctx = contexts[s];
    const int n = static_cast<int>(tokens[s].size());
    if (&ctx->model_ != &model) throw InputError("eval_batch: contexts of different models");
    if (!be.can_batch_with(*ctx->backend_)) {
      throw InputError("eval_batch: contexts on backends that cannot batch together");
    }
    if (n == 0) throw InputError("eval: no tokens");
    if (ctx->n_past() + n > ctx->n_ctx_) {
      throw InputError("context full: " + std::to_string(ctx->n_past() + n) +
                       " positions needed, " + std::to_string(ctx->n_ctx_) + " available");
    }
    for (int32_t t : tokens[s]) {
      if (t < 0 || t >= c.n_vocab) {
        throw InputError("token id " + std::to_string(t) + " out of range");
      }
    }
    for (size_t r = 0; r < s; ++r) {
      if (contexts[r] == ctx) throw InputError("eval_batch: a context appears twice");
    }
  }
  // Blocks first (this may throw when none are free), then the rows: block tables are
  // stable from here on.
  for (size_t s = 0; s < n_seq; ++s)
    contexts[s]->reserve_blocks(static_cast<int>(tokens[s].size()));
  std::vector<AttentionRow>& rows = lead.rows_;
  std::vector<int32_t>&ids = lead.ids_, &pos = lead.pos_;
  rows.clear();
  ids.clear();
  pos.clear();
  for (size_t s = 0; s < n_seq; ++s) {
    Context* ctx = contexts[s];
    for (size_t i = 0; i < tokens[s].size(); ++i) {
      const int p = ctx->n_past() + static_cast<int>(i);
      rows.push_back({ctx->kv_, ctx->blocks_.data(), p});
      ids.push_back(tokens[s][i]);
      pos.push_back(p);
    }
  }
  const int n = static_cast<int>(rows.size());
  const int dim = c.dim, q_dim = c.n_heads * c.head_dim, kv_dim = c.n_kv_heads * c.head_dim;
  const size_t nn = static_cast<size_t>(n);
  float* x = be.scratch(kX, nn * dim);
  float* xb = be.scratch(kXb, nn * std::max(dim, q_dim));
  float* q = be.scratch(kQ, nn * q_dim);
  float* k = be.scratch(kK, nn * kv_dim);
  float* v = be.scratch(kV, nn * kv_dim);
  float* att = be.scratch(kAtt, nn * q_dim);
  float* gate = be.scratch(kGate, nn * c.ffn_dim);
  float* up = be.scratch(kUp, nn * c.ffn_dim);

  be.embedding(model.token_embedding(), ids.data(), n, x);
  for (size_t s = 0; s < n_seq; ++s) {
    contexts[s]->tokens_.insert(contexts[s]->tokens_.end(), tokens[s].begin(), tokens[s].end());
  }

  for (int li = 0; li < c.n_layers; ++li) {
    const LayerWeights& l = model.layers()[static_cast<size_t>(li)];
    be.rms_norm(x, l.attn_norm.data(), n, dim, c.rms_eps, xb);
    be.matmul(l.wq, xb, n, q);
    be.matmul(l.wk, xb, n, k);
    be.matmul(l.wv, xb, n, v);
    if (!l.bq.empty()) {
      be.add_bias(q, l.bq.data(), n, q_dim);
      be.add_bias(k, l.bk.data(), n, kv_dim);
      be.add_bias(v, l.bv.data(), n, kv_dim);
    }
    be.rope(q, pos.data(), n, c.n_heads);
    be.rope(k, pos.data(), n, c.n_kv_heads);
    be.attention(li, q, k, v, rows.data(), n, att);
    be.matmul(l.wo, att, n, xb);
    be.add(x, xb, nn * dim);

    be.rms_norm(x, l.ffn_norm.data(), n, dim, c.rms_eps, xb);
    be.matmul(l.w_gate, xb, n, gate);
    be.matmul(l.w_up, xb, n, up);
    be.swiglu(gate, up, nn * c.ffn_dim);
    be.matmul(l.w_down, gate, n, xb);
    be.add(x, xb, nn * dim);
  }

  // Final norm and output projection of the rows whose logits are wanted: they are moved
  // together (rows of x, in place) first.
  std::vector<size_t>& first_out = lead.first_out_;  // per context: its first output row
  first_out.clear();
  int n_out = 0;
  size_t row = 0;
  for (size_t s = 0; s < n_seq; ++s) {
    const size_t len = tokens[s].size();
    first_out.push_back(static_cast<size_t>(n_out));
    if (all_logits(s)) {
      be.rms_norm(x + row * dim, model.output_norm().data(), static_cast<int>(len), dim, c.rms_eps,
                  xb + static_cast<size_t>(n_out) * dim);
      n_out += static_cast<int>(len);
    } else {
      be.rms_norm(x + (row + len - 1) * dim, model.output_norm().data(), 1, dim, c.rms_eps,
                  xb + static_cast<size_t>(n_out++) * dim);
    }
    row += len;
  }
  const size_t n_logits = static_cast<size_t>(n_out) * c.n_vocab;
  float* logits = be.scratch(kLogits, n_logits);
  be.matmul(model.output(), xb, n_out, logits);
  const float* host = be.to_host(logits, n_logits);
  std::vector<const float*>& out = lead.outputs_;
  out.clear();
  for (size_t f : first_out) out.push_back(host + f * c.n_vocab);
  return out;
}

}  // namespace ys::engine
