#include "runners/engine/cpu/matmul.h"

#include <algorithm>

#include "runners/engine/cpu/quant.h"

namespace ys::engine {

void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            std::vector<uint8_t>& scratch) {
  const size_t wrow = row_bytes(w.type, w.cols);
  const uint8_t* xq = nullptr;
  size_t xq_row = 0;
  if (uses_q8_activations(w.type)) {
    xq_row = row_bytes(GgmlType::kQ8_0, w.cols);
    if (scratch.size() < xq_row * static_cast<size_t>(n_tokens)) {
      scratch.resize(xq_row * static_cast<size_t>(n_tokens));
    }
    for (int64_t t = 0; t < n_tokens; ++t) {
      quantize_q8_0(x + t * w.cols, scratch.data() + t * xq_row, w.cols);
    }
    xq = scratch.data();
  }
  // Blocks of rows: small enough to balance the threads, large enough to amortize the
  // hand-off. A tiny product runs on the calling thread alone.
  const int64_t work = w.rows * w.cols * n_tokens;
  const int64_t n_blocks =
      work < (1 << 15) ? 1 : std::min<int64_t>(w.rows, static_cast<int64_t>(pool.size()) * 8);
  const int64_t per_block = (w.rows + n_blocks - 1) / n_blocks;
  // Within a block, tokens go in tiles whose activations fit in L1 (about 24 KiB), so each
  // weight row is read from L2 once per tile while the tile's activations stay in L1.
  const int64_t tile = std::max<int64_t>(4, (24 << 10) / (w.cols * 4) / 4 * 4);
  pool.parallel_for(n_blocks, [&](int64_t b) {
    const int64_t r0 = b * per_block, r1 = std::min(w.rows, r0 + per_block);
    for (int64_t t0 = 0; t0 < n_tokens; t0 += tile) {
      const int64_t t1 = std::min(n_tokens, t0 + tile);
      for (int64_t r = r0; r < r1; ++r) {
        const uint8_t* row = w.data + static_cast<size_t>(r) * wrow;
        int64_t t = t0;
        // Four tokens per pass over the row: each weight load serves four products.
        for (; t + 4 <= t1; t += 4) {
          const float* xs[4];
          const uint8_t* qs[4];
          for (int k = 0; k < 4; ++k) {
            xs[k] = x + (t + k) * w.cols;
            qs[k] = xq ? xq + (t + k) * xq_row : nullptr;
          }
          float out[4];
          vec_dot_x4(w.type, row, xs, qs, w.cols, out);
          for (int k = 0; k < 4; ++k) y[(t + k) * w.rows + r] = out[k];
        }
        for (; t < t1; ++t) {
          y[t * w.rows + r] =
              vec_dot(w.type, row, x + t * w.cols, xq ? xq + t * xq_row : nullptr, w.cols);
        }
      }
    }
  });
}

}  // namespace ys::engine
