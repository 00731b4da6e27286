#include "runners/engine/cpu/quant.h"

#ifdef YS_ENGINE_AVX2
#include "runners/engine/cpu/quant_avx2.h"
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>

namespace ys::engine {
namespace {

constexpr int kBlock = static_cast<int>(kQuantBlock);

uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

void store_u16(uint8_t* p, uint16_t v) {
  std::memcpy(p, &v, 2);
}

float compute_f16_to_f32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (mant << 13);  // inf or NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);  // rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal half: normalize
    int e = -1;
    do {
      mant <<= 1;
      ++e;
    } while ((mant & 0x400) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mant & 0x3ff) << 13);
  }
  return std::bit_cast<float>(bits);
}

// All 65536 half values as floats: conversion is a table lookup in the kernels.
const std::array<float, 65536>& f16_table() {
  static const auto* table = [] {
    auto* t = new std::array<float, 65536>;
    for (uint32_t i = 0; i < 65536; ++i) (*t)[i] = compute_f16_to_f32(static_cast<uint16_t>(i));
    return t;
  }();
  return *table;
}

}  // namespace

float f16_to_f32(uint16_t h) {
  return f16_table()[h];
}

uint16_t f32_to_f16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  uint32_t abs = x & 0x7fffffff;
  if (abs > 0x7f800000) return sign | 0x7e00;               // NaN
  if (abs >= 0x477ff000) return sign | 0x7c00;              // rounds to >= 65520: infinity
  if (abs >= 0x38800000) {                                  // normal half
    uint32_t mant_round = abs + 0xfff + ((abs >> 13) & 1);  // round to nearest even
    return sign | static_cast<uint16_t>((mant_round - 0x38000000) >> 13);
  }
  if (abs < 0x33000000) return sign;  // below half the smallest subnormal
  // Subnormal half: value = m * 2^-24 with m in [1, 1023].
  uint32_t exp = abs >> 23;
  uint32_t mant = (abs & 0x7fffff) | 0x800000;
  uint32_t shift = 126 - exp;  // places to shift the 24-bit mantissa to get units of 2^-24
  uint32_t q = mant >> shift;
  uint32_t rem = mant & ((1u << shift) - 1);
  uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) ++q;
  return sign | static_cast<uint16_t>(q);
}

float bf16_to_f32(uint16_t h) {
  return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
}

