// `yardstick compare A B`: paired comparison of two runs, task by task (reports/compare.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "scoring/stats.h"

namespace ys {

struct CompareArgs {
  std::string a, b;  // run references: id, latest:MODEL or tag
  bool json = false, markdown = false;
  size_t max_flips = 10;
  BootstrapOptions bootstrap{10000, kDefaultStatsSeed, 0.95};
};

// Registers the subcommand and its options on `app`.
CLI::App* add_compare_command(CLI::App& app, CompareArgs& args);

// Runs it on the store at `db`; prints to stdout. Returns 0, or 2 (message on stderr)
// when a run or the store cannot be read.
int run_compare_command(const CompareArgs& args, const std::string& db);

// Options every statistics command shares: --replicates, --seed, --confidence.
void add_bootstrap_options(CLI::App* cmd, BootstrapOptions& options);

}  // namespace ys
