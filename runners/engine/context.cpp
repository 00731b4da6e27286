#include "runners/engine/context.h"

#include <algorithm>
#include <cmath>

#include "runners/engine/quant.h"
#include "util/error.h"

namespace ys::engine {
namespace {

// out = x / sqrt(mean(x^2) + eps) * w (RMSNorm, Zhang & Sennrich 2019).
void rms_norm(const float* x, const float* w, float* out, int n, float eps) {
  double ss = 0;
  for (int i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  float scale = static_cast<float>(1.0 / std::sqrt(ss / n + eps));
  for (int i = 0; i < n; ++i) out[i] = x[i] * scale * w[i];
}

void add_bias(float* x, const std::vector<float>& b, int n_tokens) {
  if (b.empty()) return;
  for (int t = 0; t < n_tokens; ++t) {
    for (size_t i = 0; i < b.size(); ++i) x[t * b.size() + i] += b[i];
  }
}

void grow(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

Context::Context(const Model& model, int n_ctx, ThreadPool& pool)
    : model_(model), pool_(pool), n_ctx_(n_ctx) {
  const ModelConfig& c = model.config();
  if (n_ctx < 1) throw InputError("context size must be at least 1, got " + std::to_string(n_ctx));
  size_t kv = static_cast<size_t>(c.n_layers) * n_ctx * c.n_kv_heads * c.head_dim;
  k_cache_.reset(new float[kv]);
  v_cache_.reset(new float[kv]);
  // RoPE angles: position p / scale times base^(-2i/rope_dims) for pair i (Su et al. 2021),
  // divided by the pair's frequency factor if the model has them,
  // computed in double once per context.
  int half = c.rope_dims / 2;
  rope_cos_.resize(static_cast<size_t>(n_ctx) * half);
  rope_sin_.resize(static_cast<size_t>(n_ctx) * half);
  for (int p = 0; p < n_ctx; ++p) {
    for (int i = 0; i < half; ++i) {
      double theta = p / static_cast<double>(c.rope_scale) *
                     std::pow(static_cast<double>(c.rope_base), -2.0 * i / c.rope_dims);
      if (!c.rope_freq_factors.empty()) theta /= c.rope_freq_factors[static_cast<size_t>(i)];
      rope_cos_[static_cast<size_t>(p) * half + i] = static_cast<float>(std::cos(theta));
      rope_sin_[static_cast<size_t>(p) * half + i] = static_cast<float>(std::sin(theta));
    }
  }
  tokens_.reserve(static_cast<size_t>(n_ctx));
}

void Context::truncate(int n) {
  if (n < n_past()) tokens_.resize(static_cast<size_t>(std::max(n, 0)));
}

int Context::reuse_prefix(const std::vector<int32_t>& tokens) {
  size_t keep = 0;
  size_t limit = std::min(tokens_.size(), tokens.empty() ? 0 : tokens.size() - 1);
  while (keep < limit && tokens_[keep] == tokens[keep]) ++keep;
  truncate(static_cast<int>(keep));
  return static_cast<int>(keep);
}

const float* Context::eval(const std::vector<int32_t>& tokens, bool all_logits) {
  Context* self = this;
  return forward(&self, &tokens, 1, all_logits)[0];
}

const std::vector<const float*>& Context::eval_batch(
    const std::vector<Context*>& contexts, const std::vector<std::vector<int32_t>>& tokens,
    bool all_logits) {
  if (contexts.empty() || contexts.size() != tokens.size()) {
    throw InputError("eval_batch: one token list per context is needed");
  }
  return forward(contexts.data(), tokens.data(), contexts.size(), all_logits);
}

const std::vector<const float*>& Context::forward(Context* const* contexts,
                                                  const std::vector<int32_t>* tokens, size_t n_seq,
                                                  bool all_logits) {
  Context& lead = *contexts[0];
  const Model& model = lead.model_;
  const ModelConfig& c = model.config();
  std::vector<Row>& rows = lead.rows_;
  rows.clear();
  for (size_t s = 0; s < n_seq; ++s) {
    Context* ctx = contexts[s];
    const int n = static_cast<int>(tokens[s].size());
    if (&ctx->model_ != &model) throw InputError("eval_batch: contexts of different models");
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
    for (int i = 0; i < n; ++i) rows.push_back({ctx, ctx->n_past() + i});
  }
  const int n = static_cast<int>(rows.size());
  const int dim = c.dim, q_dim = c.n_heads * c.head_dim, kv_dim = c.n_kv_heads * c.head_dim;
  const size_t nn = static_cast<size_t>(n);
  grow(lead.x_, nn * dim);
  grow(lead.xb_, nn * std::max(dim, q_dim));
  grow(lead.q_, nn * q_dim);
  grow(lead.k_, nn * kv_dim);
  grow(lead.v_, nn * kv_dim);
  grow(lead.att_, nn * q_dim);
  grow(lead.gate_, nn * c.ffn_dim);
  grow(lead.up_, nn * c.ffn_dim);
  std::vector<float>&x = lead.x_, &xb = lead.xb_, &gate = lead.gate_, &up = lead.up_;
  ThreadPool& pool = lead.pool_;
  std::vector<uint8_t>& q8 = lead.q8_;

  const WeightMatrix& emb = model.token_embedding();
  const size_t emb_row = row_bytes(emb.type, emb.cols);
  size_t row = 0;
  for (size_t s = 0; s < n_seq; ++s) {
    for (int32_t t : tokens[s]) {
      dequantize_row(emb.type, emb.data + static_cast<size_t>(t) * emb_row, &x[row++ * dim], dim);
    }
    contexts[s]->tokens_.insert(contexts[s]->tokens_.end(), tokens[s].begin(), tokens[s].end());
  }

  for (int li = 0; li < c.n_layers; ++li) {
    const LayerWeights& l = model.layers()[static_cast<size_t>(li)];
    for (int t = 0; t < n; ++t) {
      rms_norm(&x[t * dim], l.attn_norm.data(), &xb[t * dim], dim, c.rms_eps);
    }
    matmul(l.wq, xb.data(), n, lead.q_.data(), pool, q8);
    matmul(l.wk, xb.data(), n, lead.k_.data(), pool, q8);
    matmul(l.wv, xb.data(), n, lead.v_.data(), pool, q8);
    add_bias(lead.q_.data(), l.bq, n);
    add_bias(lead.k_.data(), l.bk, n);
    add_bias(lead.v_.data(), l.bv, n);
    lead.attention(li, rows);
    matmul(l.wo, lead.att_.data(), n, xb.data(), pool, q8);
    for (size_t i = 0; i < nn * dim; ++i) x[i] += xb[i];

    for (int t = 0; t < n; ++t) {
      rms_norm(&x[t * dim], l.ffn_norm.data(), &xb[t * dim], dim, c.rms_eps);
    }
    matmul(l.w_gate, xb.data(), n, gate.data(), pool, q8);
    matmul(l.w_up, xb.data(), n, up.data(), pool, q8);
    for (size_t i = 0; i < nn * c.ffn_dim; ++i) {
      float g = gate[i];
      gate[i] = g / (1.0f + std::exp(-g)) * up[i];  // SwiGLU: silu(gate) * up
    }
    matmul(l.w_down, gate.data(), n, xb.data(), pool, q8);
    for (size_t i = 0; i < nn * dim; ++i) x[i] += xb[i];
  }

  // Final norm and output projection of the rows whose logits are wanted.
  std::vector<size_t>& first_out = lead.first_out_;  // per context: its first output row
  first_out.clear();
  int n_out = 0;
  row = 0;
  for (size_t s = 0; s < n_seq; ++s) {
    const size_t len = tokens[s].size();
    first_out.push_back(static_cast<size_t>(n_out));
    for (size_t i = all_logits ? 0 : len - 1; i < len; ++i) {
      rms_norm(&x[(row + i) * dim], model.output_norm().data(), &xb[n_out++ * dim], dim, c.rms_eps);
    }
    row += len;
  }
  grow(lead.logits_, static_cast<size_t>(n_out) * c.n_vocab);
  matmul(model.output(), xb.data(), n_out, lead.logits_.data(), pool, q8);
  std::vector<const float*>& out = lead.outputs_;
  out.clear();
  for (size_t f : first_out) out.push_back(lead.logits_.data() + f * c.n_vocab);
  return out;
}

// RoPE on the new queries and keys, the keys and values into each row's cache, then causal
// attention of every row over its context's positions up to its own.
void Context::attention(int layer, const std::vector<Row>& rows) {
  const ModelConfig& c = model_.config();
  const int hd = c.head_dim, kv_dim = c.n_kv_heads * hd, q_dim = c.n_heads * hd;
  const int half = c.rope_dims / 2;
  const int n = static_cast<int>(rows.size());
  auto rope = [&](const Context& ctx, float* head, int pos) {
    const float* cs = &ctx.rope_cos_[static_cast<size_t>(pos) * half];
    const float* sn = &ctx.rope_sin_[static_cast<size_t>(pos) * half];
    for (int i = 0; i < half; ++i) {
      int a = c.rope_neox ? i : 2 * i;
      int b = c.rope_neox ? i + half : 2 * i + 1;
      float x0 = head[a], x1 = head[b];
      head[a] = x0 * cs[i] - x1 * sn[i];
      head[b] = x0 * sn[i] + x1 * cs[i];
    }
  };
  auto layer_off = [&](const Context& ctx) {
    return static_cast<size_t>(layer) * ctx.n_ctx_ * kv_dim;
  };
  for (int t = 0; t < n; ++t) {
    Context& ctx = *rows[t].ctx;
    const int pos = rows[t].pos;
    for (int h = 0; h < c.n_heads; ++h) rope(ctx, &q_[t * q_dim + h * hd], pos);
    for (int h = 0; h < c.n_kv_heads; ++h) rope(ctx, &k_[t * kv_dim + h * hd], pos);
    size_t at = layer_off(ctx) + static_cast<size_t>(pos) * kv_dim;
    std::copy_n(&k_[t * kv_dim], kv_dim, &ctx.k_cache_[at]);
    std::copy_n(&v_[t * kv_dim], kv_dim, &ctx.v_cache_[at]);
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int group = c.n_heads / c.n_kv_heads;
  pool_.parallel_for(int64_t{n} * c.n_heads, [&](int64_t i) {
    const int t = static_cast<int>(i / c.n_heads), h = static_cast<int>(i % c.n_heads);
    const Context& ctx = *rows[t].ctx;
    const float* q = &q_[t * q_dim + h * hd];
    float* out = &att_[t * q_dim + h * hd];
    const size_t head_off = layer_off(ctx) + static_cast<size_t>(h / group) * hd;
    // Softmax in one pass (running maximum, rescaled sums; Milakov & Gimelshein 2018).
    float m = -INFINITY, sum = 0;
    std::fill_n(out, hd, 0.0f);
    for (int j = 0; j <= rows[t].pos; ++j) {
      const float* k = &ctx.k_cache_[head_off + static_cast<size_t>(j) * kv_dim];
      float s = 0;
      for (int d = 0; d < hd; ++d) s += q[d] * k[d];
      s *= scale;
      if (s > m) {
        float r = std::exp(m - s);
        sum *= r;
        for (int d = 0; d < hd; ++d) out[d] *= r;
        m = s;
      }
      float w = std::exp(s - m);
      sum += w;
      const float* v = &ctx.v_cache_[head_off + static_cast<size_t>(j) * kv_dim];
      for (int d = 0; d < hd; ++d) out[d] += w * v[d];
    }
    for (int d = 0; d < hd; ++d) out[d] /= sum;
  });
}

}  // namespace ys::engine
