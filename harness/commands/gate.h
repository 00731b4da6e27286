// `yardstick gate`: the CI regression gate (reports/gate.h, docs/CI.md), and
// `yardstick tag RUN NAME`.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "scoring/stats.h"

namespace ys {

struct GateArgs {
  std::string baseline, candidate;  // run reference (id, latest:MODEL, tag) or a JSON file
  std::string rules_file, junit, markdown, write_baseline;
  std::optional<double> max_drop, alpha, floor;
  bool allow_partial = false;  // gate a partial candidate on the questions in common
  BootstrapOptions bootstrap{10000, kDefaultStatsSeed, 0.95};
};

CLI::App* add_gate_command(CLI::App& app, GateArgs& args);

// Exit status: 0 every task passes (or only --write-baseline was asked), 1 a regression,
// 2 bad usage or data (unreadable store or file, unknown run, a baseline task the
// candidate lacks; without --allow-partial, a candidate that is not completed, is one
// shard, or did not score every baseline question).
int run_gate_command(const GateArgs& args, const std::string& db);

struct TagArgs {
  std::string run, name;
};

CLI::App* add_tag_command(CLI::App& app, TagArgs& args);

// Names a run (moving the name if another run had it). 0, or 2 on bad input.
int run_tag_command(const TagArgs& args, const std::string& db);

}  // namespace ys
