#include "runners/engine/batch/sampler.h"

#include <algorithm>
#include <cmath>

namespace ys::engine {

int32_t argmax(const float* logits, int n) {
  int32_t best = 0;
  for (int i = 1; i < n; ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  return best;
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

int32_t Sampler::sample(const float* logits, int n_vocab, const std::vector<int32_t>& history) {
  logits_.assign(logits, logits + n_vocab);
  if (params_.repeat_penalty != 1.0f) {
    // Each distinct recent token once: positive logits divided, negative multiplied
    // (Keskar et al. 2019, CTRL).
    size_t from = history.size() > static_cast<size_t>(std::max(params_.repeat_last_n, 0))
                      ? history.size() - static_cast<size_t>(params_.repeat_last_n)
                      : 0;
    seen_.assign(history.begin() + static_cast<std::ptrdiff_t>(from), history.end());
    std::sort(seen_.begin(), seen_.end());
    seen_.erase(std::unique(seen_.begin(), seen_.end()), seen_.end());
    for (int32_t t : seen_) {
      if (t < 0 || t >= n_vocab) continue;
      float& l = logits_[static_cast<size_t>(t)];
      l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
    }
  }
  if (params_.temperature <= 0) return argmax(logits_.data(), n_vocab);

  candidates_.clear();
  for (int i = 0; i < n_vocab; ++i) candidates_.emplace_back(logits_[i], i);
  auto by_logit = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  size_t keep = candidates_.size();
  if (params_.top_k > 0) keep = std::min(keep, static_cast<size_t>(params_.top_k));
  std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep),
                    candidates_.end(), by_logit);
  candidates_.resize(keep);
  // Softmax at the temperature, over the survivors, most likely first.
  float max = candidates_[0].first;
  double total = 0;
  for (auto& [l, id] : candidates_) {
    l = std::exp((l - max) / params_.temperature);
    total += l;
  }
  for (auto& c : candidates_) c.first = static_cast<float>(c.first / total);
  // top-p: the shortest prefix reaching top_p; min-p: relative to the best probability.
  double cum = 0;
  size_t n = 0;
  const float floor = params_.min_p * candidates_[0].first;
  while (n < candidates_.size()) {
    if (n > 0 && candidates_[n].first < floor) break;
    cum += candidates_[n].first;
    ++n;
    if (cum >= params_.top_p) break;
  }
  candidates_.resize(n);
  double r = rng_.unit() * cum;
  for (const auto& [p, id] : candidates_) {
    r -= p;
    if (r < 0) return id;
  }
  return candidates_.back().second;
}

}  // namespace ys::engine
