// The CUDA kernels of the llama forward pass and of token choice. Block layouts of the
// quantized types are those documented in cpu/quant.cpp and format/ggml_types.h.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cfloat>

#include "runners/engine/cuda/kernels.cuh"

namespace ys::engine::cuda {
namespace {

constexpr int kWarp = 32;

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float f16(const uint8_t* p) {
  return __half2float(__ushort_as_half(static_cast<unsigned short>(p[0] | (p[1] << 8))));
}

__device__ __forceinline__ float bf16(uint16_t h) {
  return __uint_as_float(static_cast<uint32_t>(h) << 16);
}

// ---- weight units: a run of consecutive values of a row that one lane decodes at once ----
// F32/F16/BF16: 8 values; Q8_0, Q4_0: one block of 32; Q4_K: a pair of sub-blocks (64);
// Q6_K: 32 values (two sub-blocks of 16).
template <uint32_t T>
struct Unit;

template <>
struct Unit<kF32> {
  static constexpr int kSize = 8;
  __device__ static void load(const uint8_t* row, int64_t u, int64_t cols, float* v) {
    const float* r = reinterpret_cast<const float*>(row) + u * 8;
    for (int i = 0; i < 8; ++i) v[i] = u * 8 + i < cols ? r[i] : 0.0f;
  }
};

template <>
struct Unit<kF16> {
  static constexpr int kSize = 8;
  __device__ static void load(const uint8_t* row, int64_t u, int64_t cols, float* v) {
    const __half* r = reinterpret_cast<const __half*>(row) + u * 8;
    if (cols % 8 == 0) {
      uint4 raw = *reinterpret_cast<const uint4*>(r);
      const __half* h = reinterpret_cast<const __half*>(&raw);
      for (int i = 0; i < 8; ++i) v[i] = __half2float(h[i]);
    } else {
      for (int i = 0; i < 8; ++i) v[i] = u * 8 + i < cols ? __half2float(r[i]) : 0.0f;
    }
  }
};

template <>
struct Unit<kBF16> {
  static constexpr int kSize = 8;
  __device__ static void load(const uint8_t* row, int64_t u, int64_t cols, float* v) {
    const uint16_t* r = reinterpret_cast<const uint16_t*>(row) + u * 8;
    if (cols % 8 == 0) {
      uint4 raw = *reinterpret_cast<const uint4*>(r);
      const uint16_t* h = reinterpret_cast<const uint16_t*>(&raw);
      for (int i = 0; i < 8; ++i) v[i] = bf16(h[i]);
    } else {
      for (int i = 0; i < 8; ++i) v[i] = u * 8 + i < cols ? bf16(r[i]) : 0.0f;
    }
  }
};

template <>
struct Unit<kQ8_0> {  // {f16 d; int8 q[32]}
  static constexpr int kSize = 32;
  __device__ static void load(const uint8_t* row, int64_t u, int64_t, float* v) {
    const uint8_t* b = row + u * 34;
    const float d = f16(b);
    for (int i = 0; i < 32; ++i) v[i] = d * static_cast<int8_t>(b[2 + i]);
  }
};

template <>
struct Unit<kQ4_0> {  // {f16 d; uint8 q[16]}: low nibbles first, then high, minus 8
  static constexpr int kSize = 32;
  __device__ static void load(const uint8_t* row, int64_t u, int64_t, float* v) {
    const uint8_t* b = row + u * 18;
    const float d = f16(b);
    for (int j = 0; j < 16; ++j) {
      v[j] = d * ((b[2 + j] & 15) - 8);
      v[j + 16] = d * ((b[2 + j] >> 4) - 8);
    }
  }
};

// Q4_K sub-block j's 6-bit scale and min (cpu/quant.cpp unpack_scale_min).
__device__ __forceinline__ void scale_min_k4(const uint8_t* s, int j, int& sc, int& mn) {
  if (j < 4) {
    sc = s[j] & 63;
    mn = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
    mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

template <>
struct Unit<kQ4_K> {  // 144-byte super-blocks of 256; unit c: values 64c .. 64c+63
  static constexpr int kSize = 64;
  __device__ static void load(const uint8_t* row, int64_t u, int64_t, float* v) {
    const uint8_t* b = row + (u / 4) * 144;
    const int c = static_cast<int>(u % 4);
    const float d = f16(b), dmin = f16(b + 2);
    int s0, m0, s1, m1;
    scale_min_k4(b + 4, 2 * c, s0, m0);
    scale_min_k4(b + 4, 2 * c + 1, s1, m1);
    const float d0 = d * s0, o0 = dmin * m0, d1 = d * s1, o1 = dmin * m1;
    const uint8_t* qs = b + 16 + 32 * c;
    for (int l = 0; l < 32; ++l) {
      v[l] = d0 * (qs[l] & 15) - o0;
      v[32 + l] = d1 * (qs[l] >> 4) - o1;
    }
  }
};

template <>
struct Unit<kQ6_K> {  // 210-byte super-blocks of 256; unit 4h+k: values 128h+32k .. +31
  static constexpr int kSize = 32;
  __device__ static void load(const uint8_t* row, int64_t u, int64_t, float* v) {
    const uint8_t* b = row + (u / 8) * 210;
    const int h = static_cast<int>(u % 8) / 4, k = static_cast<int>(u % 4);
    const float d = f16(b + 208);
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
    const uint8_t* ql = b + 64 * h + 32 * (k & 1);
    const uint8_t* qh = b + 128 + 32 * h;
    const int first = 128 * h + 32 * k;
    const float da = d * sc[first / 16], db = d * sc[first / 16 + 1];
    for (int l = 0; l < 32; ++l) {
      int lo = k < 2 ? ql[l] & 15 : ql[l] >> 4;
      int hi = (qh[l] >> (2 * k)) & 3;
      v[l] = (l < 16 ? da : db) * ((lo | (hi << 4)) - 32);
    }
  }
};

template <uint32_t T>
__host__ __device__ int64_t units(int64_t cols) {
  return (cols + Unit<T>::kSize - 1) / Unit<T>::kSize;
}

// ---- matrix-vector: one warp per weight row, NT tokens per weight load ----
template <uint32_t T, int NT>
__global__ void matvec_kernel(const uint8_t* w, size_t row_bytes, int64_t rows, int64_t cols,
                              const float* x, int n, float* y) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * (blockDim.x / kWarp) + threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (r >= rows) return;
  const uint8_t* row = w + r * row_bytes;
  float acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = 0;
  float v[Unit<T>::kSize];
  const int64_t nu = units<T>(cols);
  for (int64_t u = lane; u < nu; u += kWarp) {
    Unit<T>::load(row, u, cols, v);
    const int64_t base = u * Unit<T>::kSize;
    const int64_t rest = cols - base;
    const int len = rest < Unit<T>::kSize ? static_cast<int>(rest) : Unit<T>::kSize;
    for (int t = 0; t < NT; ++t) {
      if (t >= n) break;
      const float* xt = x + t * cols + base;
      float s = 0;
      for (int i = 0; i < Unit<T>::kSize; ++i) {
        if (i < len) s += v[i] * xt[i];
      }
      acc[t] += s;
    }
  }
  for (int t = 0; t < NT && t < n; ++t) {
    float s = warp_sum(acc[t]);
    if (lane == 0) y[t * rows + r] = s;
  }
}

template <uint32_t T>
__global__ void dequant_kernel(const uint8_t* w, size_t row_bytes, int64_t rows, int64_t cols,
                               const int32_t* tokens, float* out_f32, uint16_t* out_bf16) {
  const int64_t nu = units<T>(cols);
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= rows * nu) return;
  const int64_t r = i / nu, u = i % nu;
  const int64_t src = tokens ? tokens[r] : r;
  float v[Unit<T>::kSize];
  Unit<T>::load(w + src * row_bytes, u, cols, v);
  const int64_t base = u * Unit<T>::kSize;
  for (int k = 0; k < Unit<T>::kSize && base + k < cols; ++k) {
    if (out_f32) out_f32[r * cols + base + k] = v[k];
    if (out_bf16) {
      __nv_bfloat16 b = __float2bfloat16_rn(v[k]);
      out_bf16[r * cols + base + k] = *reinterpret_cast<uint16_t*>(&b);
    }
  }
}

template <class F>
void by_type(uint32_t type, F&& f) {
  switch (type) {
    case kF32:
      f.template operator()<kF32>();
      break;
    case kF16:
      f.template operator()<kF16>();
      break;
    case kBF16:
      f.template operator()<kBF16>();
      break;
    case kQ8_0:
      f.template operator()<kQ8_0>();
      break;
    case kQ4_0:
      f.template operator()<kQ4_0>();
      break;
    case kQ4_K:
      f.template operator()<kQ4_K>();
      break;
    case kQ6_K:
      f.template operator()<kQ6_K>();
      break;
    default:
      break;
  }
}

unsigned grid_for(int64_t n, int block) {
  return static_cast<unsigned>((n + block - 1) / block);
}

// ---- elementwise ----
__global__ void rms_norm_kernel(const float* x, const float* w, int dim, float eps, float* out) {
  const float* xr = x + static_cast<int64_t>(blockIdx.x) * dim;
  float* o = out + static_cast<int64_t>(blockIdx.x) * dim;
  __shared__ double part[kWarp];
  double ss = 0;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) ss += static_cast<double>(xr[i]) * xr[i];
  for (int off = kWarp / 2; off > 0; off /= 2) ss += __shfl_xor_sync(0xffffffffu, ss, off);
  if (threadIdx.x % kWarp == 0) part[threadIdx.x / kWarp] = ss;
  __syncthreads();
  if (threadIdx.x == 0) {
    double t = 0;
    for (int i = 0; i < static_cast<int>(blockDim.x / kWarp); ++i) t += part[i];
    part[0] = t;
  }
  __syncthreads();
  const float scale = static_cast<float>(1.0 / sqrt(part[0] / dim + eps));
  for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = xr[i] * scale * w[i];
}

__global__ void add_bias_kernel(float* x, const float* b, int64_t total, int dim) {
  int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < total) x[i] += b[i % dim];
}

