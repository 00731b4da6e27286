#include "harness/commands/gate.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "harness/commands/compare.h"
#include "harness/commands/data_errors.h"
#include "harness/store/reader.h"
#include "harness/store/sqlite.h"
#include "harness/store/store.h"
#include "reports/gate.h"
#include "util/error.h"

namespace ys {
namespace {

// A reference that names an existing file is a baseline file; anything else a run.
ScoreSet load_side(const std::string& ref, const std::string& db, const char* which,
                   std::optional<RunRecord>* run = nullptr) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(ref, ec)) return read_baseline_file(ref);
  if (ref.size() > 5 && ref.substr(ref.size() - 5) == ".json")
    throw InputError(std::string(which) + " " + ref + ": no such file");
  StoreReader store(db);
  const int64_t id = resolve_run(store, ref);
  if (run) *run = store.run(id);
  return load_run_scores(store, id);
}

void write_text(const std::string& path, const std::string& text) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::ofstream f(p, std::ios::binary);
  f << text;
  f.close();
  if (!f) throw InputError(path + ": cannot write");
}

}  // namespace

CLI::App* add_gate_command(CLI::App& app, GateArgs& a) {
  auto* cmd = app.add_subcommand(
      "gate", "Fail (exit 1) when a candidate run regresses against a baseline (docs/CI.md)");
  cmd->add_option("--baseline", a.baseline, "Run id, latest:MODEL, tag, or a baseline JSON file");
  cmd->add_option("--candidate", a.candidate, "Run id, latest:MODEL, or tag")->required();
  cmd->add_option("--rules", a.rules_file,
                  "YAML or JSON rules file (per-task max_drop, alpha, floor)");
  cmd->add_option("--max-drop", a.max_drop, "Default rule: largest allowed drop, in points")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--alpha", a.alpha, "Default rule: no significant drop at this level, in (0, 1)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--floor", a.floor, "Default rule: lowest allowed score, in points")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_flag("--allow-partial", a.allow_partial,
                "Gate a candidate that is incomplete, one shard, or missing baseline questions "
                "on the questions both scored (else an error, exit 2)");
  cmd->add_option("--junit", a.junit, "Write JUnit XML here (a test case per task)");
  cmd->add_option("--markdown", a.markdown, "Write a Markdown summary here");
  cmd->add_option("--write-baseline", a.write_baseline,
                  "Write the candidate's scores as a baseline JSON file");
  add_bootstrap_options(cmd, a.bootstrap);
  return cmd;
}

int run_gate_command(const GateArgs& a, const std::string& db) {
  return with_data_errors([&] {
    if (a.baseline.empty() && a.write_baseline.empty())
      throw InputError("gate needs --baseline (or --write-baseline to make one)");
    std::optional<RunRecord> candidate_run;
    ScoreSet candidate = load_side(a.candidate, db, "--candidate", &candidate_run);
    if (!a.write_baseline.empty()) {
      const RunRecord* run = candidate_run ? &*candidate_run : nullptr;
      write_text(a.write_baseline, baseline_json(candidate, run).dump(1) + "\n");
      std::fprintf(stderr, "wrote baseline %s (%zu tasks)\n", a.write_baseline.c_str(),
                   candidate.tasks.size());
      if (a.baseline.empty()) return 0;
    }
    ScoreSet baseline = load_side(a.baseline, db, "--baseline");
    if (a.alpha && !(*a.alpha > 0 && *a.alpha < 1))
      throw InputError("--alpha must be in (0, 1), not 0 or 1");
    GateRules rules = a.rules_file.empty() ? GateRules{} : read_gate_rules(a.rules_file);
    if (a.max_drop) rules.defaults.max_drop = a.max_drop;
    if (a.alpha) rules.defaults.alpha = a.alpha;
    if (a.floor) rules.defaults.floor = a.floor;
    GateResult result = run_gate(baseline, candidate, rules, a.bootstrap, a.allow_partial);
    std::cout << gate_text(result);
    if (!a.junit.empty()) write_text(a.junit, gate_junit_xml(result));
    if (!a.markdown.empty()) write_text(a.markdown, gate_markdown(result));
    switch (result.status()) {
      case GateStatus::kPass:
        return 0;
      case GateStatus::kFail:
        return 1;
      case GateStatus::kError:
        break;
    }
    return 2;
  });
}

CLI::App* add_tag_command(CLI::App& app, TagArgs& a) {
  auto* cmd = app.add_subcommand("tag", "Name a run (e.g. a gate's baseline); renaming moves it");
  cmd->add_option("RUN", a.run, "Run id, latest:MODEL, or an existing tag")->required();
  cmd->add_option("NAME", a.name, "The tag")->required();
  return cmd;
}

int run_tag_command(const TagArgs& a, const std::string& db) {
  return with_data_errors([&] {
    if (a.name.empty() || a.name.find_first_not_of("0123456789") == std::string::npos ||
        a.name.rfind("latest:", 0) == 0) {
      throw InputError("tag '" + a.name +
                       "': a tag must not be empty, a number, or start with latest:");
    }
    int64_t id;
    {
      StoreReader store(db);  // refuses a missing store: tagging never creates one
      id = resolve_run(store, a.run);
    }
    Store(db).tag_run(id, a.name);
    std::fprintf(stderr, "tagged run %lld as %s\n", static_cast<long long>(id), a.name.c_str());
    return 0;
  });
}

}  // namespace ys
