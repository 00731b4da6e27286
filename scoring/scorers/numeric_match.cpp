// Kind "numeric_match": whether the answer's number has the reference's value, so that
// "160.0", "$160" and "160." all equal 160 and "$694.00" equals 694. The extractor chain
// (option extract) finds the answer; the reference is the sample's, or with option
// `reference` a template over the sample's fields, from which the chain of option
// `reference_extract` (if any) takes the number. Both are read by normalize_number
// (scoring/normalize.h): the value is compared exactly as a decimal, never as a float. An
// answer or reference that is not a decimal number scores 0, the reason saying which.
// Not an upstream metric: lm-evaluation-harness's exact_match compares strings.
#include <cctype>

#include "scoring/options.h"
#include "scoring/scorer.h"
#include "util/template.h"

namespace ys {
namespace {

// The canonical decimal of `text`, or nullopt when it is not one.
std::optional<std::string> decimal(std::string_view text) {
  std::string n = normalize_number(text);
  size_t i = !n.empty() && n[0] == '-' ? 1 : 0;
  bool digits = false, point = false;
  for (; i < n.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(n[i]))) {
      digits = true;
    } else if (n[i] == '.' && !point) {
      point = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  return n;
}

class NumericMatchScorer : public Scorer {
 public:
  NumericMatchScorer(std::string name, ExtractChain extractor, std::string reference_template,
                     ExtractChain reference_extractor)
      : name_(std::move(name)),
        extractor_(std::move(extractor)),
        reference_template_(std::move(reference_template)),
        reference_extractor_(std::move(reference_extractor)) {}

  std::vector<MetricInfo> metrics() const override { return {{name_, Aggregation::kMean, true}}; }

  std::vector<Score> score(const Sample& sample, const Completion& answer,
                           const ScoringContext&) const override {
    Score s;
    s.metric = name_;
    std::string reference = reference_template_.empty()
                                ? sample.reference
                                : render_template(reference_template_, sample.fields);
    if (!reference_extractor_.empty()) {
      auto found = extract_answer(reference_extractor_, reference);
      if (!found) {
        s.reason = "no number in the reference";
        return {s};
      }
      reference = *found;
    }
    const auto want = decimal(reference);
    if (!want) {
      s.reason = "the reference '" + reference + "' is not a number";
      return {s};
    }
    auto found = extract_answer(extractor_, answer.text);
    if (!found) {
      s.reason = "no answer found";
      return {s};
    }
    const auto got = decimal(*found);
    s.extracted = got.value_or(*found);
    if (!got) {
      s.reason = "not a number";
      return {s};
    }
    s.value = *got == *want ? 1.0 : 0.0;
    s.reason = s.value == 1.0 ? "correct" : "expected " + *want;
    return {s};
  }

 private:
  std::string name_;
  ExtractChain extractor_;
  std::string reference_template_;
  ExtractChain reference_extractor_;
};

}  // namespace

std::unique_ptr<Scorer> make_numeric_match_scorer(const MetricConfig& config, ScoringResources*) {
  OptionReader o(config.options, "metric '" + config.name + "'");
  o.only({"extract", "reference", "reference_extract"});
  if (config.name.empty()) o.fail("name", "a numeric_match metric needs 'name'");
  ExtractChain chain = parse_extract_chain(o.at("extract"));
  ExtractChain reference_chain;
  if (o.has("reference_extract")) {
    reference_chain = parse_extract_chain(o.at("reference_extract"), "reference_extract");
  }
  return std::make_unique<NumericMatchScorer>(
      config.name, std::move(chain), o.string("reference", ""), std::move(reference_chain));
}

}  // namespace ys