__global__ void add_kernel(float* x, const float* y, size_t n) {
  size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) x[i] += y[i];
}

__global__ void swiglu_kernel(float* gate, const float* up, size_t n) {
  size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) {
    float g = gate[i];
    gate[i] = g / (1.0f + expf(-g)) * up[i];
  }
}

__global__ void rope_kernel(float* x, const int32_t* pos, int n, int n_heads, int head_dim,
                            int half, bool neox, const float* cs, const float* sn) {
  int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= static_cast<int64_t>(n) * n_heads * half) return;
  const int p = static_cast<int>(i % half);
  const int64_t th = i / half;  // token * n_heads + head
  const int t = static_cast<int>(th / n_heads);
  float* head = x + th * head_dim;
  const int a = neox ? p : 2 * p, b = neox ? p + half : 2 * p + 1;
  const float c = cs[static_cast<int64_t>(pos[t]) * half + p];
  const float s = sn[static_cast<int64_t>(pos[t]) * half + p];
  const float x0 = head[a], x1 = head[b];
  head[a] = x0 * c - x1 * s;
  head[b] = x0 * s + x1 * c;
}

__global__ void to_half_kernel(const float* x, size_t n, uint16_t* out, bool bf) {
  size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  if (bf) {
    __nv_bfloat16 b = __float2bfloat16_rn(x[i]);
    out[i] = *reinterpret_cast<uint16_t*>(&b);
  } else {
    out[i] = __half_as_ushort(__float2half_rn(x[i]));
  }
}

