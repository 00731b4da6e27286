#include "scoring/scorer.h"

#include <functional>
#include <map>
#include <set>

#include "scoring/options.h"
#include "scoring/sandbox/judge.h"

namespace ys {

// The kinds: one factory each, defined in scoring/scorers/<kind>.cpp.
using ScorerFactory =
    std::function<std::unique_ptr<Scorer>(const MetricConfig&, ScoringResources*)>;
std::unique_ptr<Scorer> make_exact_match_scorer(const MetricConfig&, ScoringResources*);
std::unique_ptr<Scorer> make_choice_scorer(const MetricConfig&, ScoringResources*);
std::unique_ptr<Scorer> make_code_scorer(const MetricConfig&, ScoringResources*);
std::unique_ptr<Scorer> make_contains_scorer(const MetricConfig&, ScoringResources*);
std::unique_ptr<Scorer> make_contains_fraction_scorer(const MetricConfig&, ScoringResources*);
std::unique_ptr<Scorer> make_math_is_equiv_scorer(const MetricConfig&, ScoringResources*);
std::unique_ptr<Scorer> make_math_equiv_scorer(const MetricConfig&, ScoringResources*);
std::unique_ptr<Scorer> make_numeric_match_scorer(const MetricConfig&, ScoringResources*);

namespace {

const std::map<std::string, ScorerFactory>& registry() {
  static const std::map<std::string, ScorerFactory> kinds = {
      {"exact_match", make_exact_match_scorer},
      {"choice", make_choice_scorer},
      {"code", make_code_scorer},
      {"contains", make_contains_scorer},
      {"contains_fraction", make_contains_fraction_scorer},
      {"math_is_equiv", make_math_is_equiv_scorer},
      {"math_equiv", make_math_equiv_scorer},
      {"numeric_match", make_numeric_match_scorer},
  };
  return kinds;
}

}  // namespace

ScoringResources::ScoringResources(Options options) : options_(std::move(options)) {}
ScoringResources::ScoringResources() = default;
ScoringResources::~ScoringResources() = default;

sandbox::Judge& ScoringResources::judge() {
  if (!judge_) {
    sandbox::Config config;
    config.strict = options_.strict_sandbox;
    try {
      sandbox_ = std::make_unique<sandbox::Sandbox>(config);
    } catch (const std::runtime_error& e) {
      throw InputError(e.what());
    }
    sandbox::JudgeOptions jo;
    jo.python = options_.python;
    judge_ = std::make_unique<sandbox::Judge>(*sandbox_, jo);
  }
  return *judge_;
}

std::unique_ptr<Scorer> make_scorer(const MetricConfig& config, ScoringResources* resources) {
  auto it = registry().find(config.kind);
  if (it == registry().end()) {
    std::string known;
    for (const auto& k : scorer_kinds()) known += (known.empty() ? "" : ", ") + k;
    throw OptionError("kind", "unknown metric kind '" + config.kind + "' (known: " + known + ")");
  }
  return it->second(config, resources);
}

std::vector<std::string> scorer_kinds() {
  std::vector<std::string> out;
  for (const auto& [name, factory] : registry()) out.push_back(name);
  return out;
}

ScorerSet::ScorerSet(std::vector<std::shared_ptr<const Scorer>> scorers)
    : scorers_(std::move(scorers)) {
  std::set<std::string> names;
  for (const auto& m : metrics()) {
    if (!names.insert(m.name).second) throw InputError("duplicate metric name '" + m.name + "'");
  }
}

std::vector<MetricInfo> ScorerSet::metrics() const {
  std::vector<MetricInfo> out;
  out.reserve(scorers_.size());
  for (const auto& s : scorers_) {
    for (auto& m : s->metrics()) out.push_back(std::move(m));
  }
  return out;
}

bool ScorerSet::runs_code() const {
  for (const auto& s : scorers_) {
    if (s->runs_code()) return true;
  }
  return false;
}

std::vector<Score> ScorerSet::score(const Sample& sample, const Completion& answer,
                                    const ScoringContext& context) const {
  std::vector<Score> out;
  for (const auto& s : scorers_) {
    try {
      for (auto& score : s->score(sample, answer, context)) out.push_back(std::move(score));
    } catch (const std::exception& e) {
      // Data a scorer could not read (a malformed test list, a regex too complex for a
      // long answer) fails this sample's metrics, never the run.
      for (const auto& m : s->metrics()) {
        Score failed;
        failed.metric = m.name;
        failed.reason = std::string("scoring failed: ") + e.what();
        out.push_back(std::move(failed));
      }
    }
  }
  return out;
}

ScorerSet make_scorers(const std::vector<MetricConfig>& configs, ScoringResources* resources) {
  std::vector<std::shared_ptr<const Scorer>> scorers;
  scorers.reserve(configs.size());
  for (const auto& c : configs) scorers.push_back(make_scorer(c, resources));
  return ScorerSet(std::move(scorers));
}

}  // namespace ys
