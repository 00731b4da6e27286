#include "runners/engine/quant.h"

#ifdef YS_ENGINE_AVX2
#include "runners/engine/quant_avx2.h"
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
