// `yardstick merge A.db B.db ... --into C.db`: the shards and resumed pieces of one run,
// combined into one run (harness/store/merge.h, docs/SCALING.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ys {

struct MergeArgs {
  std::vector<std::string> inputs;  // stores holding pieces of one run
  std::string into;                 // the store merged into (created when missing)
};

CLI::App* add_merge_command(CLI::App& app, MergeArgs& args);

// Merges and prints one summary line per merge on stderr. Returns 0 when the merged run
// is complete, 3 when it is incomplete (shards missing or samples left unscored, as for
// `yardstick run`), 2 (one "error:" line) when the pieces are not of one run (naming both
// files and the differing field) or a store cannot be read or written.
int run_merge_command(const MergeArgs& args, const std::string& command);

}  // namespace ys
