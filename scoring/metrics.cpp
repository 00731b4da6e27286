#include "scoring/metrics.h"

namespace ys {

Score score_exact_match(const MetricSpec& metric, const std::string& output,
                        const std::string& reference) {
  Score score;
  score.metric = metric.name;
  auto found = extract_answer(metric.extractor, output);
  if (!found) {
    score.reason = "no answer found";
    return score;
  }
  score.extracted = normalize(*found, metric.normalization);
  score.value = *score.extracted == reference ? 1.0 : 0.0;
  score.reason = score.value == 1.0 ? "correct" : "expected " + reference;
  return score;
}

std::vector<Score> score_all(const std::vector<MetricSpec>& metrics, const std::string& output,
                             const std::string& reference) {
  std::vector<Score> scores;
  scores.reserve(metrics.size());
  for (const auto& m : metrics) scores.push_back(score_exact_match(m, output, reference));
  return scores;
}

}  // namespace ys
