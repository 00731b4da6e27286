// Kinds "contains" and "contains_fraction": whether the answer holds the reference strings
// (RULER's string_match_all and its all-or-nothing form; see
// ../shared/reference/benchmark-suites.md, RULER). The strings are the sample's field
// `field` (a string or a list of strings) or, without it, the sample's reference.
//   contains:          1 when every string occurs in the answer, else 0;
//   contains_fraction: the fraction of the strings that occur.
// Option ignore_case (default false) compares ASCII-lower-cased text, as RULER does.

#include "scoring/options.h"
#include "scoring/scorer.h"
#include "util/strings.h"
#include "util/template.h"

namespace ys {
namespace {

class ContainsScorer : public Scorer {
 public:
  ContainsScorer(std::string name, std::string field, bool ignore_case, bool fraction)
      : name_(std::move(name)),
        field_(std::move(field)),
        ignore_case_(ignore_case),
        fraction_(fraction) {}

  std::vector<MetricInfo> metrics() const override { return {{name_, Aggregation::kMean}}; }

  std::vector<Score> score(const Sample& sample, const Completion& answer,
                           const ScoringContext&) const override {
    Score s;
    s.metric = name_;
    std::vector<std::string> wanted;
    if (!field_.empty()) {
      const nlohmann::json* v = nullptr;
      try {
        v = &field_at(sample.fields, field_);
      } catch (const InputError& e) {
        s.reason = e.what();
        return {s};
      }
      if (v->is_string()) {
        wanted.push_back(v->get<std::string>());
      } else {
        for (const auto& item : *v) {
          wanted.push_back(item.is_string() ? item.get<std::string>() : item.dump());
        }
      }
    } else {
      wanted.push_back(sample.reference);
    }
    if (wanted.empty()) {
      s.reason = "no reference strings";
      return {s};
    }
    const std::string text = ignore_case_ ? ascii_lower(answer.text) : answer.text;
    size_t found = 0;
    std::string missing;
    for (const auto& w : wanted) {
      if (text.find(ignore_case_ ? ascii_lower(w) : w) != std::string::npos) {
        ++found;
      } else if (missing.empty()) {
        missing = w;
      }
    }
    s.value = fraction_ ? static_cast<double>(found) / static_cast<double>(wanted.size())
                        : (found == wanted.size() ? 1.0 : 0.0);
    s.extracted = std::to_string(found) + "/" + std::to_string(wanted.size());
    s.reason = missing.empty() ? "all present" : "missing '" + missing + "'";
    return {s};
  }

 private:
  std::string name_, field_;
  bool ignore_case_, fraction_;
};

std::unique_ptr<Scorer> make(const MetricConfig& config, bool fraction) {
  OptionReader o(config.options, "metric '" + config.name + "'");
  o.only({"field", "ignore_case"});
  if (config.name.empty()) o.fail("name", "a " + config.kind + " metric needs 'name'");
  return std::make_unique<ContainsScorer>(config.name, o.string("field", ""),
                                          o.boolean("ignore_case", false), fraction);
}

}  // namespace

std::unique_ptr<Scorer> make_contains_scorer(const MetricConfig& config, ScoringResources*) {
  return make(config, false);
}

std::unique_ptr<Scorer> make_contains_fraction_scorer(const MetricConfig& config,
                                                      ScoringResources*) {
  return make(config, true);
}

}  // namespace ys
