#include "harness/commands/longctx.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harness/cli_checks.h"
#include "harness/longctx.h"
#include "harness/store/effective_context.h"
#include "reports/longctx.h"
#include "reports/table.h"
#include "runners/factory.h"
#include "tasks/longctx.h"
#include "tasks/registry.h"
#include "tasks/task.h"
#include "util/error.h"

namespace ys {
namespace {

int render(const LongctxArgs& a) {
  nlohmann::json description;
  if (!a.description_file.empty()) {
    std::ifstream f(a.description_file);
    if (!f) throw InputError(a.description_file + ": cannot read");
    std::stringstream ss;
    ss << f.rdbuf();
    description = nlohmann::json::parse(ss.str(), nullptr, false);
    if (description.is_discarded())
      throw InputError(a.description_file + ": not JSON (a stored long-context description)");
    if (description.contains("generated")) description = description["generated"];
  } else {
    if (a.task.empty()) throw InputError("longctx render: give a TASK or --description FILE");
    TaskRegistry registry = TaskRegistry::load(
        a.specs_dir.empty() ? default_specs_dir() : std::filesystem::path(a.specs_dir));
    auto specs = registry.resolve({a.task});
    TaskSpec spec = *specs.front();
    if (!spec.generator || spec.generator->name != kLongContextGenerator)
      throw InputError("task '" + a.task + "' is not a long-context task");
    LongContextOptions lo;
    lo.context_lengths = a.length;
    if (a.depth) lo.depths = std::to_string(*a.depth);
    lo.estimator = a.estimator;
    apply_long_context_options(spec, lo);
    if (a.seed) spec.generator->seed = *a.seed;
    spec.generator->count = a.index + 1;
    Task task = Task::load(spec, default_data_location(""));
    size_t at = task.samples().size();
    for (size_t i = 0; i < task.samples().size(); ++i) {
      const auto& d = task.generated_prompt(i);
      if (d["index"] == a.index && (!a.depth || d["depth"] == *a.depth)) at = i;
    }
    if (at == task.samples().size()) throw InputError("no such sample");
    TokenCounting counting = estimator_counting(parse_token_family(a.estimator));
    std::unique_ptr<Runner> runner;
    if (!a.model.empty()) {
      RunnerOptions ro;
      ro.ctx = a.ctx;
      runner = make_runner(a.model, ro);
      counting = token_counting_for(*runner, lo);
    }
    description = size_for_model(task, at, task.build_request(at, 0), counting);
  }
  if (a.print_description) {
    std::cout << description.dump(2) << "\n";
  } else {
    std::cout << materialize_prompt(description).text << "\n";
  }
  return 0;
}

std::string format_score(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f", 100 * *v);
  return buf;
}

int matrix(const LongctxArgs& a) {
  if (!std::filesystem::exists(a.db)) throw InputError(a.db + ": no such store");
  StoreReader store(a.db);
  for (const auto& m : depth_length_matrices(store, a.run)) {
    std::cout << "run " << m.run_id << " " << m.model << " " << m.task
              << " (percent found; rows: depth %, columns: context length)\n";
    std::vector<std::vector<std::string>> rows = {{"depth"}};
    for (int64_t l : m.context_lengths) rows[0].push_back(std::to_string(l));
    for (size_t d = 0; d < m.depths.size(); ++d) {
      rows.push_back({std::to_string(m.depths[d])});
      for (const auto& v : m.score[d]) rows.back().push_back(format_score(v));
    }
    std::cout << render_columns(rows) << "\n";
  }
  std::vector<int64_t> runs;
  if (a.run) {
    runs.push_back(*a.run);
  } else {
    for (const auto& r : store.runs()) runs.push_back(r.id);
  }
  for (int64_t id : runs) {
    EffectiveContext e = compute_effective_context(store, id, a.threshold);
    if (e.per_length.empty()) continue;
    std::cout << "run " << id << ": effective context length (> " << a.threshold
              << "): " << (e.effective_length ? std::to_string(*e.effective_length) : "none")
              << "\n";
  }
  return 0;
}

}  // namespace

CLI::App* add_longctx_command(CLI::App& app, LongctxArgs& a) {
  auto* cmd = app.add_subcommand("longctx", "Generated long-context tasks: prompts and matrices");
  cmd->require_subcommand(1);
  auto* render = cmd->add_subcommand(
      "render",
      "Print a long-context prompt: a task's sample fitted to a model, or a stored "
      "description regenerated");
  render->add_option("task", a.task, "Long-context task (niah_single_1, ..., niah)");
  render->add_option("--length,-l", a.length, "Context length, e.g. 8k")->capture_default_str();
  render->add_option("--depth", a.depth, "Needle depth in percent (niah grid)");
  render->add_option("--index", a.index, "Sample index")->check(kNonNegative);
  render->add_option("--seed", a.seed, "Generator seed (default: the spec's)");
  render->add_option("--model,-m", a.model, "Count tokens as this model does (local:, mock:)");
  render->add_option("--ctx", a.ctx, "Context positions of a local: model");
  render->add_option("--token-estimator", a.estimator, "bpe or spm, when no --model counts")
      ->check(CLI::IsMember({"bpe", "spm"}));
  render->add_option("--description", a.description_file,
                     "A stored description (JSON file: the {\"generated\": ...} content of a "
                     "stored request, or its value) to regenerate");
  render->add_flag("--print-description", a.print_description,
                   "Print the sized description instead of the prompt");
  render->add_option("--specs", a.specs_dir, "Task specs folder");
  auto* matrix = cmd->add_subcommand(
      "matrix", "Depth x length matrices and effective context lengths of stored runs");
  matrix->add_option("--db", a.db, "SQLite store")->capture_default_str();
  matrix->add_option("--run", a.run, "Only this run");
  matrix->add_option("--effective-threshold", a.threshold, "Percent")->capture_default_str();
  return cmd;
}

int run_longctx_command(CLI::App* cmd, const LongctxArgs& a) {
  if (cmd->got_subcommand("render")) return render(a);
  return matrix(a);
}

}  // namespace ys
