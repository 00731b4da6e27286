// Kind "exact_match": an extractor chain finds the answer in the text, a normalization puts
// it in canonical form, and it scores 1 when it equals the sample's reference (normalized
// by the task the same way). Options: extract (a chain, scoring/extract.h), normalize.
#include "scoring/options.h"
#include "scoring/scorer.h"

namespace ys {
namespace {

class ExactMatchScorer : public Scorer {
 public:
  ExactMatchScorer(std::string name, ExtractChain extractor, Normalization normalization)
      : name_(std::move(name)), extractor_(std::move(extractor)), normalization_(normalization) {}

  std::vector<MetricInfo> metrics() const override { return {{name_, Aggregation::kMean}}; }

  std::vector<Score> score(const Sample& sample, const Completion& answer,
                           const ScoringContext&) const override {
    Score s;
    s.metric = name_;
    auto found = extract_answer(extractor_, answer.text);
    if (!found) {
      s.reason = "no answer found";
      return {s};
    }
    s.extracted = normalize(*found, normalization_);
    s.value = *s.extracted == sample.reference ? 1.0 : 0.0;
    s.reason = s.value == 1.0 ? "correct" : "expected " + sample.reference;
    return {s};
  }

 private:
  std::string name_;
  ExtractChain extractor_;
  Normalization normalization_;
};

}  // namespace

std::unique_ptr<Scorer> make_exact_match_scorer(const MetricConfig& config, ScoringResources*) {
  OptionReader o(config.options, "metric '" + config.name + "'");
  o.only({"extract", "normalize"});
  if (config.name.empty()) o.fail("name", "an exact_match metric needs 'name'");
  ExtractChain chain = parse_extract_chain(o.at("extract"));
  Normalization normalization;
  try {
    normalization = parse_normalization(o.string("normalize", "none"));
  } catch (const InputError& e) {
    o.fail("normalize", e.what());
  }
  return std::make_unique<ExactMatchScorer>(config.name, std::move(chain), normalization);
}

}  // namespace ys
