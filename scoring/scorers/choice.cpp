// Kind "choice": a multiple-choice answer read from the loglikelihood of each choice's
// continuation. Metric "acc" picks the highest loglikelihood; "acc_norm" the highest per
// character of the choice's target (lm-evaluation-harness's acc_norm: the continuation's
// length in characters, i.e. code points of the decoded text). Ties go to the first choice.
#include <algorithm>
#include <cstdio>

#include "scoring/options.h"
#include "scoring/scorer.h"
#include "util/strings.h"

namespace ys {
namespace {

class ChoiceScorer : public Scorer {
 public:
  ChoiceScorer(std::string name, bool per_character)
      : name_(std::move(name)), per_character_(per_character) {}

  std::vector<MetricInfo> metrics() const override { return {{name_, Aggregation::kMean, true}}; }

  std::vector<Score> score(const Sample& sample, const Completion& answer,
                           const ScoringContext&) const override {
    const auto& got = answer.continuations;
    Score s;
    s.metric = name_;
    if (sample.choice_targets.empty() || sample.choice_labels.size() != got.size() ||
        sample.gold >= got.size() || got.size() != sample.choice_targets.size()) {
      s.reason = "expected " + std::to_string(sample.choice_targets.size()) +
                 " loglikelihoods, got " + std::to_string(got.size());
      return {s};
    }
    size_t best = 0;
    double best_value = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      double chars =
          static_cast<double>(std::max<size_t>(1, code_points(sample.choice_targets[i])));
      double value = per_character_ ? got[i].logprob / chars : got[i].logprob;
      if (i == 0 || value > best_value) {
        best = i;
        best_value = value;
      }
    }
    s.value = best == sample.gold ? 1.0 : 0.0;
    s.extracted = sample.choice_labels[best];
    char reason[96];
    std::snprintf(reason, sizeof reason, "chose %s (%s %.4g); gold %s",
                  sample.choice_labels[best].c_str(), per_character_ ? "logprob/char" : "logprob",
                  best_value, sample.choice_labels[sample.gold].c_str());
    s.reason = reason;
    return {s};
  }

 private:
  std::string name_;
  bool per_character_;
};

}  // namespace

std::unique_ptr<Scorer> make_choice_scorer(const MetricConfig& config, ScoringResources*) {
  OptionReader o(config.options, "metric '" + config.name + "'");
  o.only({});
  if (config.name != "acc" && config.name != "acc_norm") {
    o.fail("name",
           "unknown multiple-choice metric '" + config.name + "' (expected acc or acc_norm)");
  }
  return std::make_unique<ChoiceScorer>(config.name, config.name == "acc_norm");
}

}  // namespace ys
