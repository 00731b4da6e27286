// The store's run_usage table (schema v6): per run, what its stored answers used — tokens,
// cost, latency and time-to-first-token percentiles. Written by the harness when a run
// ends (recomputed from the run's samples each time, so a resumed run's row covers all of
// it); read by `yardstick runs`. docs/RUNNERS.md, "Usage and cost".
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

struct sqlite3;

namespace ys {

struct StoredRunUsage {
  int64_t run_id = 0;
  int64_t samples = 0;  // stored samples, errors included
  int64_t answers = 0;  // ... scored (answers and refusals): what the percentiles are of
  // Summed over every stored sample (answers reused from the response cache count at the
  // usage they had when first received).
  int64_t input_tokens = 0;         // cached ones included
  int64_t cached_input_tokens = 0;  // read from the provider's prompt cache
  int64_t cache_write_tokens = 0;   // written to it (Anthropic)
  int64_t output_tokens = 0;        // reasoning ones included
  int64_t reasoning_tokens = 0;
  std::optional<double> cost_usd;  // sum of the priced samples' cost_usd; empty: none priced
  double latency_p50_s = 0, latency_p90_s = 0, latency_p99_s = 0;  // nearest rank
  int64_t streamed = 0;                                            // answers with a TTFT
  std::optional<double> ttft_p50_s, ttft_p90_s;  // nearest rank; empty: none streamed
  std::string updated_at;                        // UTC, ISO 8601
};

// The usage of run `run_id` computed from its stored samples (their response JSON, see
// to_json in runners/completion.h). Throws StoreError.
StoredRunUsage compute_run_usage(const std::filesystem::path& db, int64_t run_id);

// Computes run `run_id`'s usage and replaces its row; returns it. Throws StoreError.
StoredRunUsage record_run_usage(const std::filesystem::path& db, int64_t run_id);
// The same on an open, migrated connection (merge_stores).
StoredRunUsage record_run_usage(sqlite3* db, int64_t run_id);

// The stored row of `run_id`, if any. Throws StoreError.
std::optional<StoredRunUsage> read_run_usage(const std::filesystem::path& db, int64_t run_id);
// The same on an open, migrated connection (StoreReader::run_usage).
std::optional<StoredRunUsage> read_run_usage(sqlite3* db, int64_t run_id);

}  // namespace ys