// ---- attention over paged KV ----
__device__ __forceinline__ int64_t kv_offset(const AttnRow& r, int layer, int j, int kv_dim) {
  return ((static_cast<int64_t>(r.blocks[j / r.block_size]) * r.n_layers + layer) * r.block_size +
          j % r.block_size) *
         kv_dim;
}

__global__ void kv_store_kernel(const AttnRow* rows, int layer, int kv_dim, const float* k,
                                const float* v) {
  const AttnRow r = rows[blockIdx.x];
  const int64_t at = kv_offset(r, layer, r.pos, kv_dim);
  for (int i = threadIdx.x; i < kv_dim; i += blockDim.x) {
    r.k[at + i] = k[static_cast<int64_t>(blockIdx.x) * kv_dim + i];
    r.v[at + i] = v[static_cast<int64_t>(blockIdx.x) * kv_dim + i];
  }
}

constexpr int kMaxPerLane = 8;  // head_dim <= 256

// Block (row*head, split): 4 warps over positions [split*S, min(pos+1, (split+1)*S)), each
// with an online softmax (Milakov & Gimelshein 2018); partial (max, sum, acc) to `work`.
__global__ void attention_split_kernel(const AttnRow* rows, int layer, int n_heads, int n_kv_heads,
                                       int hd, const float* q_all, float* work, int n_splits,
                                       int split) {
  const int rh = blockIdx.x, s = blockIdx.y;
  const int t = rh / n_heads, h = rh % n_heads;
  const AttnRow r = rows[t];
  const int kv_dim = n_kv_heads * hd;
  const int64_t head_off = static_cast<int64_t>(h / (n_heads / n_kv_heads)) * hd;
  const int lane = threadIdx.x % kWarp, wid = threadIdx.x / kWarp, nw = blockDim.x / kWarp;
  const float scale = rsqrtf(static_cast<float>(hd));
  const float* q = q_all + (static_cast<int64_t>(t) * n_heads + h) * hd;
  float qv[kMaxPerLane], acc[kMaxPerLane];
  for (int i = 0; i < kMaxPerLane; ++i) {
    int d = lane + i * kWarp;
    qv[i] = d < hd ? q[d] : 0.0f;
    acc[i] = 0;
  }
  float m = -INFINITY, l = 0;
  const int j0 = s * split, j1 = min(r.pos + 1, (s + 1) * split);
  for (int j = j0 + wid; j < j1; j += nw) {
    const int64_t at = kv_offset(r, layer, j, kv_dim) + head_off;
    float dot = 0;
    for (int i = 0; i < kMaxPerLane; ++i) {
      int d = lane + i * kWarp;
      if (d < hd) dot += qv[i] * r.k[at + d];
    }
    dot = warp_sum(dot) * scale;
    const float m2 = fmaxf(m, dot);
    const float c = expf(m - m2), p = expf(dot - m2);
    l = l * c + p;
    for (int i = 0; i < kMaxPerLane; ++i) {
      int d = lane + i * kWarp;
      acc[i] = acc[i] * c + (d < hd ? p * r.v[at + d] : 0.0f);
    }
    m = m2;
  }
  // Combine the warps.
  __shared__ float sm[4], sl[4];
  __shared__ float sacc[4][kMaxPerLane * kWarp];
  if (lane == 0) {
    sm[wid] = m;
    sl[wid] = l;
  }
  for (int i = 0; i < kMaxPerLane; ++i) sacc[wid][lane + i * kWarp] = acc[i];
  __syncthreads();
  if (wid == 0) {
    float M = -INFINITY;
    for (int w = 0; w < nw; ++w) M = fmaxf(M, sm[w]);
    float L = 0;
    float out[kMaxPerLane] = {};
    for (int w = 0; w < nw; ++w) {
      const float c = sm[w] == -INFINITY ? 0.0f : expf(sm[w] - M);
      L += sl[w] * c;
      for (int i = 0; i < kMaxPerLane; ++i) out[i] += sacc[w][lane + i * kWarp] * c;
    }
    float* wk = work + (static_cast<int64_t>(rh) * n_splits + s) * (hd + 2);
    if (lane == 0) {
      wk[0] = M;
      wk[1] = L;
    }
    for (int i = 0; i < kMaxPerLane; ++i) {
      int d = lane + i * kWarp;
      if (d < hd) wk[2 + d] = out[i];
    }
  }
}

