#include "runners/engine/batch/sampler.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ys::engine {
namespace {

const std::vector<float> kLogits = {1.0f, 3.0f, 2.0f, 0.5f, 2.9f};

std::vector<int> histogram(const SamplingParams& p, int draws, std::vector<int32_t> history = {}) {
  Sampler s(p);
  std::vector<int> h(kLogits.size());
  for (int i = 0; i < draws; ++i) ++h[static_cast<size_t>(s.sample(kLogits.data(), 5, history))];
  return h;
}

TEST(Sampler, GreedyIsArgmax) {
  Sampler s({});
  EXPECT_EQ(s.sample(kLogits.data(), 5, {}), 1);
  const float tie[] = {1, 4, 4};
  EXPECT_EQ(argmax(tie, 3), 1);
}

TEST(Sampler, SeededRunsRepeat) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.seed = 7;
  Sampler a(p), b(p);
  std::vector<int32_t> ra, rb;
  for (int i = 0; i < 50; ++i) {
    ra.push_back(a.sample(kLogits.data(), 5, {}));
    rb.push_back(b.sample(kLogits.data(), 5, {}));
  }
  EXPECT_EQ(ra, rb);
  p.seed = 8;
  Sampler c(p);
  std::vector<int32_t> rc;
  for (int i = 0; i < 50; ++i) rc.push_back(c.sample(kLogits.data(), 5, {}));
  EXPECT_NE(ra, rc);
}

// At temperature 1 the frequencies follow softmax(logits): each within 5 standard errors.
TEST(Sampler, FrequenciesFollowSoftmax) {
  SamplingParams p;
  p.temperature = 1.0f;
  const int n = 20000;
  std::vector<int> h = histogram(p, n);
  double z = 0;
  for (float l : kLogits) z += std::exp(l);
  for (size_t i = 0; i < kLogits.size(); ++i) {
    double prob = std::exp(kLogits[i]) / z;
    double se = std::sqrt(prob * (1 - prob) / n);
    EXPECT_NEAR(h[i] / double{n}, prob, 5 * se) << i;
  }
}

TEST(Sampler, Filters) {
  SamplingParams p;
  p.temperature = 1.5f;
  p.top_k = 2;
  std::vector<int> h = histogram(p, 2000);
  EXPECT_EQ(h[0] + h[2] + h[3], 0);
  EXPECT_GT(h[1], 0);
  EXPECT_GT(h[4], 0);

  p = {};
  p.temperature = 1.0f;
  p.top_p = 0.3f;  // the best token alone holds about 0.37
  h = histogram(p, 500);
  EXPECT_EQ(h[1], 500);

  p = {};
  p.temperature = 1.0f;
  // Probabilities relative to the best (token 1): token 4 e^-0.1, token 2 e^-1 = 0.37,
  // token 0 e^-2, token 3 e^-2.5.
  p.min_p = 0.3f;
  h = histogram(p, 3000);
  EXPECT_EQ(h[0] + h[3], 0);
  EXPECT_GT(h[2], 0);
  p.min_p = 0.5f;
  h = histogram(p, 3000);
  EXPECT_EQ(h[0] + h[2] + h[3], 0);
  EXPECT_GT(h[4], 0);
}

TEST(Sampler, RepetitionPenaltyDiscouragesRecentTokens) {
  SamplingParams p;
  p.repeat_penalty = 1.5f;  // logit 3.0 of token 1 becomes 2.0: token 4 (2.9) wins
  Sampler s(p);
  EXPECT_EQ(s.sample(kLogits.data(), 5, {1}), 4);
  p.repeat_last_n = 1;  // token 1 is no longer recent
  Sampler t(p);
  EXPECT_EQ(t.sample(kLogits.data(), 5, {1, 3}), 1);
}

}  // namespace
}  // namespace ys::engine