uint16_t f32_to_bf16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
  return static_cast<uint16_t>((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

// ---- k-quants: super-blocks of kSuperBlock = 256 values (ggml's QK_K) ----
//
// Format facts, learnt from ggml's block_q4_K / block_q5_K / block_q6_K declarations and its
// dequantize_row_q{4,5,6}_K and get_scale_min_k4 (ggml-quants.c); the code here is our own.
// All multi-byte fields little-endian.
// Q4_K (144 bytes): f16 d @0, f16 dmin @2, scales[12] @4, qs[128] @16. Eight sub-blocks of
//   32 values; sub-block j has a 6-bit scale s_j and a 6-bit min m_j packed in scales[]:
//     j < 4:  s_j = scales[j] & 63,                          m_j = scales[j+4] & 63
//     j >= 4: s_j = (scales[j+4] & 15) | (scales[j-4] >> 6) << 4,
//             m_j = (scales[j+4] >> 4) | (scales[j]   >> 6) << 4
//   (bytes 0-3: s_0..3 plus the top bits of s_4..7; bytes 4-7: m_0..3 plus the top bits of
//   m_4..7; bytes 8-11: the low nibbles of s_4..7 and, above them, of m_4..7).
//   For c = 0..3 and l < 32, value 64c+l (sub-block 2c) is the low nibble of qs[32c+l] and
//   value 64c+32+l (sub-block 2c+1) its high nibble; x = d*s_j*q - dmin*m_j.
// Q5_K (176 bytes): d @0, dmin @2, scales[12] @4 as Q4_K, qh[32] @16, qs[128] @48 as Q4_K's
//   nibbles; the fifth bit of value 64c+l is bit 2c of qh[l], of value 64c+32+l bit 2c+1 of
//   qh[l] (q in 0..31); x = d*s_j*q - dmin*m_j.
// Q6_K (210 bytes): ql[128] @0, qh[64] @128, int8 scales[16] @192, f16 d @208. Two halves
//   h = 0, 1 of 128 values use ql[64h..64h+63] and qh[32h..32h+31]: for k = 0..3 and l < 32,
//   value v = 128h + 32k + l has its low 4 bits in ql[64h + 32*(k & 1) + l] (the low nibble
//   for k < 2, the high one for k >= 2) and its top 2 bits in (qh[32h + l] >> 2k) & 3;
//   q = those 6 bits - 32 and x = d * scales[v / 16] * q (sixteen sub-blocks of 16).
namespace {

constexpr int kSuper = static_cast<int>(kSuperBlock);

// One super-block unpacked: quants (Q4_K/Q5_K: 0..31; Q6_K: -32..31) and per-sub-block
// integer scales (8 of 32 values, or 16 of 16 for Q6_K) and mins (Q4_K/Q5_K).
struct KBlock {
  float d = 0, dmin = 0;
  int8_t q[kSuper];
  int scale[16];
  int min[8];
};

void unpack_scale_min(const uint8_t* s, int j, int& scale, int& min) {
  if (j < 4) {
    scale = s[j] & 63;
    min = s[j + 4] & 63;
  } else {
    scale = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
    min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

void pack_scale_min(uint8_t* s, int j, int scale, int min) {
  if (j < 4) {
    s[j] = static_cast<uint8_t>((s[j] & 0xc0) | scale);
    s[j + 4] = static_cast<uint8_t>((s[j + 4] & 0xc0) | min);
  } else {
    s[j + 4] = static_cast<uint8_t>((scale & 15) | ((min & 15) << 4));
    s[j - 4] = static_cast<uint8_t>(s[j - 4] | ((scale >> 4) << 6));
    s[j] = static_cast<uint8_t>(s[j] | ((min >> 4) << 6));
  }
}

void decode_k(GgmlType type, const uint8_t* blk, KBlock& out) {
  if (type == GgmlType::kQ6_K) {
    out.d = f16_to_f32(load_u16(blk + 208));
    const auto* sc = reinterpret_cast<const int8_t*>(blk + 192);
    for (int j = 0; j < 16; ++j) out.scale[j] = sc[j];
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = blk + 64 * h;
      const uint8_t* qh = blk + 128 + 32 * h;
      for (int k = 0; k < 4; ++k) {
        for (int l = 0; l < 32; ++l) {
          int lo = ql[32 * (k & 1) + l];
          lo = k < 2 ? lo & 15 : lo >> 4;
          int hi = (qh[l] >> (2 * k)) & 3;
          out.q[128 * h + 32 * k + l] = static_cast<int8_t>((lo | (hi << 4)) - 32);
        }
      }
    }
    return;
  }
  out.d = f16_to_f32(load_u16(blk));
  out.dmin = f16_to_f32(load_u16(blk + 2));
  for (int j = 0; j < 8; ++j) unpack_scale_min(blk + 4, j, out.scale[j], out.min[j]);
  const bool five = type == GgmlType::kQ5_K;
  const uint8_t* qh = blk + 16;
  const uint8_t* qs = blk + (five ? 48 : 16);
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      int lo = qs[32 * c + l] & 15, hi = qs[32 * c + l] >> 4;
      if (five) {
        lo |= ((qh[l] >> (2 * c)) & 1) << 4;
        hi |= ((qh[l] >> (2 * c + 1)) & 1) << 4;
      }
      out.q[64 * c + l] = static_cast<int8_t>(lo);
      out.q[64 * c + 32 + l] = static_cast<int8_t>(hi);
    }
  }
}

void dequantize_k(GgmlType type, const uint8_t* src, float* dst, int64_t n) {
  KBlock kb;
  for (int64_t b = 0; b < n / kSuper; ++b) {
    decode_k(type, src + b * static_cast<int64_t>(block_bytes(type)), kb);
    float* y = dst + b * kSuper;
    if (type == GgmlType::kQ6_K) {
      for (int v = 0; v < kSuper; ++v) y[v] = kb.d * static_cast<float>(kb.scale[v / 16]) * kb.q[v];
    } else {
      for (int v = 0; v < kSuper; ++v) {
        float scale = kb.d * static_cast<float>(kb.scale[v / 32]);
        float min = kb.dmin * static_cast<float>(kb.min[v / 32]);
        y[v] = scale * kb.q[v] - min;
      }
    }
  }
}

int nearest(float x) {
  return static_cast<int>(std::lround(x));
}

// Q4_K (nmax 15) or Q5_K (nmax 31): per sub-block of 32, the range [min(0, lo), hi] over
// nmax steps; the sub-block scales and mins are then coded as 6-bit multiples of d = max
// scale / 63 and dmin = max min / 63, and the quants rounded against the coded values.
void quantize_q45_k(const float* x, uint8_t* blk, int nmax) {
  float scale[8], min[8], max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    float lo = 0, hi = x[32 * j];
    for (int i = 0; i < 32; ++i) {
      lo = std::min(lo, x[32 * j + i]);
      hi = std::max(hi, x[32 * j + i]);
    }
    scale[j] = (hi - lo) / static_cast<float>(nmax);
    min[j] = -lo;
    max_scale = std::max(max_scale, scale[j]);
    max_min = std::max(max_min, min[j]);
  }
  store_u16(blk, f32_to_f16(max_scale / 63));
  store_u16(blk + 2, f32_to_f16(max_min / 63));
  const float d = f16_to_f32(load_u16(blk)), dmin = f16_to_f32(load_u16(blk + 2));
  std::memset(blk + 4, 0, 12);
  uint8_t q[kSuper];
  for (int j = 0; j < 8; ++j) {
    int s = d > 0 ? std::clamp(nearest(scale[j] / d), 0, 63) : 0;
    int m = dmin > 0 ? std::clamp(nearest(min[j] / dmin), 0, 63) : 0;
    pack_scale_min(blk + 4, j, s, m);
    const float step = d * static_cast<float>(s), offset = dmin * static_cast<float>(m);
    for (int i = 0; i < 32; ++i) {
      int v = step > 0 ? nearest((x[32 * j + i] + offset) / step) : 0;
      q[32 * j + i] = static_cast<uint8_t>(std::clamp(v, 0, nmax));
    }
  }
  const bool five = nmax == 31;
  uint8_t* qh = blk + 16;
  uint8_t* qs = blk + (five ? 48 : 16);
  if (five) std::memset(qh, 0, 32);
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      uint8_t lo = q[64 * c + l], hi = q[64 * c + 32 + l];
      qs[32 * c + l] = static_cast<uint8_t>((lo & 15) | ((hi & 15) << 4));
      if (five)
        qh[l] = static_cast<uint8_t>(qh[l] | ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
    }
  }
}

