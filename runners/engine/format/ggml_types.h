// Tensor element types of the GGUF format (ggml's `ggml_type` numbering) and their block
// layouts. Quantized types store a row as blocks of kBlock elements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ys::engine {

// Numbering from the GGUF specification (ggml/docs/gguf.md, `ggml_type`).
enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ8_0 = 8,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kBF16 = 30,
};

// Elements per block: 1 for F32, F16 and BF16; 32 for Q8_0 and Q4_0; 256 for the k-quants.
// Block layouts (ggml): Q8_0 = {fp16 d; int8 q[32]}, x = d*q (34 bytes);
// Q4_0 = {fp16 d; uint8 q[16]}, x[j] = d*((q[j] & 15) - 8), x[j+16] = d*((q[j] >> 4) - 8)
// (18 bytes). The k-quant super-block layouts are described in quant.cpp:
// Q4_K = {fp16 d, dmin; uint8 scales[12]; uint8 qs[128]} (144 bytes),
// Q5_K = {fp16 d, dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]} (176 bytes),
// Q6_K = {uint8 ql[128]; uint8 qh[64]; int8 scales[16]; fp16 d} (210 bytes).
inline constexpr int64_t kQuantBlock = 32;
inline constexpr int64_t kSuperBlock = 256;  // ggml's QK_K

// True when `raw` is one of the types above.
bool is_supported_type(uint32_t raw);

// True for Q4_K, Q5_K and Q6_K.
bool is_k_quant(GgmlType type);

// Elements per block of `type`.
int64_t block_elements(GgmlType type);

// Bytes per block of `type`.
size_t block_bytes(GgmlType type);

// Bytes of a row of `n` elements; `n` must be a multiple of block_elements(type).
size_t row_bytes(GgmlType type, int64_t n);

// "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K".
std::string type_name(GgmlType type);

}  // namespace ys::engine
