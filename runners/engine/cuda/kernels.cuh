// Launchers of the CUDA kernels (kernels.cu), used by cuda_backend.cu only. All run on
// `stream`; pointers are device memory unless said otherwise. Shapes as in graph/backend.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace ys::engine::cuda {

// GGUF type numbers (format/ggml_types.h GgmlType) the kernels read.
enum Type : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ8_0 = 8,
  kQ4_K = 12,
  kQ6_K = 14,
  kBF16 = 30
};

// True for the types above.
bool supported(uint32_t type);

// x[t] = row tokens[t] of the [rows, cols] matrix `w` (type, row_bytes per row), as floats.
void embedding(uint32_t type, const uint8_t* w, size_t row_bytes, int64_t cols,
               const int32_t* tokens, int n, float* x, cudaStream_t stream);

// Every row of `w` as bf16 into out ([rows, cols]): the GEMM operand of quantized weights.
void dequantize_bf16(uint32_t type, const uint8_t* w, size_t row_bytes, int64_t rows, int64_t cols,
                     uint16_t* out, cudaStream_t stream);
// n floats to bf16 or f16 (round to nearest even).
void to_bf16(const float* x, size_t n, uint16_t* out, cudaStream_t stream);
void to_f16(const float* x, size_t n, uint16_t* out, cudaStream_t stream);

// y[t][r] = W[r] . x[t] for n <= 8 tokens, W read in its block format (one warp per row).
void matvec(uint32_t type, const uint8_t* w, size_t row_bytes, int64_t rows, int64_t cols,
            const float* x, int n, float* y, cudaStream_t stream);

void rms_norm(const float* x, const float* w, int n, int dim, float eps, float* out,
              cudaStream_t stream);
void add_bias(float* x, const float* b, int n, int dim, cudaStream_t stream);
void add(float* x, const float* y, size_t n, cudaStream_t stream);
void swiglu(float* gate, const float* up, size_t n, cudaStream_t stream);
// cos/sin: [position][rope_dims/2] tables; pos: n device ints.
void rope(float* x, const int32_t* pos, int n, int n_heads, int head_dim, int rope_dims, bool neox,
          const float* cos, const float* sin, cudaStream_t stream);

// One attention row on the device: its KV store (k, v), block size and table, position.
struct AttnRow {
  float* k;
  float* v;
  const int32_t* blocks;  // device
  int block_size;
  int n_layers;
  int pos;
  bool operator==(const AttnRow&) const = default;
};

// Stores the new keys/values of each row into its cache at its position.
void kv_store(const AttnRow* rows, int n, int layer, int kv_dim, const float* k, const float* v,
              cudaStream_t stream);
// Decode attention, split-K: each (row, head) over chunks of `split` positions, partial
// results in `work` (n * n_heads * n_splits * (head_dim + 2) floats), then combined.
void attention_split(const AttnRow* rows, int n, int layer, int n_heads, int n_kv_heads,
                     int head_dim, const float* q, float* out, float* work, int n_splits, int split,
                     cudaStream_t stream);
// Prefill attention: tiles of up to 16 consecutive rows of one sequence (tile_first:
// n_tiles + 1 row offsets, device) share each K/V chunk loaded into shared memory.
void attention_tiled(const AttnRow* rows, const int32_t* tile_first, int n_tiles, int layer,
                     int n_heads, int n_kv_heads, int head_dim, const float* q, float* out,
                     cudaStream_t stream);

// Per-row argmax (lowest id on ties), log-softmax at ids, sampling (cuda_backend.h).
void argmax(const float* logits, int n_rows, int n_vocab, int32_t* out, cudaStream_t stream);
void log_softmax_at(const float* logits, int n_rows, int n_vocab, const int32_t* ids, double* out,
                    cudaStream_t stream);
void sample(const float* logits, int n_rows, int n_vocab, float temperature, int top_k, float top_p,
            const float* u, int32_t* out, cudaStream_t stream);

// dst = src, n floats (bandwidth measurement).
void copy(const float4* src, float4* dst, size_t n, cudaStream_t stream);

}  // namespace ys::engine::cuda
