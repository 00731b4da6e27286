#include "harness/commands/merge.h"

#include <cstdio>
#include <filesystem>

#include "harness/cli.h"
#include "harness/commands/data_errors.h"
#include "harness/store/merge.h"
#include "util/error.h"

namespace ys {

CLI::App* add_merge_command(CLI::App& app, MergeArgs& a) {
  auto* cmd = app.add_subcommand(
      "merge", "Combine the shards (run --shard i/N) and resumed pieces of one run into a store");
  cmd->add_option("stores", a.inputs, "Stores holding pieces of one run")->required();
  cmd->add_option("--into", a.into, "The store to merge into (created when missing)")->required();
  return cmd;
}

int run_merge_command(const MergeArgs& a, const std::string& command) {
  return with_data_errors([&] {
    std::vector<std::filesystem::path> inputs(a.inputs.begin(), a.inputs.end());
    MergeOutcome out;
    try {
      out = merge_stores(inputs, a.into, command);
    } catch (const MergeConflict& e) {
      throw InputError(e.what());
    }
    std::string covered;
    for (const auto& s : out.covered) covered += (covered.empty() ? "" : ", ") + s;
    for (const auto& r : out.repeated)
      std::fprintf(stderr, "note: %s was given more than once: read once\n", r.c_str());
    std::string duplicates;
    if (out.duplicates > 0) {
      duplicates = ", " + std::to_string(out.duplicates) +
                   " offered again by another piece (the same samples: ignored)";
    }
    // The summary is the command's result: stdout. Notes and advice: stderr.
    std::printf(
        "merged %zu run(s) from %zu store(s) into %s run %lld%s: %zu samples added, "
        "%zu errors replaced by answers, %zu already there%s; %s (completed shards: "
        "%s)\n",
        out.pieces, out.files, a.into.c_str(), static_cast<long long>(out.run_id),
        out.created ? " (new)" : "", out.added, out.replaced, out.already, duplicates.c_str(),
        out.status.c_str(), covered.empty() ? "none" : covered.c_str());
    std::fflush(stdout);
    if (out.status != "completed") {
      std::fprintf(stderr,
                   "run %lld is incomplete: merge the missing shards, or run the same "
                   "command without --shard on %s to answer what is missing\n",
                   static_cast<long long>(out.run_id), a.into.c_str());
      return kExitIncomplete;
    }
    return kExitOk;
  });
}

}  // namespace ys