__global__ void attention_combine_kernel(const AttnRow* rows, int n_heads, int hd,
                                         const float* work, int n_splits, int split, float* out) {
  const int rh = blockIdx.x;
  const int used = rows[rh / n_heads].pos / split + 1;  // splits that saw positions
  float M = -INFINITY;
  for (int s = 0; s < used; ++s)
    M = fmaxf(M, work[(static_cast<int64_t>(rh) * n_splits + s) * (hd + 2)]);
  for (int d = threadIdx.x; d < hd; d += blockDim.x) {
    float L = 0, acc = 0;
    for (int s = 0; s < used; ++s) {
      const float* wk = work + (static_cast<int64_t>(rh) * n_splits + s) * (hd + 2);
      const float c = wk[0] == -INFINITY ? 0.0f : expf(wk[0] - M);
      L += wk[1] * c;
      acc += wk[2 + d] * c;
    }
    out[static_cast<int64_t>(rh) * hd + d] = acc / L;
  }
}

constexpr int kTileRows = 16, kChunk = 16;

// Block (tile, head): 4 warps, each owning up to 4 query rows of the tile; K/V chunks of
// kChunk positions are loaded once into shared memory for all 16 rows.
__global__ void attention_tiled_kernel(const AttnRow* rows, const int32_t* tile_first, int layer,
                                       int n_heads, int n_kv_heads, int hd, const float* q_all,
                                       float* out_all) {
  extern __shared__ float smem[];  // K then V chunk: [kChunk][hd] each
  float* ks = smem;
  float* vs = smem + kChunk * hd;
  const int first = tile_first[blockIdx.x], last = tile_first[blockIdx.x + 1];
  const int h = blockIdx.y;
  const int kv_dim = n_kv_heads * hd;
  const int64_t head_off = static_cast<int64_t>(h / (n_heads / n_kv_heads)) * hd;
  const int lane = threadIdx.x % kWarp, wid = threadIdx.x / kWarp;
  const float scale = rsqrtf(static_cast<float>(hd));
  constexpr int kPerWarp = kTileRows / 4;
  float qv[kPerWarp][kMaxPerLane], acc[kPerWarp][kMaxPerLane], m[kPerWarp], l[kPerWarp];
  int pos[kPerWarp];
  for (int a = 0; a < kPerWarp; ++a) {
    const int t = first + wid * kPerWarp + a;
    pos[a] = t < last ? rows[t].pos : -1;
    m[a] = -INFINITY;
    l[a] = 0;
    for (int i = 0; i < kMaxPerLane; ++i) {
      int d = lane + i * kWarp;
      qv[a][i] =
          pos[a] >= 0 && d < hd ? q_all[(static_cast<int64_t>(t) * n_heads + h) * hd + d] : 0.0f;
      acc[a][i] = 0;
    }
  }
  const AttnRow r0 = rows[first];
  const int end = rows[last - 1].pos + 1;  // rows of a tile are consecutive positions
  for (int j0 = 0; j0 < end; j0 += kChunk) {
    __syncthreads();
    for (int e = threadIdx.x; e < kChunk * hd; e += blockDim.x) {
      const int j = j0 + e / hd, d = e % hd;
      if (j < end) {
        const int64_t at = kv_offset(r0, layer, j, kv_dim) + head_off + d;
        ks[e] = r0.k[at];
        vs[e] = r0.v[at];
      }
    }
    __syncthreads();
    for (int jj = 0; jj < kChunk && j0 + jj < end; ++jj) {
      for (int a = 0; a < kPerWarp; ++a) {
        if (j0 + jj > pos[a]) continue;  // causal (and unused rows: pos -1)
        float dot = 0;
        for (int i = 0; i < kMaxPerLane; ++i) {
          int d = lane + i * kWarp;
          if (d < hd) dot += qv[a][i] * ks[jj * hd + d];
        }
        dot = warp_sum(dot) * scale;
        const float m2 = fmaxf(m[a], dot);
        const float c = expf(m[a] - m2), p = expf(dot - m2);
        l[a] = l[a] * c + p;
        for (int i = 0; i < kMaxPerLane; ++i) {
          int d = lane + i * kWarp;
          acc[a][i] = acc[a][i] * c + (d < hd ? p * vs[jj * hd + d] : 0.0f);
        }
        m[a] = m2;
      }
    }
  }
  for (int a = 0; a < kPerWarp; ++a) {
    if (pos[a] < 0) continue;
    const int t = first + wid * kPerWarp + a;
    for (int i = 0; i < kMaxPerLane; ++i) {
      int d = lane + i * kWarp;
      if (d < hd) out_all[(static_cast<int64_t>(t) * n_heads + h) * hd + d] = acc[a][i] / l[a];
    }
  }
}

