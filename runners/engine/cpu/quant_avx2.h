// AVX2/FMA/F16C versions of the vec_dot kernels (quant_avx2.cpp, built with those
// instruction sets). Internal to quant.cpp, which calls them only on CPUs that have them.
#pragma once

#include <cstdint>

namespace ys::engine::avx2 {

// True when this CPU runs AVX2, FMA and F16C.
bool supported();

float dot_f32(const float* w, const float* x, int64_t n);
float dot_f16(const uint8_t* w, const float* x, int64_t n);
float dot_bf16(const uint8_t* w, const float* x, int64_t n);
// Quantized rows against Q8_0 activations; `scales` maps an F16 scale to float.
float dot_q8_0(const uint8_t* w, const uint8_t* xq8, int64_t n, const float* f16_table);
float dot_q4_0(const uint8_t* w, const uint8_t* xq8, int64_t n, const float* f16_table);
// k-quant rows (n a multiple of 256) against Q8_0 activations.
float dot_q4_k(const uint8_t* w, const uint8_t* xq8, int64_t n, const float* f16_table);
float dot_q5_k(const uint8_t* w, const uint8_t* xq8, int64_t n, const float* f16_table);
float dot_q6_k(const uint8_t* w, const uint8_t* xq8, int64_t n, const float* f16_table);

// The same products of one weight row with four activation vectors at once (each weight
// block is loaded and converted once for the four); out[i] for x[i] / xq8[i].
void dot_f32_x4(const float* w, const float* const* x, int64_t n, float* out);
void dot_f16_x4(const uint8_t* w, const float* const* x, int64_t n, float* out);
void dot_q8_0_x4(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out);
void dot_q4_0_x4(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out);
void dot_q4_k_x4(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out);
void dot_q5_k_x4(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out);
void dot_q6_k_x4(const uint8_t* w, const uint8_t* const* xq8, int64_t n, const float* f16_table,
                 float* out);

}  // namespace ys::engine::avx2
