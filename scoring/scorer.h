// Scorers: turn a model's Completion of one sample into Scores. One kind per file under
// scoring/scorers/, one line each in the registry (scorer.cpp); docs/SCORING.md.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runners/completion.h"
#include "scoring/aggregate.h"
#include "scoring/sample.h"
#include "scoring/score.h"

namespace ys {

namespace sandbox {
class Judge;
class Sandbox;
}  // namespace sandbox

// What a task spec says of one metric: its kind, its name (empty: the kind's default) and
// the kind's options (the spec's mapping as JSON).
struct MetricConfig {
  std::string kind;  // a registered kind: exact_match, choice, code, contains, ...
  std::string name;
  nlohmann::json options = nlohmann::json::object();
};

// Where a code scorer runs code: the slot of the scoring worker calling it.
struct ScoringContext {
  int slot = 0;
};

class Scorer {
 public:
  virtual ~Scorer() = default;
  // The metrics score() returns, in order, and how each aggregates.
  virtual std::vector<MetricInfo> metrics() const = 0;
  // Whether score() runs generated code (in the sandbox; callers run such scorers on
  // worker threads, each with its own slot).
  virtual bool runs_code() const { return false; }
  // One Score per metrics() entry, in that order. Thread-safe. An answer with nothing to
  // score (no text, no loglikelihoods) scores 0 with a reason, never throws.
  virtual std::vector<Score> score(const Sample& sample, const Completion& answer,
                                   const ScoringContext& context) const = 0;
};

// What scorers may need from outside: the code judge, over a sandbox made on first use.
class ScoringResources {
 public:
  struct Options {
    bool strict_sandbox = false;  // refuse to run code without network isolation
    std::string python = "/usr/bin/python3";
  };
  // Resources with these options; nothing starts until first used.
  explicit ScoringResources(Options options);
  // Default options: the sandbox in default (not strict) mode, the system python3.
  ScoringResources();
  ~ScoringResources();
  ScoringResources(const ScoringResources&) = delete;
  ScoringResources& operator=(const ScoringResources&) = delete;

  // The judge; the first call starts the sandbox. Throws InputError when it cannot start
  // (strict mode on a machine that cannot isolate the network).
  sandbox::Judge& judge();

 private:
  Options options_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::unique_ptr<sandbox::Judge> judge_;
};

// Builds the scorer of `config`. With `resources` null, only checks the options (a spec
// being loaded); otherwise the scorer is ready to score. Throws OptionError (scoring/
// options.h) for an unknown kind or bad options, InputError when a resource cannot start.
std::unique_ptr<Scorer> make_scorer(const MetricConfig& config, ScoringResources* resources);

// The registered kinds, for messages and docs.
std::vector<std::string> scorer_kinds();

// A task's scorers, in its spec's order.
class ScorerSet {
 public:
  ScorerSet() = default;
  // Throws InputError when two scorers write a metric of the same name.
  explicit ScorerSet(std::vector<std::shared_ptr<const Scorer>> scorers);

  // Every scorer's metrics, in order.
  std::vector<MetricInfo> metrics() const;
  // Whether any scorer runs code.
  bool runs_code() const;
  // Every scorer's scores, in order. Thread-safe. A scorer that throws on this sample's
  // data scores 0 on each of its metrics, the reason saying why.
  std::vector<Score> score(const Sample& sample, const Completion& answer,
                           const ScoringContext& context = {}) const;

 private:
  std::vector<std::shared_ptr<const Scorer>> scorers_;
};

// The scorers of `configs` (make_scorer for each). Throws as make_scorer does, and
// InputError for duplicate metric names.
ScorerSet make_scorers(const std::vector<MetricConfig>& configs, ScoringResources* resources);

}  // namespace ys