// Q6_K: per sub-block of 16, the element of largest magnitude maps to -32 (as Q4_0 does);
// the sixteen scales are coded as int8 multiples of d = max |scale| / 127.
void quantize_q6_k(const float* x, uint8_t* blk) {
  float scale[16], max_scale = 0;
  for (int j = 0; j < 16; ++j) {
    float m = 0;
    for (int i = 0; i < 16; ++i) {
      if (std::fabs(x[16 * j + i]) > std::fabs(m)) m = x[16 * j + i];
    }
    scale[j] = m / -32.0f;
    max_scale = std::max(max_scale, std::fabs(scale[j]));
  }
  store_u16(blk + 208, f32_to_f16(max_scale / 127));
  const float d = f16_to_f32(load_u16(blk + 208));
  uint8_t q[kSuper];
  for (int j = 0; j < 16; ++j) {
    int s = d > 0 ? std::clamp(nearest(scale[j] / d), -128, 127) : 0;
    blk[192 + j] = static_cast<uint8_t>(static_cast<int8_t>(s));
    const float step = d * static_cast<float>(s);
    for (int i = 0; i < 16; ++i) {
      int v = step != 0 ? nearest(x[16 * j + i] / step) : 0;
      q[16 * j + i] = static_cast<uint8_t>(std::clamp(v, -32, 31) + 32);
    }
  }
  std::memset(blk + 128, 0, 64);
  for (int h = 0; h < 2; ++h) {
    uint8_t* ql = blk + 64 * h;
    uint8_t* qh = blk + 128 + 32 * h;
    for (int l = 0; l < 32; ++l) {
      const uint8_t* v = q + 128 * h + l;  // v[32k] for k = 0..3
      ql[l] = static_cast<uint8_t>((v[0] & 15) | ((v[64] & 15) << 4));
      ql[32 + l] = static_cast<uint8_t>((v[32] & 15) | ((v[96] & 15) << 4));
      qh[l] = static_cast<uint8_t>((v[0] >> 4) | ((v[32] >> 4) << 2) | ((v[64] >> 4) << 4) |
                                   ((v[96] >> 4) << 6));
    }
  }
}

