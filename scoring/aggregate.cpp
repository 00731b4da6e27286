#include "scoring/aggregate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "scoring/stats.h"
#include "util/error.h"

namespace ys {
namespace {

// Adds the clustered figures of `clusters` (one vector per question) to `r`.
void add_cluster_figures(MetricResult& r, const std::vector<std::vector<double>>& clusters,
                         const BootstrapOptions& bootstrap) {
  ClusteredMean c = clustered_mean(clusters);
  r.questions = c.clusters;
  r.clustered_stderr = c.stderr_of_mean;
  r.ci =
      bootstrap.replicates > 0 ? bootstrap_mean_ci(clusters, bootstrap) : Interval{r.mean, r.mean};
}

// The values of each sample (its repeats), one cluster per sample in byte order of ids.
std::vector<std::vector<double>> clusters_of(const std::vector<ScoredValue>& values) {
  std::map<std::string, std::vector<double>> by_sample;
  for (const auto& v : values) by_sample[v.sample_id].push_back(v.value);
  std::vector<std::vector<double>> clusters;
  clusters.reserve(by_sample.size());
  for (auto& [id, xs] : by_sample) clusters.push_back(std::move(xs));
  return clusters;
}

MetricResult mean_of(const std::string& metric, const std::vector<ScoredValue>& values,
                     const BootstrapOptions& bootstrap) {
  // Sums in write order, as SQLite's sum() did before aggregation moved here: the golden
  // figures (tests/golden) stay bit-identical.
  double sum = 0, sum_sq = 0;
  for (const auto& v : values) {
    sum += v.value;
    sum_sq += v.value * v.value;
  }
  const size_t n = values.size();
  MetricResult r{metric, n, sum / static_cast<double>(n), stderr_from_sums(n, sum, sum_sq)};
  add_cluster_figures(r, clusters_of(values), bootstrap);
  return r;
}

std::vector<MetricResult> pass_at_ks(const std::string& metric,
                                     const std::vector<ScoredValue>& values,
                                     const BootstrapOptions& bootstrap) {
  std::map<std::string, std::pair<int, int>> per_sample;  // id -> (answers, passed)
  for (const auto& v : values) {
    auto& [n, c] = per_sample[v.sample_id];
    ++n;
    c += v.value >= 0.5 ? 1 : 0;
  }
  int fewest = per_sample.begin()->second.first;
  for (const auto& [id, nc] : per_sample) fewest = std::min(fewest, nc.first);
  std::vector<MetricResult> out;
  for (int k : {1, 10, 100}) {
    if (k > fewest) break;  // reported only when every sample has at least k answers
    MeanAccumulator acc;
    std::vector<std::vector<double>> clusters;
    for (const auto& [id, nc] : per_sample) {
      clusters.push_back({pass_at_k(nc.first, nc.second, k)});
      acc.add(clusters.back().front());
    }
    MetricResult r{metric + "@" + std::to_string(k), acc.count(), acc.mean(), acc.stderr_of_mean()};
    add_cluster_figures(r, clusters, bootstrap);
    out.push_back(std::move(r));
  }
  return out;
}

// The group of a sample id: what precedes its last '/', or "" without one.
std::string group_of(const std::string& sample_id) {
  const size_t slash = sample_id.rfind('/');
  return slash == std::string::npos ? std::string() : sample_id.substr(0, slash);
}

std::vector<MetricResult> group_means(const std::string& metric,
                                      const std::vector<ScoredValue>& values,
                                      const BootstrapOptions& bootstrap) {
  std::map<std::string, std::vector<ScoredValue>> groups;  // in write order within each
  for (const auto& v : values) groups[group_of(v.sample_id)].push_back(v);
  std::vector<MetricResult> out = {mean_of(metric, values, bootstrap)};
  std::vector<MetricResult> per_group;
  double sum = 0, variance = 0, clustered_variance = 0;
  size_t questions = 0;
  std::vector<std::vector<std::vector<double>>> strata;  // per group, its clusters
  for (const auto& [group, members] : groups) {
    if (bootstrap.replicates > 0) strata.push_back(clusters_of(members));
    const MetricResult& g =
        per_group.emplace_back(mean_of(metric + "[" + group + "]", members, bootstrap));
    sum += g.mean;
    variance += g.stderr_of_mean * g.stderr_of_mean;
    clustered_variance += g.clustered_stderr * g.clustered_stderr;
    questions += g.questions;
  }
  const double count = static_cast<double>(groups.size());
  MetricResult macro{metric + "/macro", values.size(), sum / count, std::sqrt(variance) / count};
  macro.questions = questions;
  macro.clustered_stderr = std::sqrt(clustered_variance) / count;
  if (bootstrap.replicates > 0) macro.ci = stratified_macro_bootstrap_ci(strata, bootstrap);
  out.push_back(std::move(macro));
  out.insert(out.end(), per_group.begin(), per_group.end());
  return out;
}

// One figure per sample (`per_sample` maps a sample's values, in repeat order, to its
// figure), averaged over samples in byte order of their ids.
template <typename PerSample>
MetricResult per_sample_mean(const std::string& name, const std::vector<ScoredValue>& values,
                             const BootstrapOptions& bootstrap, PerSample per_sample) {
  std::map<std::string, std::vector<const ScoredValue*>> by_sample;
  for (const auto& v : values) by_sample[v.sample_id].push_back(&v);
  MeanAccumulator acc;
  std::vector<std::vector<double>> clusters;
  for (auto& [id, answers] : by_sample) {
    std::stable_sort(
        answers.begin(), answers.end(),
        [](const ScoredValue* a, const ScoredValue* b) { return a->repeat < b->repeat; });
    clusters.push_back({per_sample(answers)});
    acc.add(clusters.back().front());
  }
  MetricResult r{name, acc.count(), acc.mean(), acc.stderr_of_mean()};
  add_cluster_figures(r, clusters, bootstrap);
  return r;
}

// The value of the majority answer among `answers` (in repeat order); see aggregate().
double majority_value(const std::vector<const ScoredValue*>& answers) {
  std::vector<std::pair<const ScoredValue*, int>> tally;  // first voter, votes; first-seen order
  for (const ScoredValue* a : answers) {
    if (!a->extracted) continue;
    auto it = std::find_if(tally.begin(), tally.end(),
                           [&](const auto& t) { return *t.first->extracted == *a->extracted; });
    if (it == tally.end()) {
      tally.emplace_back(a, 1);
    } else {
      ++it->second;
    }
  }
  const std::pair<const ScoredValue*, int>* best = nullptr;
  for (const auto& t : tally) {
    if (!best || t.second > best->second) best = &t;  // strictly more: ties keep the first
  }
  return best ? best->first->value : 0.0;
}

std::vector<MetricResult> majority(const std::string& metric,
                                   const std::vector<ScoredValue>& values,
                                   const BootstrapOptions& bootstrap) {
  std::map<std::string, size_t> answers;
  size_t k = 0;
  for (const auto& v : values) k = std::max(k, ++answers[v.sample_id]);
  std::vector<MetricResult> out = {mean_of(metric, values, bootstrap)};
  out.push_back(per_sample_mean(metric + "/pass@1", values, bootstrap, [](const auto& xs) {
    double sum = 0;
    for (const ScoredValue* x : xs) sum += x->value;
    return sum / static_cast<double>(xs.size());
  }));
  out.push_back(
      per_sample_mean(metric + "/maj@" + std::to_string(k), values, bootstrap, majority_value));
  return out;
}

}  // namespace

const char* aggregation_name(Aggregation a) {
  switch (a) {
    case Aggregation::kPassAtK:
      return "pass_at_k";
    case Aggregation::kGroupMean:
      return "group_mean";
    case Aggregation::kMajority:
      return "majority";
    case Aggregation::kMean:
      break;
  }
  return "mean";
}

Aggregation parse_aggregation(const std::string& name) {
  if (name == "mean") return Aggregation::kMean;
  if (name == "pass_at_k") return Aggregation::kPassAtK;
  if (name == "group_mean") return Aggregation::kGroupMean;
  if (name == "majority") return Aggregation::kMajority;
  throw InputError("unknown aggregation '" + name +
                   "' (expected mean, pass_at_k, group_mean or majority)");
}

std::vector<MetricResult> aggregate(const std::string& metric, Aggregation how,
                                    const std::vector<ScoredValue>& values,
                                    const BootstrapOptions& bootstrap) {
  if (values.empty()) return {};
  if (how == Aggregation::kPassAtK) return pass_at_ks(metric, values, bootstrap);
  if (how == Aggregation::kGroupMean) return group_means(metric, values, bootstrap);
  if (how == Aggregation::kMajority) return majority(metric, values, bootstrap);
  return {mean_of(metric, values, bootstrap)};
}

}  // namespace ys
