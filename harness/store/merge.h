// Merging stores: the shards (`run --shard i/N`) and resumed pieces of one run, written
// to separate stores, combined into one run of another store (docs/SCALING.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace ys {

// Two pieces are not of the same run. what() names both files (and runs) and the first
// field that differs, with both values.
class MergeConflict : public std::runtime_error {
 public:
  explicit MergeConflict(const std::string& message) : std::runtime_error(message) {}
};

struct MergeOutcome {
  int64_t run_id = 0;                 // the run of `into` the pieces went to
  bool created = false;               // a new run (no run of `into` had the fingerprint)
  size_t files = 0;                   // distinct input stores read
  std::vector<std::string> repeated;  // inputs naming a store given before (read once)
  size_t pieces = 0;                  // runs read from those stores
  // Distinct samples (task, sample id, repeat) the pieces offered, split three ways:
  size_t added = 0;                  // new to the run
  size_t replaced = 0;               // stored unscored (errors) there, replaced by a scored piece's
  size_t already = 0;                // there before this merge and kept
  size_t duplicates = 0;             // offers beyond the first of a sample (several pieces had it)
  std::string status;                // completed or incomplete (docs/SCALING.md)
  std::vector<std::string> covered;  // shards with a completed piece ("all" if unsharded)
};

// Merges every run of each store in `inputs` into one run of the store `into` (created
// when missing; other runs there are left alone). A store named more than once is read
// once (MergeOutcome::repeated). All those runs must share their
// fingerprint parts (model/runner, limit, repeats, seed, tasks' spec and data hashes) and
// yardstick version; their shard may differ. The run of `into` is the one with the
// unsharded fingerprint (what an unsharded `yardstick run` resumes), created if absent;
// an existing one is compared with the pieces like another piece.
//
// Per (task, sample, repeat): a sample the run lacks is copied with its scores; a stored
// unscored error is replaced by a scored piece; anything else is kept, so merging a piece
// twice adds nothing. The run is 'completed' when its pieces together cover every shard
// of some N with completed runs (or one completed unsharded run) and no sample is left
// unscored; 'incomplete' otherwise. A run of `into` already 'completed' (e.g. resumed to
// the end by `yardstick run`) stays so while no sample is left unscored. The response cache of the
// pieces is copied too. `command` is stored as the merged run's command; the run's run_usage row is
// recomputed over all its samples (run_usage.h).
//
// Throws MergeConflict (nothing written), StoreError (an input that is not a store, holds
// no run, or is `into` itself; a failed write: pieces committed so far stay).
MergeOutcome merge_stores(const std::vector<std::filesystem::path>& inputs,
                          const std::filesystem::path& into, const std::string& command);

}  // namespace ys
