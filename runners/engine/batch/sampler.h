// Choosing the next token from logits: greedy, or seeded random sampling after a
// repetition penalty, temperature, top-k, top-p and min-p.
#pragma once

#include <cstdint>
#include <vector>

#include "util/random.h"

namespace ys::engine {

struct SamplingParams {
  float temperature = 0.0f;     // <= 0: greedy (argmax; ties go to the lowest id)
  int top_k = 0;                // keep the k most likely tokens; <= 0: all
  float top_p = 1.0f;           // keep the smallest set whose probability reaches top_p
  float min_p = 0.0f;           // drop tokens below min_p times the most likely one's probability
  float repeat_penalty = 1.0f;  // > 1 discourages tokens among the last repeat_last_n
  int repeat_last_n = 64;
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  // The next token for `logits` (n_vocab values), given the tokens so far (`history`, for
  // the repetition penalty). Deterministic for a given seed and sequence of calls.
  int32_t sample(const float* logits, int n_vocab, const std::vector<int32_t>& history);

 private:
  SamplingParams params_;
  SplitMix64 rng_;  // util/random.h: the same draws with every standard library
  std::vector<float> logits_;
  std::vector<int32_t> seen_;
  std::vector<std::pair<float, int32_t>> candidates_;
};

// The index of the largest of `n` logits (the lowest index on ties).
int32_t argmax(const float* logits, int n);

}  // namespace ys::engine
