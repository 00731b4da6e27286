// Element conversions and row kernels for the GGUF tensor types: F16/BF16 conversion,
// dequantization, quantization (for writers and for activations) and dot products that
// read quantized rows block by block, never dequantizing a whole tensor.
#pragma once

#include <cstdint>
#include <vector>

#include "runners/engine/format/ggml_types.h"

namespace ys::engine {

// IEEE half <-> float. f32_to_f16 rounds to nearest even; overflow gives infinity.
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

// bfloat16 (the top 16 bits of a float) <-> float; f32_to_bf16 rounds to nearest even.
float bf16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);

// Writes the `n` elements of a row stored as `type` at `src` to `dst` as floats.
// `n` must be a multiple of block_elements(type).
void dequantize_row(GgmlType type, const uint8_t* src, float* dst, int64_t n);

// Encodes `n` floats as `type` (row_bytes(type, n) bytes). Q8_0: d = max|x|/127,
// q = round(x/d). Q4_0: d = m/-8 where m is the element of largest magnitude,
// q = min(15, trunc(x/d + 8.5)). Q4_K/Q5_K: per sub-block of 32, the range
// [min(0, lowest), highest] in 15/31 steps, sub-block scales and mins rounded to 6-bit
// multiples of the super-block's d and dmin. Q6_K: per sub-block of 16, the element of
// largest magnitude maps to -32, scales rounded to int8 multiples of d. Not llama.cpp's
// error-minimising search: valid encodings, somewhat less accurate (quant_test bounds them).
// `n` must be a multiple of block_elements(type).
std::vector<uint8_t> quantize_row(GgmlType type, const float* src, int64_t n);

// Quantizes `n` activations (a multiple of 32) to Q8_0 blocks in `out`
// (row_bytes(kQ8_0, n) bytes): the form vec_dot takes for quantized weights.
void quantize_q8_0(const float* src, uint8_t* out, int64_t n);

// Dot product of a weight row of `type` with an activation vector of `n` elements.
// F32, F16 and BF16 rows use `x`; Q8_0, Q4_0 and the k-quant rows use `xq8`, the
// activations after quantize_q8_0, and multiply integer blocks (a k-quant sub-block of 32
// meets one activation block, a Q6_K one of 16 half of one) (the result then differs from the F32
// dot product by the activation's quantization error, at most d_x/2 per element). Runs AVX2 code
// where the CPU has it, else vec_dot_reference.
float vec_dot(GgmlType type, const uint8_t* row, const float* x, const uint8_t* xq8, int64_t n);

// vec_dot of one row with four activation vectors: out[k] for x[k] (F types) or xq8[k]
// (quantized types). Faster than four calls where SIMD code shares each weight load; equal
// to them up to the order of float additions.
void vec_dot_x4(GgmlType type, const uint8_t* row, const float* const* x, const uint8_t* const* xq8,
                int64_t n, float* out);

// The portable scalar vec_dot, against which the SIMD versions are tested: equal up to the
// order of float additions.
float vec_dot_reference(GgmlType type, const uint8_t* row, const float* x, const uint8_t* xq8,
                        int64_t n);

// True for types whose vec_dot reads the Q8_0 activations.
inline bool uses_q8_activations(GgmlType type) {
  return type == GgmlType::kQ8_0 || type == GgmlType::kQ4_0 || is_k_quant(type);
}

}  // namespace ys::engine
