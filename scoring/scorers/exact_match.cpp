// Kind "exact_match": an extractor chain finds the answer in the text, a normalization puts
// it in canonical form, and it scores 1 when it equals the sample's reference (normalized
// by the task the same way). Options: extract (a chain, scoring/extract.h), normalize, and
// for lm-evaluation-harness's exact_match (lm_eval/api/metrics.py, exact_match_hf_evaluate):
//   fallback:          the prediction when the chain finds nothing (its RegexFilter's
//                      "[invalid]"); without it such an answer scores 0, "no answer found";
//   reference:         a template over the sample's fields giving this metric's reference
//                      as is (upstream's doc_to_target), instead of the task's reference;
//   regexes_to_ignore: Python patterns whose matches are removed, one after the other,
//                      from both prediction and reference (re.sub);
//   ignore_case:       then both are lower-cased (ASCII letters; see docs/SCORING.md).
#include "scoring/options.h"
#include "scoring/pyregex.h"
#include "scoring/scorer.h"
#include "util/strings.h"
#include "util/template.h"

namespace ys {
namespace {

struct Comparison {
  std::optional<std::string> fallback;
  std::string reference_template;  // empty: the sample's reference
  std::vector<boost::regex> ignore;
  bool ignore_case = false;

  std::string apply(std::string s) const {
    for (const auto& re : ignore) s = python_remove(re, s);
    return ignore_case ? ascii_lower(std::move(s)) : s;
  }
};

class ExactMatchScorer : public Scorer {
 public:
  ExactMatchScorer(std::string name, ExtractChain extractor, Normalization normalization,
                   Comparison comparison)
      : name_(std::move(name)),
        extractor_(std::move(extractor)),
        normalization_(normalization),
        comparison_(std::move(comparison)) {}

  std::vector<MetricInfo> metrics() const override { return {{name_, Aggregation::kMean, true}}; }

  std::vector<Score> score(const Sample& sample, const Completion& answer,
                           const ScoringContext&) const override {
    Score s;
    s.metric = name_;
    auto found = extract_answer(extractor_, answer.text);
    if (!found && !comparison_.fallback) {
      s.reason = "no answer found";
      return {s};
    }
    const std::string reference =
        comparison_.apply(comparison_.reference_template.empty()
                              ? sample.reference
                              : render_template(comparison_.reference_template, sample.fields));
    s.extracted =
        comparison_.apply(found ? normalize(*found, normalization_) : *comparison_.fallback);
    s.value = *s.extracted == reference ? 1.0 : 0.0;
    s.reason = s.value == 1.0 ? "correct" : "expected " + reference;
    return {s};
  }

 private:
  std::string name_;
  ExtractChain extractor_;
  Normalization normalization_;
  Comparison comparison_;
};

}  // namespace

std::unique_ptr<Scorer> make_exact_match_scorer(const MetricConfig& config, ScoringResources*) {
  OptionReader o(config.options, "metric '" + config.name + "'");
  o.only({"extract", "normalize", "fallback", "reference", "regexes_to_ignore", "ignore_case"});
  if (config.name.empty()) o.fail("name", "an exact_match metric needs 'name'");
  ExtractChain chain = parse_extract_chain(o.at("extract"));
  Normalization normalization;
  try {
    normalization = parse_normalization(o.string("normalize", "none"));
  } catch (const InputError& e) {
    o.fail("normalize", e.what());
  }
  Comparison c;
  if (o.has("fallback")) c.fallback = o.string("fallback", "");
  c.reference_template = o.string("reference", "");
  if (o.has("reference") && c.reference_template.empty()) {
    o.fail("reference", "'reference' must be a non-empty template");
  }
  for (const auto& pattern : o.strings("regexes_to_ignore")) {
    try {
      c.ignore.push_back(python_regex(pattern));
    } catch (const InputError& e) {
      o.fail("regexes_to_ignore", e.what());
    }
  }
  c.ignore_case = o.boolean("ignore_case", false);
  return std::make_unique<ExactMatchScorer>(config.name, std::move(chain), normalization,
                                            std::move(c));
}

}  // namespace ys
