// Matrix-vector and matrix-matrix products of a weight matrix stored in a GGUF type with
// F32 activations, split over threads by blocks of rows.
#pragma once

#include <cstdint>
#include <vector>

#include "runners/engine/cpu/thread_pool.h"
#include "runners/engine/format/ggml_types.h"

namespace ys::engine {

// A [rows, cols] weight matrix, row-major, each row `row_bytes(type, cols)` bytes
// (GGUF ne = {cols, rows}).
struct WeightMatrix {
  GgmlType type = GgmlType::kF32;
  const uint8_t* data = nullptr;
  int64_t cols = 0;
  int64_t rows = 0;
};

// y[t][r] = sum_c W[r][c] * x[t][c] for t < n_tokens: x is [n_tokens, cols], y is
// [n_tokens, rows]. Quantized weights take activations quantized to Q8_0 (see vec_dot);
// `scratch` holds them and is reused between calls. Each weight row is read once per
// call, for all tokens. The result does not depend on the number of threads.
void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            std::vector<uint8_t>& scratch);

}  // namespace ys::engine
