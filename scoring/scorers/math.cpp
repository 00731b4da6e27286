// Kinds "math_is_equiv" and "math_equiv": the answer an extractor chain finds (typically
// `boxed`) against the sample's gold answer, compared by
//   math_is_equiv: the MATH authors' is_equiv, ported exactly (scoring/math_equivalence.h);
//   math_equiv:    yardstick's stronger equivalence (scoring/math_equiv.h).
// Options: extract (required chain), reference_field (a sample field holding the gold
// answer as written; default the sample's reference, as the task's `reference` block made
// it).
#include "scoring/math_equiv.h"
#include "scoring/math_equivalence.h"
#include "scoring/options.h"
#include "scoring/scorer.h"
#include "util/template.h"

namespace ys {
namespace {

using Compare = bool (*)(const std::string& answer, const std::string& gold);

class MathScorer : public Scorer {
 public:
  MathScorer(std::string name, ExtractChain extractor, std::string reference_field, Compare compare)
      : name_(std::move(name)),
        extractor_(std::move(extractor)),
        reference_field_(std::move(reference_field)),
        compare_(compare) {}

  std::vector<MetricInfo> metrics() const override { return {{name_, Aggregation::kMean, true}}; }

  std::vector<Score> score(const Sample& sample, const Completion& answer,
                           const ScoringContext&) const override {
    Score s;
    s.metric = name_;
    std::string gold = sample.reference;
    if (!reference_field_.empty()) {
      const nlohmann::json& v = field_at(sample.fields, reference_field_);
      gold = v.is_string() ? v.get<std::string>() : v.dump();
    }
    auto found = extract_answer(extractor_, answer.text);
    if (!found) {  // upstream: is_equiv(None, gold) is false
      s.reason = "no answer found";
      return {s};
    }
    s.extracted = *found;
    s.value = compare_(*found, gold) ? 1.0 : 0.0;
    s.reason = s.value == 1.0 ? "correct" : "expected " + gold;
    return {s};
  }

 private:
  std::string name_;
  ExtractChain extractor_;
  std::string reference_field_;
  Compare compare_;
};

std::unique_ptr<Scorer> make(const MetricConfig& config, Compare compare) {
  OptionReader o(config.options, "metric '" + config.name + "'");
  o.only({"extract", "reference_field"});
  if (config.name.empty()) o.fail("name", "a " + config.kind + " metric needs 'name'");
  return std::make_unique<MathScorer>(config.name, parse_extract_chain(o.at("extract")),
                                      o.string("reference_field", ""), compare);
}

}  // namespace

std::unique_ptr<Scorer> make_math_is_equiv_scorer(const MetricConfig& config, ScoringResources*) {
  return make(config,
              [](const std::string& a, const std::string& g) { return hendrycks_is_equiv(a, g); });
}

std::unique_ptr<Scorer> make_math_equiv_scorer(const MetricConfig& config, ScoringResources*) {
  return make(config, [](const std::string& a, const std::string& g) { return math_equiv(a, g); });
}

}  // namespace ys