// ---- token choice: one block of 256 threads per row ----
constexpr int kChoiceThreads = 256;

// Block-wide reduction of v with op; every thread gets the result.
template <class Op>
__device__ float block_reduce(float v, Op op, float* shared) {
  const int lane = threadIdx.x % kWarp, wid = threadIdx.x / kWarp;
  for (int o = kWarp / 2; o > 0; o /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  __syncthreads();
  if (lane == 0) shared[wid] = v;
  __syncthreads();
  float r = shared[0];
  for (int w = 1; w < kChoiceThreads / kWarp; ++w) r = op(r, shared[w]);
  return r;
}

__global__ void argmax_kernel(const float* logits, int n_vocab, int32_t* out) {
  const float* l = logits + static_cast<int64_t>(blockIdx.x) * n_vocab;
  float best = -INFINITY;
  int idx = n_vocab;
  for (int i = threadIdx.x; i < n_vocab; i += blockDim.x) {
    if (l[i] > best) {  // strided: within a thread ids rise, so the first maximum is kept
      best = l[i];
      idx = i;
    }
  }
  __shared__ float sv[kChoiceThreads];
  __shared__ int si[kChoiceThreads];
  sv[threadIdx.x] = best;
  si[threadIdx.x] = idx;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) {
      float ov = sv[threadIdx.x + s];
      int oi = si[threadIdx.x + s];
      if (ov > sv[threadIdx.x] || (ov == sv[threadIdx.x] && oi < si[threadIdx.x])) {
        sv[threadIdx.x] = ov;
        si[threadIdx.x] = oi;
      }
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = si[0] < n_vocab ? si[0] : 0;
}

__global__ void log_softmax_kernel(const float* logits, int n_vocab, const int32_t* ids,
                                   double* out) {
  const float* l = logits + static_cast<int64_t>(blockIdx.x) * n_vocab;
  __shared__ float shared[kChoiceThreads / kWarp];
  __shared__ double dshared[kChoiceThreads];
  float mx = -INFINITY;
  for (int i = threadIdx.x; i < n_vocab; i += blockDim.x) mx = fmaxf(mx, l[i]);
  mx = block_reduce(
      mx, [](float a, float b) { return fmaxf(a, b); }, shared);
  double s = 0;
  for (int i = threadIdx.x; i < n_vocab; i += blockDim.x) s += exp(static_cast<double>(l[i]) - mx);
  dshared[threadIdx.x] = s;
  __syncthreads();
  for (int k = blockDim.x / 2; k > 0; k /= 2) {
    if (threadIdx.x < k) dshared[threadIdx.x] += dshared[threadIdx.x + k];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    out[blockIdx.x] = static_cast<double>(l[ids[blockIdx.x]]) - mx - log(dshared[0]);
  }
}

// Sum over the row of f(logit) for logits >= thr.
template <class F>
__device__ float masked_sum(const float* l, int n, float thr, F f, float* shared) {
  float s = 0;
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    if (l[i] >= thr) s += f(l[i]);
  }
  return block_reduce(
      s, [](float a, float b) { return a + b; }, shared);
}

