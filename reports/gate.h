// The CI regression gate (`yardstick gate`): per-task rules checked on a comparison of a
// candidate against a baseline, with JUnit XML and Markdown outputs. Policy and file
// formats: docs/CI.md.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/compare.h"

namespace ys {

// The rules of one task; an unset rule is not checked. Units are points (percent).
struct GateRule {
  std::optional<double> max_drop;  // fail when candidate - baseline < -max_drop points
  std::optional<double> alpha;     // fail when lower and the Holm-adjusted p < alpha
  std::optional<double> floor;     // fail when the candidate scores below floor points
};

struct GateRules {
  GateRule defaults;
  std::map<std::string, GateRule> tasks;  // per task, over `defaults` field by field
  // "FILE:LINE" of each task's entry in a rules file, for errors (empty when built in code).
  std::map<std::string, std::string> task_lines;
  // The rule of `task`: its own fields, else the defaults'; when no field is set at all,
  // "no significant drop at alpha 0.05".
  GateRule for_task(const std::string& task) const;
};

// Reads a rules file, YAML or JSON (JSON is YAML's flow style): a mapping {default: RULE,
// tasks: {TASK: RULE}} with RULE a mapping of optional numbers max_drop (points, [0, 100]),
// alpha ((0, 1)), floor (points, [0, 100]). Throws InputError "FILE:LINE: message" naming
// the field at fault: unknown keys, a key repeated in one mapping, non-numbers, values out
// of range.

GateRules read_gate_rules(const std::filesystem::path& path);

enum class GateStatus { kPass, kFail, kError };

struct GateTask {
  std::string task;
  GateRule rule;
  GateStatus status = GateStatus::kPass;
  std::vector<std::string> failures;           // one line per broken rule, or the error
  std::vector<std::string> notes;              // questions on one side only, partial gating
  const TaskComparison* comparison = nullptr;  // null when the task could not be compared
};

struct GateResult {
  // Moves only: GateTask::comparison points into comparison.tasks, whose buffer a move
  // keeps and a copy would not.
  GateResult() = default;
  GateResult(GateResult&&) = default;
  GateResult& operator=(GateResult&&) = default;
  GateResult(const GateResult&) = delete;
  GateResult& operator=(const GateResult&) = delete;

  Comparison comparison;
  std::vector<GateTask> tasks;  // every baseline task, by name
  bool allow_partial = false;   // as run_gate was asked
  // Errors of the candidate as a whole (a run not completed, or one shard): each makes the
  // gate an error. Notes: the same when allowed, a partial baseline.
  std::vector<std::string> problems, notes;
  // Worst status: an error (a partial candidate, a baseline task the candidate lacks or
  // scored only in part) beats a failure.
  GateStatus status() const;
};

// Checks `rules` for every task of `baseline` against `candidate` (docs/CI.md, "Partial
// runs"). Errors: a baseline task missing from the candidate or with no question in common;
// unless `allow_partial`, a candidate run that is not completed or is one shard
// (ScoreSet::status, shard), and a task whose baseline questions the candidate did not all
// score (the line says how many are missing). With `allow_partial` those become notes and
// the rules are checked on the questions in common. Throws InputError when `rules` names a
// task neither side has (with its FILE:LINE when read from a file).
GateResult run_gate(const ScoreSet& baseline, const ScoreSet& candidate, const GateRules& rules,
                    const BootstrapOptions& options, bool allow_partial = false);

// JUnit XML: one <testsuite name="yardstick gate"> with one <testcase> per baseline task
// (classname "yardstick.gate"), a <failure> per failed task, an <error> per task in error,
// and the figures in <system-out>. Text is XML-escaped.
std::string gate_junit_xml(const GateResult& result);
// A Markdown summary for a pull-request comment: verdict, a table per task, flips.
std::string gate_markdown(const GateResult& result);
// A terminal table: one line per task with its verdict and the rules broken.
std::string gate_text(const GateResult& result);

}  // namespace ys
