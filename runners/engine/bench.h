// Throughput of a model on this machine: prompt (batched prefill) and generation tokens/s,
// and the memory bandwidth that bounds generation.
#pragma once

#include <string>

#include "runners/engine/graph/model.h"

namespace ys::engine {

struct BenchOptions {
  int threads = 1;
  int prompt_tokens = 128;  // evaluated in one batch
  int gen_tokens = 32;      // evaluated one at a time after the prompt
  int repeats = 3;          // the best of this many runs is reported
};

struct BenchResult {
  double prompt_tokens_per_s = 0;
  double gen_tokens_per_s = 0;
  size_t weight_bytes = 0;  // read once per generated token
};

// Runs `model` on pseudo-random token ids. Throws InputError when prompt_tokens +
// gen_tokens exceeds the model's training context.
BenchResult bench_model(const Model& model, const BenchOptions& options);

// Read bandwidth of this machine in bytes/s: the best of a few passes summing a buffer
// much larger than the caches, on `threads` threads.
double measure_read_bandwidth(int threads);

}  // namespace ys::engine
