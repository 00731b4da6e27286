#include "reports/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>

#include "reports/table.h"
#include "util/error.h"
#include "util/strings.h"

namespace ys {
namespace {

constexpr double kRightThreshold = 0.5;  // a question counts as answered rightly at >= 0.5

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string p_text(double p) {
  return p < 0.0001 ? "<0.0001" : format("%.4f", p);
}

std::string interval_text(const Interval& ci) {
  return "[" + signed_points(ci.low) + ", " + signed_points(ci.high) + "]";
}

// What a side scored when no question pairs: its figures do not exist.
constexpr const char* kNotAvailable = "n/a";

std::string no_overlap_text(const TaskComparison& t) {
  return t.task + ": no question scored in both runs (" + std::to_string(t.only_a) +
         " only in A, " + std::to_string(t.only_b) + " only in B): nothing to compare";
}

std::string ids_text(const std::vector<std::string>& ids, size_t max) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < max; ++i) out += (i ? ", " : "") + ids[i];
  if (ids.size() > max) out += ", ... (" + std::to_string(ids.size() - max) + " more)";
  return out;
}

[[noreturn]] void bad_baseline(const std::filesystem::path& path, const std::string& what) {
  throw InputError(path.string() + ": not a yardstick baseline file: " + what);
}

}  // namespace

double TaskScores::mean() const {
  if (samples.empty()) return 0;
  double s = 0;
  for (const auto& [id, v] : samples) s += v;
  return s / static_cast<double>(samples.size());
}

std::string points(double score) {
  return format("%.1f", 100 * score);
}

std::string signed_points(double difference) {
  return format("%+.1f", 100 * difference);
}

std::string confidence_percent(double confidence) {
  return format("%g", 100 * confidence) + "%";
}

size_t tested_tasks(const Comparison& c) {
  return static_cast<size_t>(std::count_if(c.tasks.begin(), c.tasks.end(),
                                           [](const TaskComparison& t) { return t.stats.n > 0; }));
}

int64_t resolve_run(StoreReader& store, const std::string& ref) {
  if (!ref.empty() && ref.size() <= 18 &&
      ref.find_first_not_of("0123456789") == std::string::npos) {
    const int64_t id = std::stoll(ref);
    if (!store.run(id)) throw InputError("no run " + ref + " in the store");
    return id;
  }
  if (ref.rfind("latest:", 0) == 0) {
    const std::string model = ref.substr(7);
    // A whole run (unsharded, or merged) before a completed single shard.
    std::optional<int64_t> found, found_shard;
    for (const auto& r : store.runs()) {
      if (r.model != model || r.status != "completed") continue;
      (r.shard.empty() ? found : found_shard) = r.id;
    }
    if (!found) found = found_shard;
    if (!found) throw InputError("'" + ref + "': no completed run of model '" + model + "'");
    return *found;
  }
  if (auto id = store.tagged_run(ref)) return *id;
  throw InputError("'" + ref + "' is not a run id, latest:MODEL, or a tag (see `yardstick runs`)");
}

ScoreSet load_run_scores(StoreReader& store, int64_t run_id) {
  auto run = store.run(run_id);
  if (!run) throw InputError("no run " + std::to_string(run_id) + " in the store");
  ScoreSet out;
  out.run_id = run_id;
  out.model = run->model;
  out.label = "run " + std::to_string(run_id) + " (" + run->model + ")";
  out.status = run->status;
  out.shard = run->shard;
  for (const auto& task : store.tasks(run_id)) {
    TaskScores& t = out.tasks[task];
    auto metrics = store.metrics(run_id, task);
    if (metrics.empty()) continue;
    t.metric = metrics.front().name;
    t.unscored = store.unscored_samples(run_id, task);
    std::map<std::string, std::pair<double, int>> sums;  // sample id -> (sum, answers)
    for (const auto& v : store.metric_values(run_id, task, t.metric)) {
      auto& [sum, n] = sums[v.sample_id];
      sum += v.value;
      ++n;
    }
    for (const auto& [id, sn] : sums) t.samples[id] = sn.first / sn.second;
  }
  return out;
}

