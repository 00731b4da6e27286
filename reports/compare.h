// Paired comparison of two runs (or a run and a baseline file), task by task, and the
// baseline file format of `yardstick gate`. Statistics from scoring/stats.h; the method
// is described in docs/REPORTS.md ("Comparing runs").
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/store/reader.h"
#include "scoring/stats.h"

namespace ys {

// One task's per-question scores on the task's primary (first declared) metric.
struct TaskScores {
  std::string metric;
  // sample id -> the question's score: the mean of its scored repeats. Samples stored
  // unscored (transport errors) are absent and counted in `unscored`.
  std::map<std::string, double> samples;
  size_t unscored = 0;
  double mean() const;  // over `samples`; 0 when empty
};

// What one side of a comparison scored: a stored run, or a baseline file.
struct ScoreSet {
  std::string label;  // "run 3 (mock:oracle)", or the file's source label
  std::optional<int64_t> run_id;
  std::string model;
  // The run's status and shard ("i/N"); for a baseline file, as its source recorded them
  // (empty when it did not). A partial side is one not "completed" or with a shard.
  std::string status, shard;
  std::map<std::string, TaskScores> tasks;  // by task name
};

// The run `ref` names: a run id ("12"), "latest:MODEL" (the newest completed whole run of
// that model spec, unsharded or merged, else its newest completed shard; e.g.
// latest:mock:oracle), or a tag (`yardstick tag`). Throws InputError
// naming `ref` when nothing matches.
int64_t resolve_run(StoreReader& store, const std::string& ref);

// The per-question scores of run `run_id` (every task it stored). Throws InputError when
// there is no such run.
ScoreSet load_run_scores(StoreReader& store, int64_t run_id);

// Baseline files (docs/CI.md, "Baseline files"): a JSON object
//   {"yardstick_baseline": 1,
//    "source": {"run_id": 3, "model": "...", "finished_at": "...", "yardstick_version": ...},
//    "tasks": {"TASK": {"metric": "exact_match", "mean": 0.9, "n": 40,
//                       "scores": {"SAMPLE_ID": 1.0, ...}}, ...}}
// "mean" and "n" are informative; the gate recomputes them from "scores".
nlohmann::json baseline_json(const ScoreSet& scores, const RunRecord* run = nullptr);
// Reads a baseline file. Throws InputError naming the file and the offending field.
ScoreSet read_baseline_file(const std::filesystem::path& path);

// One task of a comparison of B (the newer, candidate) against A (the reference).
struct TaskComparison {
  std::string task, metric;
  // On the questions scored in both. stats.n == 0 (no overlap): no figure exists; the
  // renderings print n/a (JSON null) and the task is left out of Holm's adjustment.
  PairedComparison stats;
  double p_holm = 1;                      // stats.p_value, Holm-adjusted across the tasks tested
  double mean_a_all = 0, mean_b_all = 0;  // over all scored questions of each side
  size_t only_a = 0, only_b = 0;          // questions scored on one side only (not paired)
  // Question ids whose score crossed 0.5: right (>= 0.5) in A and wrong in B, and back.
  std::vector<std::string> right_to_wrong, wrong_to_right;  // ids in natural order (q9 < q10)
};

struct Comparison {
  std::string a_label, b_label;
  BootstrapOptions options;
  std::vector<TaskComparison> tasks;      // tasks both sides have, by name
  std::vector<std::string> only_a_tasks;  // tasks of one side only
  std::vector<std::string> only_b_tasks;
};

// Compares `b` against `a`: for each common task the paired statistics of
// compare_paired (difference b - a, paired bootstrap interval, McNemar's exact test for
// 0/1 scores, else the sign-flip permutation test), Holm's adjustment across those tasks,
// and the flipped questions. Throws InputError when a task's metrics differ.
Comparison compare_scores(const ScoreSet& a, const ScoreSet& b, const BootstrapOptions& options);

// Renderings. Scores are shown in points (percent: 0.734 -> 73.4). `max_flips` caps the
// ids listed per task and direction in the text and Markdown forms (JSON lists all).
std::string render_comparison_text(const Comparison& c, size_t max_flips = 10);
std::string render_comparison_markdown(const Comparison& c, size_t max_flips = 10);
nlohmann::json comparison_json(const Comparison& c);

// "73.4": a score in points with one decimal; signed_points gives "+2.5" / "-0.8".
std::string points(double score);
std::string signed_points(double difference);
// A confidence level as a percentage label: 0.95 -> "95%", 0.975 -> "97.5%".
std::string confidence_percent(double confidence);
// How many tasks of `c` have a question in common (Holm's family).
size_t tested_tasks(const Comparison& c);

}  // namespace ys