// Thresholds by bisection on the logit value (40 halvings of [min, max]).
__global__ void sample_kernel(const float* logits, int n_vocab, float temp, int top_k, float top_p,
                              const float* u, int32_t* out) {
  const float* l = logits + static_cast<int64_t>(blockIdx.x) * n_vocab;
  __shared__ float shared[kChoiceThreads / kWarp];
  __shared__ float chunk_sum[kChoiceThreads];
  float mx = -INFINITY, mn = INFINITY;
  for (int i = threadIdx.x; i < n_vocab; i += blockDim.x) {
    mx = fmaxf(mx, l[i]);
    mn = fminf(mn, l[i]);
  }
  mx = block_reduce(
      mx, [](float a, float b) { return fmaxf(a, b); }, shared);
  mn = block_reduce(
      mn, [](float a, float b) { return fminf(a, b); }, shared);
  auto one = [](float) { return 1.0f; };
  auto prob = [mx, temp](float x) { return expf((x - mx) / temp); };
  float thr = mn;
  if (top_k > 0 && top_k < n_vocab) {  // the largest threshold keeping >= k tokens
    float lo = mn, hi = mx;
    for (int it = 0; it < 40; ++it) {
      float mid = 0.5f * (lo + hi);
      if (masked_sum(l, n_vocab, mid, one, shared) >= top_k)
        lo = mid;
      else
        hi = mid;
    }
    thr = lo;
  }
  if (top_p < 1.0f) {  // the largest threshold whose kept mass reaches top_p of the survivors'
    const float total = masked_sum(l, n_vocab, thr, prob, shared);
    float lo = thr, hi = mx;
    for (int it = 0; it < 40; ++it) {
      float mid = 0.5f * (lo + hi);
      if (masked_sum(l, n_vocab, mid, prob, shared) >= top_p * total)
        lo = mid;
      else
        hi = mid;
    }
    thr = lo;
  }
  // Inverse CDF in id order: each thread sums a contiguous chunk.
  const int per = (n_vocab + blockDim.x - 1) / blockDim.x;
  const int c0 = threadIdx.x * per, c1 = min(n_vocab, c0 + per);
  float s = 0;
  for (int i = c0; i < c1; ++i) {
    if (l[i] >= thr) s += prob(l[i]);
  }
  chunk_sum[threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.x == 0) {
    const int nt = static_cast<int>(blockDim.x);
    float total = 0;
    for (int i = 0; i < nt; ++i) total += chunk_sum[i];
    float target = u[blockIdx.x] * total;
    int c = 0;
    for (; c < nt && target >= chunk_sum[c]; ++c) target -= chunk_sum[c];
    int chosen = -1;
    if (c == nt) {  // rounding carried the target past the end: the last kept token
      for (int i = n_vocab - 1; i >= 0 && chosen < 0; --i) {
        if (l[i] >= thr) chosen = i;
      }
    } else {
      int last = -1;
      for (int i = c * per; i < min(n_vocab, (c + 1) * per); ++i) {
        if (l[i] < thr) continue;
        last = i;
        target -= prob(l[i]);
        if (target < 0) {
          chosen = i;
          break;
        }
      }
      if (chosen < 0) chosen = last;
    }
    out[blockIdx.x] = chosen;
  }
}