// A k-quant row against Q8_0 activations: each 32-value activation block meets one Q4_K /
// Q5_K sub-block (scale s, min m): dx * (d * s * sum(q*xq) - dmin * m * sum(xq)), or two
// Q6_K sub-blocks: dx * d * (s_a * sum_a(q*xq) + s_b * sum_b(q*xq)); sums in integers.
float dot_k_reference(GgmlType type, const uint8_t* row, const uint8_t* xq8, int64_t n) {
  KBlock kb;
  float sum = 0;
  const size_t bytes = block_bytes(type);
  for (int64_t sb = 0; sb < n / kSuper; ++sb) {
    decode_k(type, row + sb * static_cast<int64_t>(bytes), kb);
    for (int j = 0; j < 8; ++j) {
      const uint8_t* xb = xq8 + (sb * 8 + j) * 34;
      const auto* xq = reinterpret_cast<const int8_t*>(xb + 2);
      const int8_t* q = kb.q + 32 * j;
      const float dx = f16_to_f32(load_u16(xb));
      if (type == GgmlType::kQ6_K) {
        int32_t a = 0, b = 0;
        for (int i = 0; i < 16; ++i) a += q[i] * xq[i];
        for (int i = 16; i < 32; ++i) b += q[i] * xq[i];
        sum += dx * kb.d * static_cast<float>(kb.scale[2 * j] * a + kb.scale[2 * j + 1] * b);
      } else {
        int32_t qx = 0, xs = 0;
        for (int i = 0; i < 32; ++i) {
          qx += q[i] * xq[i];
          xs += xq[i];
        }
        sum += dx * kb.d * static_cast<float>(kb.scale[j] * qx) -
               dx * kb.dmin * static_cast<float>(kb.min[j] * xs);
      }
    }
  }
  return sum;
}

}  // namespace

void dequantize_row(GgmlType type, const uint8_t* src, float* dst, int64_t n) {
  switch (type) {
    case GgmlType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * 4);
      return;
    case GgmlType::kF16: {
      const auto& t = f16_table();
      for (int64_t i = 0; i < n; ++i) dst[i] = t[load_u16(src + 2 * i)];
      return;
    }
    case GgmlType::kBF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(load_u16(src + 2 * i));
      return;
    case GgmlType::kQ8_0:
      for (int64_t b = 0; b < n / kBlock; ++b) {
        const uint8_t* blk = src + b * 34;
        float d = f16_to_f32(load_u16(blk));
        const auto* q = reinterpret_cast<const int8_t*>(blk + 2);
        for (int j = 0; j < kBlock; ++j) dst[b * kBlock + j] = d * q[j];
      }
      return;
    case GgmlType::kQ4_0:
      for (int64_t b = 0; b < n / kBlock; ++b) {
        const uint8_t* blk = src + b * 18;
        float d = f16_to_f32(load_u16(blk));
        for (int j = 0; j < kBlock / 2; ++j) {
          dst[b * kBlock + j] = d * ((blk[2 + j] & 0x0f) - 8);
          dst[b * kBlock + j + kBlock / 2] = d * ((blk[2 + j] >> 4) - 8);
        }
      }
      return;
    case GgmlType::kQ4_K:
    case GgmlType::kQ5_K:
    case GgmlType::kQ6_K:
      dequantize_k(type, src, dst, n);
      return;
  }
}

