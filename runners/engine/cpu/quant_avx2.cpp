// Compiled with -mavx2 -mfma -mf16c: only intrinsics and plain loops here, no inline
// library templates that could leak AVX2 code into callers on other CPUs.
#include "runners/engine/cpu/quant_avx2.h"

#include <immintrin.h>

#include <cmath>
#include <cstring>

namespace ys::engine::avx2 {
namespace {

float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// Sum over 32 lanes of a[i] * b[i] for signed bytes, as 8 int32 partial sums converted to
// float: |a| times b with a's sign (maddubs takes one unsigned operand).
__m256 dot_i8x32(__m256i a, __m256i b) {
  __m256i ua = _mm256_sign_epi8(a, a);
  __m256i sb = _mm256_sign_epi8(b, a);
  __m256i s16 = _mm256_maddubs_epi16(ua, sb);
  __m256i s32 = _mm256_madd_epi16(s16, _mm256_set1_epi16(1));
  return _mm256_cvtepi32_ps(s32);
}

}  // namespace

bool supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c");
}

float dot_f32(const float* w, const float* x, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), acc1);
  }
  float sum = hsum(_mm256_add_ps(acc0, acc1));
  // Tails as explicit fused multiply-adds, here and in the _x4 kernels, so that a row's
  // product does not depend on which kernel computed it (batching).
  for (; i < n; ++i) sum = std::fma(w[i], x[i], sum);
  return sum;
}

float dot_f16(const uint8_t* w, const float* x, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i)));
    __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i + 16)));
    acc0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + i + 8), acc1);
  }
  float sum = hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum = std::fma(_cvtsh_ss(load_u16(w + 2 * i)), x[i], sum);
  return sum;
}

float dot_bf16(const uint8_t* w, const float* x, int64_t n) {
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i)));
    __m256 wf = _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
    acc = _mm256_fmadd_ps(wf, _mm256_loadu_ps(x + i), acc);
  }
  float sum = hsum(acc);
  for (; i < n; ++i) {
    uint32_t bits = static_cast<uint32_t>(load_u16(w + 2 * i)) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    sum += f * x[i];
  }
  return sum;
}

float dot_q8_0(const uint8_t* w, const uint8_t* xq8, int64_t n, const float* f16_table) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / 32; ++b) {
    const uint8_t* wb = w + b * 34;
    const uint8_t* xb = xq8 + b * 34;
    __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + 2));
    __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb + 2));
    __m256 d = _mm256_set1_ps(f16_table[load_u16(wb)] * f16_table[load_u16(xb)]);
    acc = _mm256_fmadd_ps(d, dot_i8x32(wq, xq), acc);
  }
  return hsum(acc);
}

float dot_q4_0(const uint8_t* w, const uint8_t* xq8, int64_t n, const float* f16_table) {
  __m256 acc = _mm256_setzero_ps();
  const __m128i low4 = _mm_set1_epi8(0x0f);
  const __m256i eight = _mm256_set1_epi8(8);
  for (int64_t b = 0; b < n / 32; ++b) {
    const uint8_t* wb = w + b * 18;
    const uint8_t* xb = xq8 + b * 34;
    // Elements 0..15 are the low nibbles, 16..31 the high nibbles, both offset by 8.
    __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(wb + 2));
    __m128i lo = _mm_and_si128(packed, low4);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(packed, 4), low4);
    __m256i wq = _mm256_sub_epi8(_mm256_set_m128i(hi, lo), eight);
    __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb + 2));
    __m256 d = _mm256_set1_ps(f16_table[load_u16(wb)] * f16_table[load_u16(xb)]);
    acc = _mm256_fmadd_ps(d, dot_i8x32(wq, xq), acc);
  }
  return hsum(acc);
}

// The x4 kernels keep, for each of the four vectors, exactly the accumulators and order of
// additions of the single-vector kernel, so that a token's result does not depend on how
// many tokens share the pass: two 8-wide sums over steps of 16, then a scalar tail.
#define YS_FMA4(acc, wv, i)                                            \
  do {                                                                 \
    acc[0] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x[0] + (i)), acc[0]); \
    acc[1] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x[1] + (i)), acc[1]); \
    acc[2] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x[2] + (i)), acc[2]); \
    acc[3] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x[3] + (i)), acc[3]); \
  } while (0)

void dot_f32_x4(const float* w, const float* const* x, int64_t n, float* out) {
  __m256 lo[4], hi[4];
  for (int k = 0; k < 4; ++k) lo[k] = hi[k] = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 w0 = _mm256_loadu_ps(w + i);
    __m256 w1 = _mm256_loadu_ps(w + i + 8);
    YS_FMA4(lo, w0, i);
    YS_FMA4(hi, w1, i + 8);
  }
  for (int k = 0; k < 4; ++k) {
    float sum = hsum(_mm256_add_ps(lo[k], hi[k]));
    for (int64_t j = i; j < n; ++j) sum = std::fma(w[j], x[k][j], sum);
    out[k] = sum;
  }
}