__global__ void copy_kernel(const float4* src, float4* dst, size_t n) {
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    dst[i] = src[i];
  }
}

}  // namespace

bool supported(uint32_t type) {
  bool ok = false;
  by_type(type, [&]<uint32_t T>() { ok = true; });
  return ok;
}

void embedding(uint32_t type, const uint8_t* w, size_t row_bytes, int64_t cols,
               const int32_t* tokens, int n, float* x, cudaStream_t stream) {
  by_type(type, [&]<uint32_t T>() {
    const int64_t total = n * units<T>(cols);
    dequant_kernel<T>
        <<<grid_for(total, 256), 256, 0, stream>>>(w, row_bytes, n, cols, tokens, x, nullptr);
  });
}

void dequantize_bf16(uint32_t type, const uint8_t* w, size_t row_bytes, int64_t rows, int64_t cols,
                     uint16_t* out, cudaStream_t stream) {
  by_type(type, [&]<uint32_t T>() {
    const int64_t total = rows * units<T>(cols);
    dequant_kernel<T>
        <<<grid_for(total, 256), 256, 0, stream>>>(w, row_bytes, rows, cols, nullptr, nullptr, out);
  });
}

void to_bf16(const float* x, size_t n, uint16_t* out, cudaStream_t stream) {
  to_half_kernel<<<grid_for(static_cast<int64_t>(n), 256), 256, 0, stream>>>(x, n, out, true);
}

void to_f16(const float* x, size_t n, uint16_t* out, cudaStream_t stream) {
  to_half_kernel<<<grid_for(static_cast<int64_t>(n), 256), 256, 0, stream>>>(x, n, out, false);
}

void matvec(uint32_t type, const uint8_t* w, size_t row_bytes, int64_t rows, int64_t cols,
            const float* x, int n, float* y, cudaStream_t stream) {
  const int warps = 4;
  const unsigned grid = grid_for(rows, warps);
  by_type(type, [&]<uint32_t T>() {
    if (n == 1) {
      matvec_kernel<T, 1><<<grid, warps * kWarp, 0, stream>>>(w, row_bytes, rows, cols, x, n, y);
    } else if (n <= 4) {
      matvec_kernel<T, 4><<<grid, warps * kWarp, 0, stream>>>(w, row_bytes, rows, cols, x, n, y);
    } else {
      matvec_kernel<T, 8><<<grid, warps * kWarp, 0, stream>>>(w, row_bytes, rows, cols, x, n, y);
    }
  });
}