nlohmann::json baseline_json(const ScoreSet& scores, const RunRecord* run) {
  nlohmann::json source = {{"label", scores.label}, {"model", scores.model}};
  if (scores.run_id) source["run_id"] = *scores.run_id;
  if (!scores.status.empty()) source["status"] = scores.status;
  if (!scores.shard.empty()) source["shard"] = scores.shard;
  if (run) {
    source["finished_at"] = run->finished_at;
    source["yardstick_version"] = run->yardstick_version;
    source["git_describe"] = run->git_describe;
  }
  nlohmann::json tasks = nlohmann::json::object();
  for (const auto& [name, t] : scores.tasks) {
    tasks[name] = {
        {"metric", t.metric}, {"mean", t.mean()}, {"n", t.samples.size()}, {"scores", t.samples}};
  }
  return {{"yardstick_baseline", 1}, {"source", source}, {"tasks", tasks}};
}

ScoreSet read_baseline_file(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path.string() + ": cannot read the baseline file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path.string() + ": invalid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains("yardstick_baseline"))
    bad_baseline(path, "no \"yardstick_baseline\" field");
  if (j["yardstick_baseline"] != 1)
    bad_baseline(path, "unsupported \"yardstick_baseline\" version " +
                           j["yardstick_baseline"].dump() + " (this yardstick reads 1)");
  if (!j.contains("tasks") || !j["tasks"].is_object()) bad_baseline(path, "no \"tasks\" object");
  ScoreSet out;
  out.label = path.filename().string();
  if (j.contains("source") && j["source"].is_object()) {
    const auto& src = j["source"];
    if (src.contains("model") && src["model"].is_string())
      out.model = src["model"].get<std::string>();
    if (src.contains("run_id") && src["run_id"].is_number_integer())
      out.run_id = src["run_id"].get<int64_t>();
    if (src.contains("status") && src["status"].is_string())
      out.status = src["status"].get<std::string>();
    if (src.contains("shard") && src["shard"].is_string())
      out.shard = src["shard"].get<std::string>();
    if (src.contains("label") && src["label"].is_string())
      out.label += ": " + src["label"].get<std::string>();
  }
  for (const auto& [task, t] : j["tasks"].items()) {
    const std::string at = "tasks." + task;
    if (!t.is_object() || !t.contains("metric") || !t["metric"].is_string())
      bad_baseline(path, at + ".metric must be a string");
    if (!t.contains("scores") || !t["scores"].is_object())
      bad_baseline(path, at + ".scores must be an object of sample id -> score");
    TaskScores ts;
    ts.metric = t["metric"].get<std::string>();
    for (const auto& [id, v] : t["scores"].items()) {
      if (!v.is_number()) bad_baseline(path, at + ".scores." + id + " must be a number");
      ts.samples[id] = v.get<double>();
    }
    out.tasks[task] = std::move(ts);
  }
  return out;
}

