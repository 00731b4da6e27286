// The store's effective_context table (schema v3): one row per run that had long-context
// tasks. Written after the run by the harness, read by reports.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ys {

struct EffectiveContext {
  int64_t run_id = 0;
  double threshold = 85.6;
  // The largest length L such that the suite average (percent) is above the threshold at
  // every measured length up to L; empty when the smallest length already fails.
  std::optional<int64_t> effective_length;
  std::vector<std::pair<int64_t, double>> per_length;  // (length, suite average %), ascending
  std::vector<std::string> tasks;                      // the tasks averaged
};

// Replaces the row of `e.run_id` in the store at `db`. Throws StoreError.
void write_effective_context(const std::filesystem::path& db, const EffectiveContext& e);

// The stored row of `run_id`, if any. Throws StoreError.
std::optional<EffectiveContext> read_effective_context(const std::filesystem::path& db,
                                                       int64_t run_id);

}  // namespace ys
