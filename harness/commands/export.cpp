#include "harness/commands/export.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "harness/cli_checks.h"
#include "harness/commands/data_errors.h"
#include "harness/store/reader.h"
#include "harness/store/sqlite.h"
#include "reports/compare.h"
#include "reports/export.h"
#include "util/error.h"

namespace ys {

CLI::App* add_export_command(CLI::App& app, ExportArgs& a) {
  auto* cmd = app.add_subcommand("export", "Write a run's samples as JSON Lines or CSV");
  cmd->add_option("RUN", a.run, "Run id, latest:MODEL, or tag")->required();
  cmd->add_option("--format,-f", a.format,
                  "jsonl (one object per answer), csv (one row per answer, a column per "
                  "metric), or baseline (a gate baseline file)")
      ->check(CLI::IsMember({"jsonl", "csv", "baseline"}))
      ->capture_default_str();
  cmd->add_option("--out,-o", a.out, "Output file (default: standard output)");
  return cmd;
}

int run_export_command(const ExportArgs& a, const std::string& db) {
  return with_data_errors([&] {
    StoreReader store(db);
    const int64_t id = resolve_run(store, a.run);
    std::ofstream file;
    if (!a.out.empty()) {
      std::filesystem::path p(a.out);
      std::error_code ec;
      if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
      file.open(p, std::ios::binary);
      if (!file) throw InputError(a.out + ": cannot write");
    }
    std::ostream& out = a.out.empty() ? std::cout : file;
    if (a.format == "csv") {
      write_csv_export(store, id, out);
    } else if (a.format == "baseline") {
      auto run = store.run(id);
      out << baseline_json(load_run_scores(store, id), run ? &*run : nullptr).dump(1) << "\n";
    } else {
      write_jsonl_export(store, id, out);
    }
    out.flush();
    if (!out) throw InputError((a.out.empty() ? "standard output" : a.out) + ": write failed");
    return 0;
  });
}

CLI::App* add_show_command(CLI::App& app, ShowArgs& a) {
  auto* cmd = app.add_subcommand("show", "Print one sample of a run in full");
  cmd->add_option("RUN", a.run, "Run id, latest:MODEL, or tag")->required();
  cmd->add_option("SAMPLE", a.sample, "Sample id")->required();
  cmd->add_option("--task", a.task, "Only this task's sample (ids can repeat across tasks)");
  cmd->add_option("--repeat", a.repeat, "Only this repeat (default: all)")->check(kNonNegative);
  return cmd;
}

int run_show_command(const ShowArgs& a, const std::string& db) {
  return with_data_errors([&] {
    StoreReader store(db);
    std::cout << render_sample(store, resolve_run(store, a.run), a.sample, a.task, a.repeat);
    return 0;
  });
}

}  // namespace ys