Comparison compare_scores(const ScoreSet& a, const ScoreSet& b, const BootstrapOptions& options) {
  Comparison out;
  out.a_label = a.label;
  out.b_label = b.label;
  out.options = options;
  for (const auto& [task, ta] : a.tasks) {
    auto it = b.tasks.find(task);
    if (it == b.tasks.end()) {
      out.only_a_tasks.push_back(task);
      continue;
    }
    const TaskScores& tb = it->second;
    if (ta.metric != tb.metric) {
      throw InputError("task " + task + ": " + a.label + " scores metric '" + ta.metric + "' but " +
                       b.label + " scores '" + tb.metric + "'");
    }
    TaskComparison tc;
    tc.task = task;
    tc.metric = ta.metric;
    tc.mean_a_all = ta.mean();
    tc.mean_b_all = tb.mean();
    std::vector<double> va, vb;
    for (const auto& [id, x] : ta.samples) {
      auto jt = tb.samples.find(id);
      if (jt == tb.samples.end()) {
        ++tc.only_a;
        continue;
      }
      va.push_back(x);
      vb.push_back(jt->second);
      const bool right_a = x >= kRightThreshold, right_b = jt->second >= kRightThreshold;
      if (right_a && !right_b) tc.right_to_wrong.push_back(id);
      if (!right_a && right_b) tc.wrong_to_right.push_back(id);
    }
    tc.only_b = tb.samples.size() - va.size();
    for (auto* ids : {&tc.right_to_wrong, &tc.wrong_to_right}) {
      std::sort(ids->begin(), ids->end(),
                [](const std::string& x, const std::string& y) { return natural_less(x, y); });
    }
    tc.stats = compare_paired(va, vb, options);
    out.tasks.push_back(std::move(tc));
  }
  for (const auto& [task, tb] : b.tasks) {
    if (!a.tasks.count(task)) out.only_b_tasks.push_back(task);
  }
  // Holm's family is the tasks actually tested: a task with no question in common has no
  // p-value and must not weaken the others' adjustment.
  std::vector<double> p;
  for (const auto& t : out.tasks) {
    if (t.stats.n > 0) p.push_back(t.stats.p_value);
  }
  std::vector<double> adjusted = holm_adjust(p);
  for (size_t i = 0, k = 0; i < out.tasks.size(); ++i) {
    if (out.tasks[i].stats.n > 0) out.tasks[i].p_holm = adjusted[k++];
  }
  return out;
}

std::string render_comparison_text(const Comparison& c, size_t max_flips) {
  std::string out = "A: " + c.a_label + "\nB: " + c.b_label + "\n\n";
  std::vector<std::vector<std::string>> rows = {
      {"task", "metric", "n", "A", "B", "B-A", confidence_percent(c.options.confidence) + " CI",
       "p", "p (Holm)", "test", "right->wrong", "wrong->right"}};
  for (const auto& t : c.tasks) {
    if (t.stats.n == 0) {
      const std::string na = kNotAvailable;
      rows.push_back({t.task, t.metric, "0", na, na, na, na, na, na, na, "0", "0"});
      continue;
    }
    rows.push_back(
        {t.task, t.metric, std::to_string(t.stats.n), points(t.stats.mean_a),
         points(t.stats.mean_b), signed_points(t.stats.difference), interval_text(t.stats.ci),
         p_text(t.stats.p_value), p_text(t.p_holm), t.stats.binary ? "mcnemar" : "permutation",
         std::to_string(t.right_to_wrong.size()), std::to_string(t.wrong_to_right.size())});
  }
  out += render_columns(rows);
  for (const auto& t : c.tasks) {
    if (!t.right_to_wrong.empty())
      out += "\n" + t.task + " right->wrong: " + ids_text(t.right_to_wrong, max_flips);
    if (!t.wrong_to_right.empty())
      out += "\n" + t.task + " wrong->right: " + ids_text(t.wrong_to_right, max_flips);
    if (t.stats.n == 0) {
      out += "\n" + no_overlap_text(t);
    } else if (t.only_a || t.only_b) {
      out += "\n" + t.task + ": " + std::to_string(t.only_a) + " questions scored only in A, " +
             std::to_string(t.only_b) + " only in B (not compared)";
    }
  }
  for (const auto& task : c.only_a_tasks) out += "\n" + task + ": only in A";
  for (const auto& task : c.only_b_tasks) out += "\n" + task + ": only in B";
  out += "\n\nScores in points (percent). CI: paired percentile bootstrap, B=" +
         std::to_string(c.options.replicates) + ", seed " + std::to_string(c.options.seed) +
         ". p: McNemar exact (0/1 scores) or paired sign-flip permutation; Holm across " +
         std::to_string(tested_tasks(c)) + " tasks.\n";
  return out;
}