void dot_f16_x4(const uint8_t* w, const float* const* x, int64_t n, float* out) {
  __m256 lo[4], hi[4];
  for (int k = 0; k < 4; ++k) lo[k] = hi[k] = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i)));
    __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i + 16)));
    YS_FMA4(lo, w0, i);
    YS_FMA4(hi, w1, i + 8);
  }
  for (int k = 0; k < 4; ++k) {
    float sum = hsum(_mm256_add_ps(lo[k], hi[k]));
    for (int64_t j = i; j < n; ++j) sum = std::fma(_cvtsh_ss(load_u16(w + 2 * j)), x[k][j], sum);
    out[k] = sum;
  }
}

#undef YS_FMA4

namespace {

// Integer block products of one weight block `wq` (signed bytes) with four activation
// blocks, accumulated with scale d_w * d_x.
void q8_blocks_x4(__m256i wq, float dw, const uint8_t* const* xq8, int64_t b,
                  const float* f16_table, __m256* acc) {
  __m256i uw = _mm256_sign_epi8(wq, wq);
  for (int k = 0; k < 4; ++k) {
    const uint8_t* xb = xq8[k] + b * 34;
    __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb + 2));
    __m256i s16 = _mm256_maddubs_epi16(uw, _mm256_sign_epi8(xq, wq));
    __m256 p = _mm256_cvtepi32_ps(_mm256_madd_epi16(s16, _mm256_set1_epi16(1)));
    acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * f16_table[load_u16(xb)]), p, acc[k]);
  }
}

}  // namespace

void dot_q8_0_x4(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (int64_t b = 0; b < n / 32; ++b) {
    const uint8_t* wb = w + b * 34;
    __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + 2));
    q8_blocks_x4(wq, f16_table[load_u16(wb)], xq8, b, f16_table, acc);
  }
  for (int k = 0; k < 4; ++k) out[k] = hsum(acc[k]);
}

void dot_q4_0_x4(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  const __m128i low4 = _mm_set1_epi8(0x0f);
  const __m256i eight = _mm256_set1_epi8(8);
  for (int64_t b = 0; b < n / 32; ++b) {
    const uint8_t* wb = w + b * 18;
    __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(wb + 2));
    __m128i lo = _mm_and_si128(packed, low4);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(packed, 4), low4);
    __m256i wq = _mm256_sub_epi8(_mm256_set_m128i(hi, lo), eight);
    q8_blocks_x4(wq, f16_table[load_u16(wb)], xq8, b, f16_table, acc);
  }
  for (int k = 0; k < 4; ++k) out[k] = hsum(acc[k]);
}

// ---- k-quants (layouts in quant.cpp). One template per type serves the single and the
// four-vector kernels: each activation vector goes through exactly the same operations in
// the same order, so the x4 results equal the single ones bit for bit. Integer products per
// 32-value activation block, scaled by the sub-block's integer scale in madd; then one FMA
// per block (two for Q4_K/Q5_K, whose min term has its own float scale dmin).
namespace {

void unpack_scales_mins(const uint8_t* s, uint8_t* scale, uint8_t* min) {
  for (int j = 0; j < 4; ++j) {
    scale[j] = s[j] & 63;
    min[j] = s[j + 4] & 63;
    scale[j + 4] = static_cast<uint8_t>((s[j + 8] & 15) | ((s[j] >> 6) << 4));
    min[j + 4] = static_cast<uint8_t>((s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4));
  }
}

// Q4_K (five = false) or Q5_K (five = true) with K activation vectors.
template <int K, bool five>
void dot_q45_k_n(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out) {
  __m256 acc[K];
  for (int k = 0; k < K; ++k) acc[k] = _mm256_setzero_ps();
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i ones8 = _mm256_set1_epi8(1);
  const __m256i sixteen = _mm256_set1_epi8(16);
  const int64_t bytes = five ? 176 : 144;
  for (int64_t sb = 0; sb < n / 256; ++sb) {
    const uint8_t* blk = w + sb * bytes;
    const float d = f16_table[load_u16(blk)], dmin = f16_table[load_u16(blk + 2)];
    uint8_t scale[8], min[8];
    unpack_scales_mins(blk + 4, scale, min);
    const uint8_t* qs = blk + (five ? 48 : 16);
    __m256i qh = _mm256_setzero_si256();
    if (five) qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 16));
    for (int c = 0; c < 4; ++c) {
      __m256i packed = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * c));
      __m256i q[2] = {_mm256_and_si256(packed, low4),
                      _mm256_and_si256(_mm256_srli_epi16(packed, 4), low4)};
      for (int h = 0; h < 2; ++h) {
        const int j = 2 * c + h;
        if (five) {
          __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << j));
          __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(qh, bit), bit);
          q[h] = _mm256_or_si256(q[h], _mm256_and_si256(set, sixteen));
        }
        const __m256i vs = _mm256_set1_epi16(scale[j]), vm = _mm256_set1_epi16(min[j]);
        for (int k = 0; k < K; ++k) {
          const uint8_t* xb = xq8[k] + (sb * 8 + j) * 34;
          __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb + 2));
          __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(q[h], xq), vs);
          __m256i m = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, xq), vm);
          const float dx = f16_table[load_u16(xb)];
          acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dx * d), _mm256_cvtepi32_ps(p), acc[k]);
          acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(-dx * dmin), _mm256_cvtepi32_ps(m), acc[k]);
        }
      }
    }
  }
  for (int k = 0; k < K; ++k) out[k] = hsum(acc[k]);
}

