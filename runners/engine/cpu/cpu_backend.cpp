// The CPU backend: the reference twin of every other backend (graph/backend.h).
#include <algorithm>
#include <cmath>
#include <vector>

#include "runners/engine/cpu/quant.h"
#include "runners/engine/cpu/vec_exp.h"
#include "runners/engine/graph/backend.h"
#include "runners/engine/graph/model.h"
#include "util/error.h"

namespace ys::engine {
namespace {

// Positions whose scores are exponentiated together in attention (a stack buffer).
constexpr int kAttentionChunk = 64;

struct HostKv : KvStore {
  std::unique_ptr<float[]> k_mem, v_mem;
};

class CpuBackend final : public Backend {
 public:
  CpuBackend(const Model& model, ThreadPool& pool) : model_(model), pool_(pool) {}

  std::string name() const override { return "cpu"; }

  bool can_batch_with(const Backend& other) const override {
    const auto* o = dynamic_cast<const CpuBackend*>(&other);
    return o && &o->model_ == &model_;
  }

  float* scratch(int id, size_t n) override {
    std::vector<float>& v = scratch_[static_cast<size_t>(id)];
    if (v.size() < n) v.resize(n);
    return v.data();
  }

  std::unique_ptr<KvStore> make_kv(int n_blocks, int block_size) override {
    const ModelConfig& c = model_.config();
    auto kv = std::make_unique<HostKv>();
    kv->n_blocks = n_blocks;
    kv->block_size = block_size;
    kv->n_layers = c.n_layers;
    kv->kv_dim = c.n_kv_heads * c.head_dim;
    // Left uninitialized: a position is written before it is read, and pages of positions
    // never reached are never touched.
    const size_t n = kv->offset(n_blocks, 0, 0);
    kv->k_mem.reset(new float[n]);
    kv->v_mem.reset(new float[n]);
    kv->k = kv->k_mem.get();
    kv->v = kv->v_mem.get();
    return kv;
  }

  void copy_kv_block(KvStore& kv, int src, int dst) override {
    const size_t n = kv.offset(1, 0, 0);
    std::copy_n(kv.k + kv.offset(src, 0, 0), n, kv.k + kv.offset(dst, 0, 0));
    std::copy_n(kv.v + kv.offset(src, 0, 0), n, kv.v + kv.offset(dst, 0, 0));
  }

  void embedding(const WeightMatrix& emb, const int32_t* tokens, int n, float* x) override {
    const size_t row = row_bytes(emb.type, emb.cols);
    for (int t = 0; t < n; ++t) {
      dequantize_row(emb.type, emb.data + static_cast<size_t>(tokens[t]) * row, x + t * emb.cols,
                     emb.cols);
    }
  }

  void rms_norm(const float* x, const float* w, int n, int dim, float eps, float* out) override {
    for (int t = 0; t < n; ++t) {
      const float* xt = x + static_cast<size_t>(t) * dim;
      float* o = out + static_cast<size_t>(t) * dim;
      double ss = 0;
      for (int i = 0; i < dim; ++i) ss += static_cast<double>(xt[i]) * xt[i];
      float scale = static_cast<float>(1.0 / std::sqrt(ss / dim + eps));
      for (int i = 0; i < dim; ++i) o[i] = xt[i] * scale * w[i];
    }
  }

  void matmul(const WeightMatrix& w, const float* x, int n, float* y) override {
    engine::matmul(w, x, n, y, pool_, q8_);
  }

  void add_bias(float* x, const float* b, int n, int dim) override {
    for (int t = 0; t < n; ++t) {
      for (int i = 0; i < dim; ++i) x[static_cast<size_t>(t) * dim + i] += b[i];
    }
  }

  void rope(float* x, const int32_t* pos, int n, int n_heads) override {
    const ModelConfig& c = model_.config();
    const int half = c.rope_dims / 2;
    for (int t = 0; t < n; ++t) grow_rope(pos[t] + 1);
    for (int t = 0; t < n; ++t) {
      const float* cs = &rope_cos_[static_cast<size_t>(pos[t]) * half];
      const float* sn = &rope_sin_[static_cast<size_t>(pos[t]) * half];
      for (int h = 0; h < n_heads; ++h) {
        float* head = x + (static_cast<size_t>(t) * n_heads + h) * c.head_dim;
        for (int i = 0; i < half; ++i) {
          int a = c.rope_neox ? i : 2 * i;
          int b = c.rope_neox ? i + half : 2 * i + 1;
          float x0 = head[a], x1 = head[b];
          head[a] = x0 * cs[i] - x1 * sn[i];
          head[b] = x0 * sn[i] + x1 * cs[i];
        }
      }
    }
  }

