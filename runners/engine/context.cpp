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
  k_cache_.assign(kv, 0.0f);
  v_cache_.assign(kv, 0.0f);
  // RoPE angles: position p / scale times base^(-2i/rope_dims) for pair i (Su et al. 2021),
  // computed in double once per context.
  int half = c.rope_dims / 2;
  rope_cos_.resize(static_cast<size_t>(n_ctx) * half);
  rope_sin_.resize(static_cast<size_t>(n_ctx) * half);
  for (int p = 0; p < n_ctx; ++p) {
    for (int i = 0; i < half; ++i) {
      double theta = p / static_cast<double>(c.rope_scale) *
                     std::pow(static_cast<double>(c.rope_base), -2.0 * i / c.rope_dims);
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
  const ModelConfig& c = model_.config();
  const int n = static_cast<int>(tokens.size());
  const int pos0 = n_past();
  if (n == 0) throw InputError("eval: no tokens");
  if (pos0 + n > n_ctx_) {
    throw InputError("context full: " + std::to_string(pos0 + n) + " positions needed, " +
                     std::to_string(n_ctx_) + " available");
  }
  for (int32_t t : tokens) {
    if (t < 0 || t >= c.n_vocab)
      throw InputError("token id " + std::to_string(t) + " out of range");
  }
  const int dim = c.dim, q_dim = c.n_heads * c.head_dim, kv_dim = c.n_kv_heads * c.head_dim;
  const size_t nn = static_cast<size_t>(n);
  grow(x_, nn * dim);
  grow(xb_, nn * std::max(dim, q_dim));
  grow(q_, nn * q_dim);
  grow(k_, nn * kv_dim);
  grow(v_, nn * kv_dim);
  grow(att_, nn * q_dim);
  grow(gate_, nn * c.ffn_dim);
  grow(up_, nn * c.ffn_dim);

  const WeightMatrix& emb = model_.token_embedding();
  const size_t emb_row = row_bytes(emb.type, emb.cols);
  for (int t = 0; t < n; ++t) {
    dequantize_row(emb.type, emb.data + static_cast<size_t>(tokens[t]) * emb_row,
                   x_.data() + static_cast<size_t>(t) * dim, dim);
  }
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());

  for (int li = 0; li < c.n_layers; ++li) {
    const LayerWeights& l = model_.layers()[static_cast<size_t>(li)];
    for (int t = 0; t < n; ++t) {
      rms_norm(&x_[t * dim], l.attn_norm.data(), &xb_[t * dim], dim, c.rms_eps);
    }
    matmul(l.wq, xb_.data(), n, q_.data(), pool_, q8_);
    matmul(l.wk, xb_.data(), n, k_.data(), pool_, q8_);
    matmul(l.wv, xb_.data(), n, v_.data(), pool_, q8_);
    add_bias(q_.data(), l.bq, n);
    add_bias(k_.data(), l.bk, n);
    add_bias(v_.data(), l.bv, n);
    attention(li, n, pos0);
    matmul(l.wo, att_.data(), n, xb_.data(), pool_, q8_);
    for (size_t i = 0; i < nn * dim; ++i) x_[i] += xb_[i];

    for (int t = 0; t < n; ++t) {
      rms_norm(&x_[t * dim], l.ffn_norm.data(), &xb_[t * dim], dim, c.rms_eps);
    }
    matmul(l.w_gate, xb_.data(), n, gate_.data(), pool_, q8_);
    matmul(l.w_up, xb_.data(), n, up_.data(), pool_, q8_);
    for (size_t i = 0; i < nn * c.ffn_dim; ++i) {
      float g = gate_[i];
      gate_[i] = g / (1.0f + std::exp(-g)) * up_[i];  // SwiGLU: silu(gate) * up
    }
    matmul(l.w_down, gate_.data(), n, xb_.data(), pool_, q8_);
    for (size_t i = 0; i < nn * dim; ++i) x_[i] += xb_[i];
  }

  const int first = all_logits ? 0 : n - 1;
  const int rows = n - first;
  for (int t = first; t < n; ++t) {
    rms_norm(&x_[t * dim], model_.output_norm().data(), &xb_[(t - first) * dim], dim, c.rms_eps);
  }
  grow(logits_, static_cast<size_t>(rows) * c.n_vocab);
  matmul(model_.output(), xb_.data(), rows, logits_.data(), pool_, q8_);
  return logits_.data();
}

// RoPE on the new queries and keys, the keys and values into the cache, then causal
// attention of every new token over all positions up to its own.
void Context::attention(int layer, int n_tokens, int pos0) {
  const ModelConfig& c = model_.config();
  const int hd = c.head_dim, kv_dim = c.n_kv_heads * hd, q_dim = c.n_heads * hd;
  const int half = c.rope_dims / 2;
  auto rope = [&](float* head, int pos) {
    const float* cs = &rope_cos_[static_cast<size_t>(pos) * half];
    const float* sn = &rope_sin_[static_cast<size_t>(pos) * half];
    for (int i = 0; i < half; ++i) {
      int a = c.rope_neox ? i : 2 * i;
      int b = c.rope_neox ? i + half : 2 * i + 1;
      float x0 = head[a], x1 = head[b];
      head[a] = x0 * cs[i] - x1 * sn[i];
      head[b] = x0 * sn[i] + x1 * cs[i];
    }
  };
  const size_t layer_off = static_cast<size_t>(layer) * n_ctx_ * kv_dim;
  for (int t = 0; t < n_tokens; ++t) {
    for (int h = 0; h < c.n_heads; ++h) rope(&q_[t * q_dim + h * hd], pos0 + t);
    for (int h = 0; h < c.n_kv_heads; ++h) rope(&k_[t * kv_dim + h * hd], pos0 + t);
    size_t at = layer_off + static_cast<size_t>(pos0 + t) * kv_dim;
    std::copy_n(&k_[t * kv_dim], kv_dim, &k_cache_[at]);
    std::copy_n(&v_[t * kv_dim], kv_dim, &v_cache_[at]);
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int group = c.n_heads / c.n_kv_heads;
  pool_.parallel_for(int64_t{n_tokens} * c.n_heads, [&](int64_t i) {
    const int t = static_cast<int>(i / c.n_heads), h = static_cast<int>(i % c.n_heads);
    const float* q = &q_[t * q_dim + h * hd];
    float* out = &att_[t * q_dim + h * hd];
    const size_t head_off = layer_off + static_cast<size_t>(h / group) * hd;
    // Softmax in one pass (running maximum, rescaled sums; Milakov & Gimelshein 2018).
    float m = -INFINITY, sum = 0;
    std::fill_n(out, hd, 0.0f);
    for (int j = 0; j <= pos0 + t; ++j) {
      const float* k = &k_cache_[head_off + static_cast<size_t>(j) * kv_dim];
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
      const float* v = &v_cache_[head_off + static_cast<size_t>(j) * kv_dim];
      for (int d = 0; d < hd; ++d) out[d] += w * v[d];
    }
    for (int d = 0; d < hd; ++d) out[d] /= sum;
  });
}

}  // namespace ys::engine