// Q6_K with K activation vectors. The quants are handled as unsigned 0..63: the product
// with the activations minus 32 times their sum, in 16 bits (|q*x| <= 63*128 per element,
// two per lane: no saturation).
template <int K>
void dot_q6_k_n(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                float* out) {
  __m256 acc[K];
  for (int k = 0; k < K; ++k) acc[k] = _mm256_setzero_ps();
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i three = _mm256_set1_epi8(3);
  const __m256i thirty_two = _mm256_set1_epi8(32);
  for (int64_t sb = 0; sb < n / 256; ++sb) {
    const uint8_t* blk = w + sb * 210;
    const float d = f16_table[load_u16(blk + 208)];
    const auto* sc = reinterpret_cast<const int8_t*>(blk + 192);
    for (int h = 0; h < 2; ++h) {
      __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 64 * h));
      __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 64 * h + 32));
      __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 128 + 32 * h));
      for (int kq = 0; kq < 4; ++kq) {
        __m256i lo = (kq & 1) ? ql1 : ql0;
        if (kq >= 2) lo = _mm256_srli_epi16(lo, 4);
        lo = _mm256_and_si256(lo, low4);
        // Bits 2kq, 2kq+1 of each qh byte; 16-bit shifts, masked within each byte.
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * kq), three);
        __m256i q = _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4));
        const int j = 4 * h + kq;  // activation block within the super-block
        // 16-bit lanes 0..7 hold values 0..15 (scale sc[2j]), lanes 8..15 values 16..31.
        const __m256i vs =
            _mm256_set_m128i(_mm_set1_epi16(sc[2 * j + 1]), _mm_set1_epi16(sc[2 * j]));
        for (int k = 0; k < K; ++k) {
          const uint8_t* xb = xq8[k] + (sb * 8 + j) * 34;
          __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb + 2));
          __m256i s16 =
              _mm256_sub_epi16(_mm256_maddubs_epi16(q, xq), _mm256_maddubs_epi16(thirty_two, xq));
          __m256i p = _mm256_madd_epi16(s16, vs);
          const float dx = f16_table[load_u16(xb)];
          acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dx * d), _mm256_cvtepi32_ps(p), acc[k]);
        }
      }
    }
  }
  for (int k = 0; k < K; ++k) out[k] = hsum(acc[k]);
}

}  // namespace

float dot_q4_k(const uint8_t* w, const uint8_t* xq8, int64_t n, const float* f16_table) {
  float out;
  dot_q45_k_n<1, false>(w, &xq8, n, f16_table, &out);
  return out;
}

float dot_q5_k(const uint8_t* w, const uint8_t* xq8, int64_t n, const float* f16_table) {
  float out;
  dot_q45_k_n<1, true>(w, &xq8, n, f16_table, &out);
  return out;
}

float dot_q6_k(const uint8_t* w, const uint8_t* xq8, int64_t n, const float* f16_table) {
  float out;
  dot_q6_k_n<1>(w, &xq8, n, f16_table, &out);
  return out;
}

void dot_q4_k_x4(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out) {
  dot_q45_k_n<4, false>(w, xq8, n, f16_table, out);
}

void dot_q5_k_x4(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out) {
  dot_q45_k_n<4, true>(w, xq8, n, f16_table, out);
}

void dot_q6_k_x4(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out) {
  dot_q6_k_n<4>(w, xq8, n, f16_table, out);
}

}  // namespace ys::engine::avx2