  void attention(int layer, const float* q_all, const float* k_new, const float* v_new,
                 const AttentionRow* rows, int n, float* out_all) override {
    const ModelConfig& c = model_.config();
    const int hd = c.head_dim, kv_dim = c.n_kv_heads * hd, q_dim = c.n_heads * hd;
    // All new keys and values first: a row of a batched prefill attends to the rows
    // before it.
    for (int t = 0; t < n; ++t) {
      const AttentionRow& r = rows[t];
      const int bs = r.kv->block_size;
      const size_t at = r.kv->offset(r.blocks[r.pos / bs], layer, r.pos % bs);
      std::copy_n(k_new + static_cast<size_t>(t) * kv_dim, kv_dim, r.kv->k + at);
      std::copy_n(v_new + static_cast<size_t>(t) * kv_dim, kv_dim, r.kv->v + at);
    }
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    const int group = c.n_heads / c.n_kv_heads;
    pool_.parallel_for(int64_t{n} * c.n_heads, [&](int64_t i) {
      const int t = static_cast<int>(i / c.n_heads), h = static_cast<int>(i % c.n_heads);
      const AttentionRow& r = rows[t];
      const KvStore& kv = *r.kv;
      const float* q = q_all + static_cast<size_t>(t) * q_dim + h * hd;
      float* out = out_all + static_cast<size_t>(t) * q_dim + h * hd;
      const size_t head_off = static_cast<size_t>(h / group) * hd;
      // Softmax in one pass over chunks of positions (running maximum, rescaled sums;
      // Milakov & Gimelshein 2018): a chunk's scores, then their exps at once (vec_exp.h),
      // so that std::exp runs once per chunk, not once per score.
      float m = -INFINITY, sum = 0;
      float w[kAttentionChunk];
      std::fill_n(out, hd, 0.0f);
      for (int j0 = 0; j0 <= r.pos; j0 += kAttentionChunk) {
        const int len = std::min(kAttentionChunk, r.pos + 1 - j0);
        float chunk_max = -INFINITY;
        for (int j = 0; j < len; ++j) {
          const int p = j0 + j;
          const float* k =
              kv.k + kv.offset(r.blocks[p / kv.block_size], layer, p % kv.block_size) + head_off;
          // The matmul kernel's dot product (AVX2 where present): a plain loop here is one
          // chain of dependent additions, slower than the exps for 64-dim heads.
          w[j] =
              vec_dot(GgmlType::kF32, reinterpret_cast<const uint8_t*>(k), q, nullptr, hd) * scale;
          chunk_max = std::max(chunk_max, w[j]);
        }
        if (chunk_max > m) {
          const float rs = std::exp(m - chunk_max);
          sum *= rs;
          for (int d = 0; d < hd; ++d) out[d] *= rs;
          m = chunk_max;
        }
        exp_shifted(w, len, m);
        for (int j = 0; j < len; ++j) {
          const int p = j0 + j;
          const float* v =
              kv.v + kv.offset(r.blocks[p / kv.block_size], layer, p % kv.block_size) + head_off;
          sum += w[j];
          for (int d = 0; d < hd; ++d) out[d] += w[j] * v[d];
        }
      }
      for (int d = 0; d < hd; ++d) out[d] /= sum;
    });
  }

  void add(float* x, const float* y, size_t n) override {
    for (size_t i = 0; i < n; ++i) x[i] += y[i];
  }

  void swiglu(float* gate, const float* up, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      float g = gate[i];
      gate[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
  }

  const float* to_host(const float* x, size_t) override { return x; }

  void upload(float* dst, const float* src, size_t n) override { std::copy_n(src, n, dst); }

 private:
  // RoPE angles up to position n - 1, computed once.
  void grow_rope(int n) {
    const int half = model_.config().rope_dims / 2;
    int have = static_cast<int>(rope_cos_.size() / static_cast<size_t>(half));
    if (have >= n) return;
    int want = std::max(n, 2 * have);
    rope_cos_.resize(static_cast<size_t>(want) * half);
    rope_sin_.resize(static_cast<size_t>(want) * half);
    rope_angles(model_.config(), have, want, &rope_cos_[static_cast<size_t>(have) * half],
                &rope_sin_[static_cast<size_t>(have) * half]);
  }

  const Model& model_;
  ThreadPool& pool_;
  std::vector<float> scratch_[kScratchSlots];
  std::vector<uint8_t> q8_;
  std::vector<float> rope_cos_, rope_sin_;  // [position][rope_dims / 2]
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const Model& model, ThreadPool& pool) {
  return std::make_unique<CpuBackend>(model, pool);
}

}  // namespace ys::engine
