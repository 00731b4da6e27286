// Helpers shared by the engine tests: random data, the common token list, and the checks
// that several model variants must pass alike.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "runners/engine/batch/generate.h"
#include "runners/engine/cpu/thread_pool.h"
#include "runners/engine/graph/context.h"
#include "runners/engine/graph/model.h"

namespace ys::engine::test {

// A prompt of ids valid in every random test model.
inline const std::vector<int32_t> kTokens = {1, 300, 17, 260, 5, 290, 290, 111, 42, 319, 7};

// `n` normally distributed values (mean 0, deviation `scale`), reproducible from `seed`.
inline std::vector<float> random_values(int64_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// All logits of `tokens` evaluated in one batch from position 0.
inline std::vector<float> batch_logits(const Model& m, const std::vector<int32_t>& tokens,
                                       int threads = 1) {
  ThreadPool pool(threads);
  Context ctx(m, 64, pool);
  const float* l = ctx.eval(tokens, true);
  return {l, l + tokens.size() * static_cast<size_t>(m.config().n_vocab)};
}

// Five sequences of mixed prompt lengths, then `steps` greedy steps of all of them in one
// forward pass (so the four-at-a-time kernels run too), give exactly the logits of
// evaluating each sequence alone. Call with ASSERT_NO_FATAL_FAILURE.
inline void expect_batched_decoding_equals_alone(const Model& m, int steps) {
  const int nv = m.config().n_vocab;
  ThreadPool pool(2);
  const std::vector<std::vector<int32_t>> prompts = {
      {1, 300, 17}, {1, 5}, {1, 260, 290, 111, 42}, {1, 7, 7}, {1, 318}};
  std::vector<std::unique_ptr<Context>> together, alone;
  std::vector<Context*> ptrs;
  for (size_t s = 0; s < prompts.size(); ++s) {
    together.push_back(std::make_unique<Context>(m, 64, pool));
    alone.push_back(std::make_unique<Context>(m, 64, pool));
    ptrs.push_back(together.back().get());
  }
  std::vector<std::vector<int32_t>> step = prompts;
  for (int iter = 0; iter < steps; ++iter) {
    std::vector<const float*> batch = Context::eval_batch(ptrs, step);
    for (size_t s = 0; s < prompts.size(); ++s) {
      const float* single = alone[s]->eval(step[s]);
      for (int i = 0; i < nv; ++i) {
        ASSERT_EQ(batch[s][i], single[i]) << "sequence " << s << " step " << iter;
      }
      step[s] = {argmax(single, nv)};
    }
  }
  for (size_t s = 0; s < prompts.size(); ++s) EXPECT_EQ(together[s]->tokens(), alone[s]->tokens());
}

}  // namespace ys::engine::test
