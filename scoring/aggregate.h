// Aggregation: how the per-sample scores of one metric become a task's figures.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scoring/stats.h"

namespace ys {

enum class Aggregation {
  kMean,       // mean over every (sample, repeat) value, with its standard error
  kPassAtK,    // pass@1, pass@10, pass@100 over each sample's repeats (values 0 or 1)
  kGroupMean,  // kMean over all values, then the macro average over groups and each group's
               // mean; a value's group is its sample id up to the last '/' (the file a
               // multi-file dataset's sample came from: "date_understanding/17")
  kMajority,   // kMean, then NAME/pass@1 (mean over samples of each one's mean) and
               // NAME/maj@K (majority vote over each sample's K extracted answers)
};

// "mean", "pass_at_k", "group_mean" or "majority" (the form the store keeps);
// parse_aggregation throws InputError.
const char* aggregation_name(Aggregation a);
Aggregation parse_aggregation(const std::string& name);

// One metric a scorer writes, and how it aggregates.
struct MetricInfo {
  std::string name;
  Aggregation aggregation = Aggregation::kMean;
  // Whether the extracted answer is one value among many that repeats can vote on (maj@K):
  // an exact, numeric or math answer, a chosen letter; not a found/wanted count.
  bool votes = false;
};

// One figure of a task.
struct MetricResult {
  // {metric, n, mean, stderr} as before the clustered figures existed; those default to
  // one question per value (questions = n, clustered error = stderr, ci = {mean, mean}).
  MetricResult(std::string metric_name = "", size_t values = 0, double mean_value = 0,
               double stderr_value = 0)
      : metric(std::move(metric_name)),
        n(values),
        mean(mean_value),
        stderr_of_mean(stderr_value),
        questions(values),
        clustered_stderr(stderr_value),
        ci{mean_value, mean_value} {}

  std::string metric;  // the metric's name; "NAME@k" for a pass@k aggregate ("pass@1")
  size_t n = 0;        // values averaged: scored answers (mean) or samples (pass@k)
  double mean = 0;
  double stderr_of_mean = 0;  // sample standard deviation / sqrt(n); 0 when n < 2
  // The same figure with repeats of a question taken as one cluster (scoring/stats.h,
  // clustered_mean): `questions` distinct samples, the cluster-robust standard error, and
  // the seeded percentile bootstrap interval over questions (BootstrapOptions; {mean,
  // mean} when the bootstrap is off). pass@k figures have one value per question, so
  // there the clustered error is stderr_of_mean.
  size_t questions = 0;
  double clustered_stderr = 0;
  Interval ci;
};

// One stored score.
struct ScoredValue {
  std::string sample_id;
  int repeat = 0;
  double value = 0;
  std::optional<std::string> extracted = std::nullopt;  // the answer extracted, if any
};

// The figures of metric `metric` from its scores (in the order they were written):
// - kMean: one result, the mean and its standard error over all values;
// - kPassAtK: for k in 1, 10, 100 while k <= the fewest repeats of any sample, the mean
//   over samples of the unbiased pass@k estimator (Chen et al. 2021, "Evaluating Large
//   Language Models Trained on Code", eq. 1), samples taken in byte order of their ids;
// - kGroupMean: first kMean's result under `metric` (every value weighs the same: the
//   figure lm-evaluation-harness's groups report with weight_by_size), then
//   "METRIC/macro", the unweighted mean of the group means, with standard error
//   sqrt(sum of the groups' squared standard errors) / groups and n all values (its
//   clustered error likewise from the groups' clustered errors; its ci is the stratified
//   bootstrap of stats.h, stratified_macro_bootstrap_ci: questions resampled within each
//   group, groups in byte order of their names), then "METRIC[GROUP]" for each group in
//   byte order of the group names;
// - kMajority: first kMean's result under `metric`; then "METRIC/pass@1", the mean over
//   samples (byte order of ids) of each sample's mean value, n = samples, standard error
//   over samples; then "METRIC/maj@K", K the most answers any sample has: per sample, its
//   answers taken in repeat order vote with their extracted strings (an answer without one
//   does not vote); the winner is the most frequent string, ties going to the one seen
//   first (lm-evaluation-harness's majority_vote filter, lm_eval/filters/selection.py:
//   Counter.most_common(1), whose sort is stable over first insertion); the sample scores
//   the value of the first answer that gave the winner, or 0 when none voted. n = samples.
// Each result also carries the clustered standard error and a bootstrap interval drawn
// with `bootstrap` (replicates 0: no bootstrap, ci = {mean, mean}). No values: no results.
std::vector<MetricResult> aggregate(const std::string& metric, Aggregation how,
                                    const std::vector<ScoredValue>& values,
                                    const BootstrapOptions& bootstrap = {});

}  // namespace ys
