#include "scoring/aggregate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "scoring/stats.h"
#include "util/error.h"

namespace ys {
namespace {

MetricResult mean_of(const std::string& metric, const std::vector<ScoredValue>& values) {
  // Sums in write order, as SQLite's sum() did before aggregation moved here: the golden
  // figures (tests/golden) stay bit-identical.
  double sum = 0, sum_sq = 0;
  for (const auto& v : values) {
    sum += v.value;
    sum_sq += v.value * v.value;
  }
  const size_t n = values.size();
  return {metric, n, sum / static_cast<double>(n), stderr_from_sums(n, sum, sum_sq)};
}

std::vector<MetricResult> pass_at_ks(const std::string& metric,
                                     const std::vector<ScoredValue>& values) {
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
    for (const auto& [id, nc] : per_sample) acc.add(pass_at_k(nc.first, nc.second, k));
    out.push_back(
        {metric + "@" + std::to_string(k), acc.count(), acc.mean(), acc.stderr_of_mean()});
  }
  return out;
}

// The group of a sample id: what precedes its last '/', or "" without one.
std::string group_of(const std::string& sample_id) {
  const size_t slash = sample_id.rfind('/');
  return slash == std::string::npos ? std::string() : sample_id.substr(0, slash);
}

std::vector<MetricResult> group_means(const std::string& metric,
                                      const std::vector<ScoredValue>& values) {
  std::map<std::string, std::vector<ScoredValue>> groups;  // in write order within each
  for (const auto& v : values) groups[group_of(v.sample_id)].push_back(v);
  std::vector<MetricResult> out = {mean_of(metric, values)};
  std::vector<MetricResult> per_group;
  double sum = 0, variance = 0;
  for (const auto& [group, members] : groups) {
    per_group.push_back(mean_of(metric + "[" + group + "]", members));
    sum += per_group.back().mean;
    variance += per_group.back().stderr_of_mean * per_group.back().stderr_of_mean;
  }
  const double count = static_cast<double>(groups.size());
  out.push_back({metric + "/macro", values.size(), sum / count, std::sqrt(variance) / count});
  out.insert(out.end(), per_group.begin(), per_group.end());
  return out;
}

}  // namespace

const char* aggregation_name(Aggregation a) {
  switch (a) {
    case Aggregation::kPassAtK:
      return "pass_at_k";
    case Aggregation::kGroupMean:
      return "group_mean";
    case Aggregation::kMean:
      break;
  }
  return "mean";
}

Aggregation parse_aggregation(const std::string& name) {
  if (name == "mean") return Aggregation::kMean;
  if (name == "pass_at_k") return Aggregation::kPassAtK;
  if (name == "group_mean") return Aggregation::kGroupMean;
  throw InputError("unknown aggregation '" + name + "' (expected mean, pass_at_k or group_mean)");
}

std::vector<MetricResult> aggregate(const std::string& metric, Aggregation how,
                                    const std::vector<ScoredValue>& values) {
  if (values.empty()) return {};
  if (how == Aggregation::kPassAtK) return pass_at_ks(metric, values);
  if (how == Aggregation::kGroupMean) return group_means(metric, values);
  return {mean_of(metric, values)};
}

}  // namespace ys
