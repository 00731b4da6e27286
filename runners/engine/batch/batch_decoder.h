// Greedy decoding of many prompts at once with continuous batching over a paged KV cache
// (batch/scheduler.h, batch/kv_blocks.h): the decoding loop of the benchmark and of the
// batching tests, on any backend.
#pragma once

#include <cstdint>
#include <vector>

#include "runners/engine/graph/backend.h"
#include "runners/engine/graph/model.h"

namespace ys::engine {

struct BatchDecodeOptions {
  int max_batch = 8;           // sequences decoded together
  int block_size = 16;         // positions per KV block
  int n_blocks = 0;            // KV blocks in the pool; 0: enough for max_batch full sequences
  bool share_prefixes = true;  // reuse cached blocks of common prompt prefixes
};

struct BatchDecodeStats {
  int steps = 0;                 // forward passes
  int preemptions = 0;           // sequences dropped and recomputed
  int64_t shared_tokens = 0;     // prompt positions taken from the prefix cache
  int64_t evaluated_tokens = 0;  // positions evaluated (prefill and decode)
};

// For each prompt (non-empty, ids in range), the `max_new` tokens greedy decoding gives
// after it (argmax; the first of equal maxima). The answers equal decoding each prompt
// alone, up to float rounding of batched products. Throws InputError for an empty prompt,
// one whose prompt + max_new exceeds the model's context or the pool, or a pool too small.
std::vector<std::vector<int32_t>> decode_greedy_batched(
    const Model& model, Backend& backend, const std::vector<std::vector<int32_t>>& prompts,
    int max_new, const BatchDecodeOptions& options, BatchDecodeStats* stats = nullptr);

}  // namespace ys::engine
