#include "scoring/aggregate.h"

#include <algorithm>
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

}  // namespace

const char* aggregation_name(Aggregation a) {
  return a == Aggregation::kPassAtK ? "pass_at_k" : "mean";
}

Aggregation parse_aggregation(const std::string& name) {
  if (name == "mean") return Aggregation::kMean;
  if (name == "pass_at_k") return Aggregation::kPassAtK;
  throw InputError("unknown aggregation '" + name + "' (expected mean or pass_at_k)");
}

std::vector<MetricResult> aggregate(const std::string& metric, Aggregation how,
                                    const std::vector<ScoredValue>& values) {
  if (values.empty()) return {};
  if (how == Aggregation::kPassAtK) return pass_at_ks(metric, values);
  return {mean_of(metric, values)};
}

}  // namespace ys
