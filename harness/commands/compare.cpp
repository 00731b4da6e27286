#include "harness/commands/compare.h"

#include <cstdio>
#include <iostream>

#include "harness/cli_checks.h"
#include "harness/commands/data_errors.h"
#include "harness/store/reader.h"
#include "harness/store/sqlite.h"
#include "reports/compare.h"
#include "util/error.h"

namespace ys {

void add_bootstrap_options(CLI::App* cmd, BootstrapOptions& options) {
  cmd->add_option("--replicates", options.replicates, "Bootstrap resamples (B)")
      ->check(kPositive)
      ->capture_default_str();
  cmd->add_option("--seed", options.seed, "Seed of the bootstrap and permutation draws")
      ->capture_default_str();
  cmd->add_option("--confidence", options.confidence, "Level of the confidence intervals")
      ->check(CLI::Range(0.5, 0.999))
      ->capture_default_str();
}

CLI::App* add_compare_command(CLI::App& app, CompareArgs& a) {
  auto* cmd = app.add_subcommand(
      "compare", "Compare run B against run A per task: difference, CI, p-value, flipped samples");
  cmd->add_option("A", a.a, "Reference run: id, latest:MODEL or tag")->required();
  cmd->add_option("B", a.b, "Run compared with A: id, latest:MODEL or tag")->required();
  auto* json = cmd->add_flag("--json", a.json, "Print JSON");
  cmd->add_flag("--markdown", a.markdown, "Print a Markdown table")->excludes(json);
  cmd->add_option("--max-flips", a.max_flips, "Flipped sample ids listed per task (text, Markdown)")
      ->capture_default_str();
  add_bootstrap_options(cmd, a.bootstrap);
  return cmd;
}

int run_compare_command(const CompareArgs& a, const std::string& db) {
  return with_data_errors([&] {
    StoreReader store(db);
    ScoreSet sa = load_run_scores(store, resolve_run(store, a.a));
    ScoreSet sb = load_run_scores(store, resolve_run(store, a.b));
    Comparison c = compare_scores(sa, sb, a.bootstrap);
    if (a.json) {
      std::cout << comparison_json(c).dump(2) << "\n";
    } else if (a.markdown) {
      std::cout << render_comparison_markdown(c, a.max_flips);
    } else {
      std::cout << render_comparison_text(c, a.max_flips);
    }
    return 0;
  });
}

}  // namespace ys