void quantize_q8_0(const float* src, uint8_t* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float* x = src + b * kBlock;
    float amax = 0;
    for (int j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
    float d = amax / 127.0f;
    float id = d != 0 ? 1.0f / d : 0.0f;
    uint8_t* blk = out + b * 34;
    store_u16(blk, f32_to_f16(d));
    auto* q = reinterpret_cast<int8_t*>(blk + 2);
    for (int j = 0; j < kBlock; ++j) q[j] = static_cast<int8_t>(std::lround(x[j] * id));
  }
}

std::vector<uint8_t> quantize_row(GgmlType type, const float* src, int64_t n) {
  std::vector<uint8_t> out(row_bytes(type, n));
  switch (type) {
    case GgmlType::kF32:
      std::memcpy(out.data(), src, out.size());
      break;
    case GgmlType::kF16:
      for (int64_t i = 0; i < n; ++i) store_u16(out.data() + 2 * i, f32_to_f16(src[i]));
      break;
    case GgmlType::kBF16:
      for (int64_t i = 0; i < n; ++i) store_u16(out.data() + 2 * i, f32_to_bf16(src[i]));
      break;
    case GgmlType::kQ8_0:
      quantize_q8_0(src, out.data(), n);
      break;
    case GgmlType::kQ4_0:
      for (int64_t b = 0; b < n / kBlock; ++b) {
        const float* x = src + b * kBlock;
        float m = 0;
        for (int j = 0; j < kBlock; ++j) {
          if (std::fabs(x[j]) > std::fabs(m)) m = x[j];
        }
        float d = m / -8.0f;
        float id = d != 0 ? 1.0f / d : 0.0f;
        uint8_t* blk = out.data() + b * 18;
        store_u16(blk, f32_to_f16(d));
        for (int j = 0; j < kBlock / 2; ++j) {
          auto lo = static_cast<uint8_t>(std::min(15, static_cast<int>(x[j] * id + 8.5f)));
          auto hi =
              static_cast<uint8_t>(std::min(15, static_cast<int>(x[j + kBlock / 2] * id + 8.5f)));
          blk[2 + j] = static_cast<uint8_t>(lo | (hi << 4));
        }
      }
      break;
    case GgmlType::kQ4_K:
    case GgmlType::kQ5_K:
    case GgmlType::kQ6_K: {
      const size_t bytes = block_bytes(type);
      for (int64_t b = 0; b < n / kSuper; ++b) {
        uint8_t* blk = out.data() + static_cast<size_t>(b) * bytes;
        if (type == GgmlType::kQ6_K) {
          quantize_q6_k(src + b * kSuper, blk);
        } else {
          quantize_q45_k(src + b * kSuper, blk, type == GgmlType::kQ4_K ? 15 : 31);
        }
      }
      break;
    }
  }
  return out;
}

float vec_dot_reference(GgmlType type, const uint8_t* row, const float* x, const uint8_t* xq8,
                        int64_t n) {
  switch (type) {
    case GgmlType::kF32: {
      // Eight partial sums: the loop vectorizes without reassociating a single sum.
      float acc[8] = {};
      const auto* w = reinterpret_cast<const float*>(row);
      int64_t i = 0;
      for (; i + 8 <= n; i += 8) {
        for (int k = 0; k < 8; ++k) acc[k] += w[i + k] * x[i + k];
      }
      float sum = 0;
      for (; i < n; ++i) sum += w[i] * x[i];
      for (float a : acc) sum += a;
      return sum;
    }
    case GgmlType::kF16: {
      const auto& t = f16_table();
      float acc[8] = {};
      int64_t i = 0;
      for (; i + 8 <= n; i += 8) {
        for (int k = 0; k < 8; ++k) acc[k] += t[load_u16(row + 2 * (i + k))] * x[i + k];
      }
      float sum = 0;
      for (; i < n; ++i) sum += t[load_u16(row + 2 * i)] * x[i];
      for (float a : acc) sum += a;
      return sum;
    }
    case GgmlType::kBF16: {
      float sum = 0;
      for (int64_t i = 0; i < n; ++i) sum += bf16_to_f32(load_u16(row + 2 * i)) * x[i];
      return sum;
    }
    case GgmlType::kQ8_0: {
      float sum = 0;
      for (int64_t b = 0; b < n / kBlock; ++b) {
        const uint8_t* wb = row + b * 34;
        const uint8_t* xb = xq8 + b * 34;
        const auto* wq = reinterpret_cast<const int8_t*>(wb + 2);
        const auto* xq = reinterpret_cast<const int8_t*>(xb + 2);
        int32_t isum = 0;
        for (int j = 0; j < kBlock; ++j) isum += wq[j] * xq[j];
        sum += f16_to_f32(load_u16(wb)) * f16_to_f32(load_u16(xb)) * static_cast<float>(isum);
      }
      return sum;
    }
    case GgmlType::kQ4_0: {
      float sum = 0;
      for (int64_t b = 0; b < n / kBlock; ++b) {
        const uint8_t* wb = row + b * 18;
        const uint8_t* xb = xq8 + b * 34;
        const auto* xq = reinterpret_cast<const int8_t*>(xb + 2);
        int32_t isum = 0;
        for (int j = 0; j < kBlock / 2; ++j) {
          isum += ((wb[2 + j] & 0x0f) - 8) * xq[j];
          isum += ((wb[2 + j] >> 4) - 8) * xq[j + kBlock / 2];
        }
        sum += f16_to_f32(load_u16(wb)) * f16_to_f32(load_u16(xb)) * static_cast<float>(isum);
      }
      return sum;
    }
    case GgmlType::kQ4_K:
    case GgmlType::kQ5_K:
    case GgmlType::kQ6_K:
      return dot_k_reference(type, row, xq8, n);
  }
  return 0;
}

