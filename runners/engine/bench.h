// Throughput of a model on this machine: prompt (batched prefill) and generation tokens/s,
// and the memory bandwidth that bounds generation.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runners/engine/graph/backend.h"
#include "runners/engine/graph/model.h"

namespace ys::engine {

struct BenchOptions {
  int threads = 1;
  int prompt_tokens = 128;                     // evaluated in one batch
  int gen_tokens = 32;                         // evaluated one at a time after the prompt
  int repeats = 3;                             // the best of this many runs is reported
  std::string device = "cpu";                  // cpu, cuda or auto (device.h)
  std::vector<int> batches = {1, 8, 64, 256};  // decode batch sizes on a GPU
};

// One GPU bench run (bench_device).
struct DeviceBenchResult {
  std::string device;                                       // cuda_device_name()
  double prompt_tokens_per_s = 0;                           // one pass over prompt_tokens
  std::vector<std::pair<int, double>> decode_tokens_per_s;  // (batch, generated tokens/s)
  size_t weight_bytes = 0;
  double bandwidth = 0;  // bytes/s of the copy kernel
};

struct BenchResult {
  double prompt_tokens_per_s = 0;
  double gen_tokens_per_s = 0;
  size_t weight_bytes = 0;  // read once per generated token
};

// Runs `model` on pseudo-random token ids. Throws InputError when prompt_tokens +
// gen_tokens exceeds the model's training context.
BenchResult bench_model(const Model& model, const BenchOptions& options);

// The prompt and batched decode throughput of `model` on `backend`: prompt tokens/s of one
// pass over prompt_tokens; for each batch size B, B sequences of a 16-token prompt decode
// gen_tokens tokens each with continuous batching (batch/batch_decoder.h), tokens/s being
// B * gen_tokens over the time of the whole run (its short prefills included).
DeviceBenchResult bench_device(const Model& model, Backend& backend, const BenchOptions& options);

// Read bandwidth of this machine in bytes/s: the best of a few passes summing a buffer
// much larger than the caches, on `threads` threads.
double measure_read_bandwidth(int threads);

}  // namespace ys::engine