void rms_norm(const float* x, const float* w, int n, int dim, float eps, float* out,
              cudaStream_t stream) {
  rms_norm_kernel<<<n, 256, 0, stream>>>(x, w, dim, eps, out);
}

void add_bias(float* x, const float* b, int n, int dim, cudaStream_t stream) {
  const int64_t total = static_cast<int64_t>(n) * dim;
  add_bias_kernel<<<grid_for(total, 256), 256, 0, stream>>>(x, b, total, dim);
}

void add(float* x, const float* y, size_t n, cudaStream_t stream) {
  add_kernel<<<grid_for(static_cast<int64_t>(n), 256), 256, 0, stream>>>(x, y, n);
}

void swiglu(float* gate, const float* up, size_t n, cudaStream_t stream) {
  swiglu_kernel<<<grid_for(static_cast<int64_t>(n), 256), 256, 0, stream>>>(gate, up, n);
}

void rope(float* x, const int32_t* pos, int n, int n_heads, int head_dim, int rope_dims, bool neox,
          const float* cs, const float* sn, cudaStream_t stream) {
  const int half = rope_dims / 2;
  const int64_t total = static_cast<int64_t>(n) * n_heads * half;
  rope_kernel<<<grid_for(total, 256), 256, 0, stream>>>(x, pos, n, n_heads, head_dim, half, neox,
                                                        cs, sn);
}

void kv_store(const AttnRow* rows, int n, int layer, int kv_dim, const float* k, const float* v,
              cudaStream_t stream) {
  kv_store_kernel<<<n, 128, 0, stream>>>(rows, layer, kv_dim, k, v);
}

void attention_split(const AttnRow* rows, int n, int layer, int n_heads, int n_kv_heads,
                     int head_dim, const float* q, float* out, float* work, int n_splits, int split,
                     cudaStream_t stream) {
  dim3 grid(static_cast<unsigned>(n * n_heads), static_cast<unsigned>(n_splits));
  attention_split_kernel<<<grid, 4 * kWarp, 0, stream>>>(rows, layer, n_heads, n_kv_heads, head_dim,
                                                         q, work, n_splits, split);
  attention_combine_kernel<<<n * n_heads, 128, 0, stream>>>(rows, n_heads, head_dim, work, n_splits,
                                                            split, out);
}

void attention_tiled(const AttnRow* rows, const int32_t* tile_first, int n_tiles, int layer,
                     int n_heads, int n_kv_heads, int head_dim, const float* q, float* out,
                     cudaStream_t stream) {
  dim3 grid(static_cast<unsigned>(n_tiles), static_cast<unsigned>(n_heads));
  const size_t shared = 2 * sizeof(float) * kChunk * static_cast<size_t>(head_dim);
  attention_tiled_kernel<<<grid, 4 * kWarp, shared, stream>>>(rows, tile_first, layer, n_heads,
                                                              n_kv_heads, head_dim, q, out);
}

void argmax(const float* logits, int n_rows, int n_vocab, int32_t* out, cudaStream_t stream) {
  argmax_kernel<<<n_rows, kChoiceThreads, 0, stream>>>(logits, n_vocab, out);
}

void log_softmax_at(const float* logits, int n_rows, int n_vocab, const int32_t* ids, double* out,
                    cudaStream_t stream) {
  log_softmax_kernel<<<n_rows, kChoiceThreads, 0, stream>>>(logits, n_vocab, ids, out);
}

void sample(const float* logits, int n_rows, int n_vocab, float temperature, int top_k, float top_p,
            const float* u, int32_t* out, cudaStream_t stream) {
  sample_kernel<<<n_rows, kChoiceThreads, 0, stream>>>(logits, n_vocab, temperature, top_k, top_p,
                                                       u, out);
}

void copy(const float4* src, float4* dst, size_t n, cudaStream_t stream) {
  copy_kernel<<<1024, 256, 0, stream>>>(src, dst, n);
}

}  // namespace ys::engine::cuda