float vec_dot(GgmlType type, const uint8_t* row, const float* x, const uint8_t* xq8, int64_t n) {
#ifdef YS_ENGINE_AVX2
  static const bool has_avx2 = avx2::supported();
  if (has_avx2) {
    switch (type) {
      case GgmlType::kF32:
        return avx2::dot_f32(reinterpret_cast<const float*>(row), x, n);
      case GgmlType::kF16:
        return avx2::dot_f16(row, x, n);
      case GgmlType::kBF16:
        return avx2::dot_bf16(row, x, n);
      case GgmlType::kQ8_0:
        return avx2::dot_q8_0(row, xq8, n, f16_table().data());
      case GgmlType::kQ4_0:
        return avx2::dot_q4_0(row, xq8, n, f16_table().data());
      case GgmlType::kQ4_K:
        return avx2::dot_q4_k(row, xq8, n, f16_table().data());
      case GgmlType::kQ5_K:
        return avx2::dot_q5_k(row, xq8, n, f16_table().data());
      case GgmlType::kQ6_K:
        return avx2::dot_q6_k(row, xq8, n, f16_table().data());
    }
  }
#endif
  return vec_dot_reference(type, row, x, xq8, n);
}

void vec_dot_x4(GgmlType type, const uint8_t* row, const float* const* x, const uint8_t* const* xq8,
                int64_t n, float* out) {
#ifdef YS_ENGINE_AVX2
  static const bool has_avx2 = avx2::supported();
  if (has_avx2) {
    switch (type) {
      case GgmlType::kF32:
        return avx2::dot_f32_x4(reinterpret_cast<const float*>(row), x, n, out);
      case GgmlType::kF16:
        return avx2::dot_f16_x4(row, x, n, out);
      case GgmlType::kQ8_0:
        return avx2::dot_q8_0_x4(row, xq8, n, f16_table().data(), out);
      case GgmlType::kQ4_0:
        return avx2::dot_q4_0_x4(row, xq8, n, f16_table().data(), out);
      case GgmlType::kQ4_K:
        return avx2::dot_q4_k_x4(row, xq8, n, f16_table().data(), out);
      case GgmlType::kQ5_K:
        return avx2::dot_q5_k_x4(row, xq8, n, f16_table().data(), out);
      case GgmlType::kQ6_K:
        return avx2::dot_q6_k_x4(row, xq8, n, f16_table().data(), out);
      case GgmlType::kBF16:
        break;
    }
  }
#endif
  for (int k = 0; k < 4; ++k) {
    out[k] = vec_dot(type, row, x ? x[k] : nullptr, xq8 ? xq8[k] : nullptr, n);
  }
}

}  // namespace ys::engine
