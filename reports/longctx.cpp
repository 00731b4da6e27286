#include "reports/longctx.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace ys {
namespace {

// The long-context description of a stored request, or null.
const nlohmann::json* description_of(const nlohmann::json& request) {
  if (!request.is_object() || !request.contains("messages")) return nullptr;
  for (const auto& m : request["messages"]) {
    if (m.contains("content") && m["content"].is_object() && m["content"].contains("generated"))
      return &m["content"]["generated"];
  }
  return nullptr;
}

// The first declared metric of each task of `run_id`.
std::map<std::string, std::string> first_metrics(StoreReader& store, int64_t run_id) {
  std::map<std::string, std::string> out;
  for (const auto& r : store.task_results(run_id)) {
    if (!r.metrics.empty()) out[r.task] = r.metrics.front().metric;
  }
  return out;
}

// Score of a sample by `metric` (0 for an unscored error, as the figures count it).
double score_of(const StoredSample& s, const std::string& metric) {
  auto it = s.scores.find(metric);
  return it == s.scores.end() ? 0.0 : it->second;
}

std::optional<int> depth_of(const nlohmann::json& d) {
  if (d.contains("depth") && d["depth"].is_number_integer()) return d["depth"].get<int>();
  if (d.contains("needle_depths") && d["needle_depths"].is_array() &&
      d["needle_depths"].size() == 1 && d.value("task", "").rfind("niah", 0) == 0) {
    return static_cast<int>(std::lround(d["needle_depths"][0].get<double>() / 10.0) * 10);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<int, int64_t>> depth_and_length(std::string_view request_json) {
  if (request_json.find("\"generated\"") == std::string_view::npos) return std::nullopt;
  const nlohmann::json request = nlohmann::json::parse(request_json, nullptr, false);
  const nlohmann::json* d = description_of(request);
  if (!d) return std::nullopt;
  auto depth = depth_of(*d);
  if (!depth) return std::nullopt;
  return std::make_pair(*depth, d->value("context_length", int64_t{0}));
}

std::vector<DepthLengthMatrix> depth_length_matrices(StoreReader& store,
                                                     std::optional<int64_t> run_id) {
  std::vector<DepthLengthMatrix> out;
  std::vector<RunRecord> runs;
  if (run_id) {
    if (auto r = store.run(*run_id)) runs.push_back(*r);
  } else {
    runs = store.runs();
  }
  for (const RunRecord& run : runs) {
    const auto metrics = first_metrics(store, run.id);
    for (const auto& [task, metric] : metrics) {
      struct Acc {
        double sum = 0, tokens = 0;
        size_t n = 0;
      };
      std::map<std::pair<int, int64_t>, Acc> cells;
      for (const StoredSample& s : store.samples(run.id, task)) {
        const nlohmann::json* d = description_of(s.request);
        if (!d) continue;
        auto depth = depth_of(*d);
        if (!depth) continue;
        Acc& a = cells[{*depth, d->value("context_length", int64_t{0})}];
        a.sum += score_of(s, metric);
        a.tokens += static_cast<double>(s.completion.usage.prompt_tokens);
        ++a.n;
      }
      if (cells.empty()) continue;
      DepthLengthMatrix m;
      m.run_id = run.id;
      m.model = run.model;
      m.task = task;
      std::set<int> depths;
      std::set<int64_t> lengths;
      for (const auto& [key, a] : cells) {
        depths.insert(key.first);
        lengths.insert(key.second);
        const double n = static_cast<double>(a.n);
        m.cells.push_back({key.first, key.second, a.sum / n, a.n, a.tokens / n});
      }
      m.depths.assign(depths.begin(), depths.end());
      m.context_lengths.assign(lengths.begin(), lengths.end());
      m.score.assign(m.depths.size(), std::vector<std::optional<double>>(m.context_lengths.size()));
      for (const auto& c : m.cells) {
        auto di = std::lower_bound(m.depths.begin(), m.depths.end(), c.depth) - m.depths.begin();
        auto li =
            std::lower_bound(m.context_lengths.begin(), m.context_lengths.end(), c.context_length) -
            m.context_lengths.begin();
        m.score[static_cast<size_t>(di)][static_cast<size_t>(li)] = c.mean;
      }
      out.push_back(std::move(m));
    }
  }
  return out;
}

EffectiveContext compute_effective_context(StoreReader& store, int64_t run_id, double threshold) {
  EffectiveContext e;
  e.run_id = run_id;
  e.threshold = threshold;
  // length -> task -> (sum, n)
  std::map<int64_t, std::map<std::string, std::pair<double, size_t>>> by_length;
  std::set<std::string> tasks;
  for (const auto& [task, metric] : first_metrics(store, run_id)) {
    for (const StoredSample& s : store.samples(run_id, task)) {
      const nlohmann::json* d = description_of(s.request);
      if (!d) continue;
      auto& acc = by_length[d->value("context_length", int64_t{0})][task];
      acc.first += score_of(s, metric);
      ++acc.second;
      tasks.insert(task);
    }
  }
  e.tasks.assign(tasks.begin(), tasks.end());
  bool passing = true;
  for (const auto& [length, per_task] : by_length) {
    double sum = 0;
    for (const auto& [task, acc] : per_task) sum += acc.first / static_cast<double>(acc.second);
    const double average = 100.0 * sum / static_cast<double>(per_task.size());
    e.per_length.emplace_back(length, average);
    if (passing && average > threshold) {
      e.effective_length = length;
    } else {
      passing = false;
    }
  }
  return e;
}

}  // namespace ys
