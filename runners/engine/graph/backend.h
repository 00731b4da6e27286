// The seam between the model graph (graph/context.cpp) and the hardware: the operations of
// a llama forward pass over a batch of token rows. The CPU backend (cpu/cpu_backend.h) is
// the reference twin; the CUDA backend (cuda/cuda_backend.h, built when CMake finds the
// CUDA Toolkit) must agree with it within the tolerances its tests document.
//
// Memory: pointers named "device" below are backend memory (host memory for the CPU, GPU
// memory for CUDA) obtained from scratch() or a KvStore; "host" pointers are ordinary
// memory. Weights are referred to by their host views (WeightMatrix, or a model vector's
// data()); a backend that keeps its own copies finds them by that address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "runners/engine/cpu/matmul.h"

namespace ys::engine {

class Model;
struct ModelConfig;

// Key/value storage of a backend, in blocks of `block_size` positions: k and v are each
// [n_blocks][n_layers][block_size][kv_dim] floats of device memory, so that one block
// holds a run of positions for every layer. A sequence's position p is in slot
// p % block_size of block table[p / block_size].
struct KvStore {
  float* k = nullptr;
  float* v = nullptr;
  int n_blocks = 0;
  int block_size = 0;
  int n_layers = 0;
  int kv_dim = 0;
  // Float offset of (block, layer, slot) in k or v.
  size_t offset(int block, int layer, int slot) const {
    return ((static_cast<size_t>(block) * n_layers + layer) * block_size + slot) *
           static_cast<size_t>(kv_dim);
  }
  virtual ~KvStore() = default;
};

// One token row of an attention call: the KV store and block table of its sequence (host
// array of block ids) and its position there. The row attends to positions 0..pos.
struct AttentionRow {
  KvStore* kv = nullptr;
  const int32_t* blocks = nullptr;
  int pos = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "cpu" or "cuda".
  virtual std::string name() const = 0;

  // True when contexts of `other` can be evaluated in one batch by this backend: the same
  // backend, or (CPU) any CPU backend of the same model, whose memory is all host memory.
  virtual bool can_batch_with(const Backend& other) const = 0;

  // Scratch buffer number `id` (0..kScratchSlots-1) of at least `n` floats of device
  // memory, kept and grown between calls: earlier contents are lost when it grows.
  static constexpr int kScratchSlots = 10;
  virtual float* scratch(int id, size_t n) = 0;

  // A KV store of `n_blocks` blocks of `block_size` positions for this backend's model,
  // uninitialized. Throws InputError when it cannot be allocated.
  virtual std::unique_ptr<KvStore> make_kv(int n_blocks, int block_size) = 0;

  // Copies block `src` of `kv` onto block `dst` (all layers, keys and values): the copy of
  // copy-on-write.
  virtual void copy_kv_block(KvStore& kv, int src, int dst) = 0;

  // x[t] = the embedding row of tokens[t] (host ids, already checked in range), t < n;
  // x is [n, dim].
  virtual void embedding(const WeightMatrix& emb, const int32_t* tokens, int n, float* x) = 0;

  // out[t] = x[t] / sqrt(mean(x[t]^2) + eps) * w (RMSNorm, Zhang & Sennrich 2019), for
  // n rows of `dim`; `w` is a host model vector of dim floats. out may not alias x.
  virtual void rms_norm(const float* x, const float* w, int n, int dim, float eps, float* out) = 0;

  // y[t][r] = sum_c W[r][c] x[t][c]: x is [n, w.cols], y is [n, w.rows]. Quantized
  // weights are read in their block format (the CPU quantizes x to Q8_0 for them, see
  // cpu/quant.h vec_dot).
  virtual void matmul(const WeightMatrix& w, const float* x, int n, float* y) = 0;

  // x[t] += b for n rows of `dim`; `b` is a host model vector.
  virtual void add_bias(float* x, const float* b, int n, int dim) = 0;

  // RoPE (Su et al. 2021) in place on n rows of n_heads heads of head_dim: pair i of the
  // first rope_dims dimensions of a head at position pos[t] (host) turns by
  // pos / rope_scale * rope_base^(-2i/rope_dims), divided by the pair's frequency factor
  // when the model has them (Llama 3.1); pairs are (2i, 2i+1), or (i, i + rope_dims/2)
  // for NEOX-style models (Qwen2). Angles are computed in double.
  virtual void rope(float* x, const int32_t* pos, int n, int n_heads) = 0;

  // Writes the new keys k and values v ([n, kv_dim], RoPE applied) of each row into its
  // KV store at its position, then out[t] = causal softmax attention of q[t] ([n, q_dim])
  // over positions 0..rows[t].pos of its sequence, scale 1/sqrt(head_dim), grouped-query
  // heads sharing KV head h / (n_heads / n_kv_heads). `rows` is a host array of n.
  virtual void attention(int layer, const float* q, const float* k, const float* v,
                         const AttentionRow* rows, int n, float* out) = 0;

  // x[i] += y[i] for i < n.
  virtual void add(float* x, const float* y, size_t n) = 0;

  // gate[i] = silu(gate[i]) * up[i] for i < n (SwiGLU, Shazeer 2020).
  virtual void swiglu(float* gate, const float* up, size_t n) = 0;

  // Host view of n floats of device memory at x, valid until the next call of this
  // backend (the CPU returns x itself). Waits for the work queued before.
  virtual const float* to_host(const float* x, size_t n) = 0;

  // Copies n host floats at src to device memory at dst.
  virtual void upload(float* dst, const float* src, size_t n) = 0;
};

// The CPU backend for `model` on `pool`: both must outlive it.
std::unique_ptr<Backend> make_cpu_backend(const Model& model, ThreadPool& pool);

// The RoPE rotation of pair i at position p, for positions from..to-1: cos and sin of
// theta = p / rope_scale * rope_base^(-2i/rope_dims) / freq_factor[i], computed in double,
// written at [(p - from) * rope_dims/2 + i]. Every backend rotates with these values.
void rope_angles(const ModelConfig& config, int from, int to, float* cos_out, float* sin_out);

}  // namespace ys::engine