std::string render_comparison_markdown(const Comparison& c, size_t max_flips) {
  std::string out = "**A:** " + c.a_label + "  \n**B:** " + c.b_label + "\n\n";
  out += "| task | metric | n | A | B | B−A | " + confidence_percent(c.options.confidence) +
         " CI | p | p (Holm) | right→wrong | wrong→right |\n";
  out += "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|\n";
  for (const auto& t : c.tasks) {
    if (t.stats.n == 0) {
      out +=
          "| " + t.task + " | " + t.metric + " | 0 | n/a | n/a | n/a | n/a | n/a | n/a | 0 | 0 |\n";
      continue;
    }
    out += "| " + t.task + " | " + t.metric + " | " + std::to_string(t.stats.n) + " | " +
           points(t.stats.mean_a) + " | " + points(t.stats.mean_b) + " | " +
           signed_points(t.stats.difference) + " | " + interval_text(t.stats.ci) + " | " +
           p_text(t.stats.p_value) + " | " + p_text(t.p_holm) + " | " +
           std::to_string(t.right_to_wrong.size()) + " | " +
           std::to_string(t.wrong_to_right.size()) + " |\n";
  }
  for (const auto& t : c.tasks) {
    if (!t.right_to_wrong.empty())
      out += "\n- " + t.task + " right→wrong: `" + ids_text(t.right_to_wrong, max_flips) + "`";
    if (!t.wrong_to_right.empty())
      out += "\n- " + t.task + " wrong→right: `" + ids_text(t.wrong_to_right, max_flips) + "`";
    if (t.stats.n == 0) {
      out += "\n- " + no_overlap_text(t);
    } else if (t.only_a || t.only_b) {
      out += "\n- " + t.task + ": " + std::to_string(t.only_a) + " questions scored only in A, " +
             std::to_string(t.only_b) + " only in B (not compared)";
    }
  }
  out += "\n\nScores in points. CI: paired bootstrap (B=" + std::to_string(c.options.replicates) +
         ", seed " + std::to_string(c.options.seed) +
         "); p: McNemar exact or paired permutation test, Holm-adjusted across tasks.\n";
  return out;
}

nlohmann::json comparison_json(const Comparison& c) {
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : c.tasks) {
    nlohmann::json task = {{"task", t.task},
                           {"metric", t.metric},
                           {"n", t.stats.n},
                           {"overlap", t.stats.n > 0},
                           {"a", t.stats.mean_a},
                           {"b", t.stats.mean_b},
                           {"a_all", t.mean_a_all},
                           {"b_all", t.mean_b_all},
                           {"difference", t.stats.difference},
                           {"stderr", t.stats.stderr_of_difference},
                           {"ci", {t.stats.ci.low, t.stats.ci.high}},
                           {"p", t.stats.p_value},
                           {"p_holm", t.p_holm},
                           {"test", t.stats.binary ? "mcnemar_exact" : "sign_flip_permutation"},
                           {"only_a", t.only_a},
                           {"only_b", t.only_b},
                           {"right_to_wrong", t.right_to_wrong},
                           {"wrong_to_right", t.wrong_to_right}};
    if (t.stats.n == 0) {  // nothing paired: no figure exists
      for (const char* key : {"a", "b", "difference", "stderr", "ci", "p", "p_holm", "test"})
        task[key] = nullptr;
    }
    if (t.stats.n + t.only_a == 0) task["a_all"] = nullptr;  // A scored no question
    if (t.stats.n + t.only_b == 0) task["b_all"] = nullptr;
    tasks.push_back(std::move(task));
  }
  return {{"a", c.a_label},
          {"b", c.b_label},
          {"bootstrap",
           {{"replicates", c.options.replicates},
            {"seed", c.options.seed},
            {"confidence", c.options.confidence}}},
          {"tasks", tasks},
          {"only_a_tasks", c.only_a_tasks},
          {"only_b_tasks", c.only_b_tasks}};
}

}  // namespace ys
