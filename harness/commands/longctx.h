// `yardstick longctx render|matrix`: print a generated long-context prompt (as a model
// would get it, or from a stored description), and the depth x length matrices and
// effective context lengths of stored runs (docs/LONG_CONTEXT.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace ys {

struct LongctxArgs {
  // render
  std::string task, length = "4096", description_file, model, estimator = "bpe";
  std::optional<int> depth;
  int index = 0, ctx = 0;
  std::optional<uint64_t> seed;
  bool print_description = false;
  // matrix
  std::optional<int64_t> run;
  double threshold = 85.6;
  // both
  std::string db = "results/yardstick.db", specs_dir;
};

CLI::App* add_longctx_command(CLI::App& app, LongctxArgs& args);

// Runs the chosen subcommand of `cmd`; returns the exit status. Throws InputError,
// StoreError.
int run_longctx_command(CLI::App* cmd, const LongctxArgs& args);

}  // namespace ys
