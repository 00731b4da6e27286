// Aggregation: how the per-sample scores of one metric become a task's figures.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ys {

enum class Aggregation {
  kMean,       // mean over every (sample, repeat) value, with its standard error
  kPassAtK,    // pass@1, pass@10, pass@100 over each sample's repeats (values 0 or 1)
  kGroupMean,  // kMean over all values, then the macro average over groups and each group's
               // mean; a value's group is its sample id up to the last '/' (the file a
               // multi-file dataset's sample came from: "date_understanding/17")
};

// "mean", "pass_at_k" or "group_mean" (the form the store keeps); parse_aggregation throws
// InputError.
const char* aggregation_name(Aggregation a);
Aggregation parse_aggregation(const std::string& name);

// One metric a scorer writes, and how it aggregates.
struct MetricInfo {
  std::string name;
  Aggregation aggregation = Aggregation::kMean;
};

// One figure of a task.
struct MetricResult {
  std::string metric;  // the metric's name; "NAME@k" for a pass@k aggregate ("pass@1")
  size_t n = 0;        // values averaged: scored answers (mean) or samples (pass@k)
  double mean = 0;
  double stderr_of_mean = 0;  // sample standard deviation / sqrt(n); 0 when n < 2
};

// One stored score.
struct ScoredValue {
  std::string sample_id;
  int repeat = 0;
  double value = 0;
};

// The figures of metric `metric` from its scores (in the order they were written):
// - kMean: one result, the mean and its standard error over all values;
// - kPassAtK: for k in 1, 10, 100 while k <= the fewest repeats of any sample, the mean
//   over samples of the unbiased pass@k estimator (Chen et al. 2021, "Evaluating Large
//   Language Models Trained on Code", eq. 1), samples taken in byte order of their ids.
// - kGroupMean: first kMean's result under `metric` (every value weighs the same: the
//   figure lm-evaluation-harness's groups report with weight_by_size), then
//   "METRIC/macro", the unweighted mean of the group means, with standard error
//   sqrt(sum of the groups' squared standard errors) / groups and n all values, then
//   "METRIC[GROUP]" for each group in byte order of the group names.
// No values: no results.
std::vector<MetricResult> aggregate(const std::string& metric, Aggregation how,
                                    const std::vector<ScoredValue>& values);

}  // namespace ys
