// `yardstick export RUN --format jsonl|csv|baseline` and `yardstick show RUN SAMPLE`
// (reports/export.h; formats in docs/REPORTS.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace ys {

struct ExportArgs {
  std::string run, format = "jsonl", out;  // out empty: stdout
};

CLI::App* add_export_command(CLI::App& app, ExportArgs& args);
// 0, or 2 (message on stderr) when the run, the store or the output cannot be used.
int run_export_command(const ExportArgs& args, const std::string& db);

struct ShowArgs {
  std::string run, sample, task;
  int repeat = -1;
};

CLI::App* add_show_command(CLI::App& app, ShowArgs& args);
int run_show_command(const ShowArgs& args, const std::string& db);

}  // namespace ys
