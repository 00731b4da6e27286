#include "harness/store/run_usage.h"

#include <vector>

#include "harness/store/schema.h"
#include "harness/store/sqlite.h"
#include "util/percentile.h"
#include "util/strings.h"

namespace ys {
namespace {

// The values of one column `expression` over the scored samples of `run_id` where it is
// not NULL, ascending.
std::vector<double> sorted_values(sqlite3* db, int64_t run_id, const std::string& expression) {
  const std::string sql = "SELECT v FROM (SELECT " + expression +
                          " AS v FROM samples WHERE run_id=? AND " + scored_sample() +
                          ") WHERE v IS NOT NULL ORDER BY v";
  Statement s(db, sql.c_str());
  s.bind(1, run_id);
  std::vector<double> values;
  while (s.step()) values.push_back(s.real(0));
  return values;
}

StoredRunUsage compute(sqlite3* db, int64_t run_id) {
  StoredRunUsage u;
  u.run_id = run_id;
  Statement sums(db,
                 "SELECT count(*), coalesce(sum(prompt_tokens), 0), "
                 "coalesce(sum(completion_tokens), 0), "
                 "coalesce(sum(json_extract(response, '$.cached_tokens')), 0), "
                 "coalesce(sum(json_extract(response, '$.cache_write_tokens')), 0), "
                 "coalesce(sum(json_extract(response, '$.reasoning_tokens')), 0), "
                 "sum(json_extract(response, '$.cost_usd')) "
                 "FROM samples WHERE run_id=?");
  sums.bind(1, run_id);
  sums.step();
  u.samples = sums.integer(0);
  u.input_tokens = sums.integer(1);
  u.output_tokens = sums.integer(2);
  u.cached_input_tokens = sums.integer(3);
  u.cache_write_tokens = sums.integer(4);
  u.reasoning_tokens = sums.integer(5);
  if (!sums.is_null(6)) u.cost_usd = sums.real(6);

  const std::vector<double> latencies = sorted_values(db, run_id, "latency_s");
  u.answers = static_cast<int64_t>(latencies.size());
  u.latency_p50_s = nearest_rank(latencies, 0.50);
  u.latency_p90_s = nearest_rank(latencies, 0.90);
  u.latency_p99_s = nearest_rank(latencies, 0.99);
  const std::vector<double> ttfts = sorted_values(db, run_id, "json_extract(response, '$.ttft_s')");
  u.streamed = static_cast<int64_t>(ttfts.size());
  if (!ttfts.empty()) {
    u.ttft_p50_s = nearest_rank(ttfts, 0.50);
    u.ttft_p90_s = nearest_rank(ttfts, 0.90);
  }
  u.updated_at = utc_now_iso();
  return u;
}

void bind_optional(Statement& s, int index, const std::optional<double>& v) {
  if (v) {
    s.bind(index, *v);
  } else {
    s.bind_null(index);
  }
}

std::optional<double> optional_real(const Statement& s, int column) {
  return s.is_null(column) ? std::nullopt : std::optional<double>(s.real(column));
}

}  // namespace

StoredRunUsage compute_run_usage(const std::filesystem::path& db, int64_t run_id) {
  StoreConnection c(db);
  return compute(c.db, run_id);
}

StoredRunUsage record_run_usage(const std::filesystem::path& db, int64_t run_id) {
  StoreConnection c(db);
  return record_run_usage(c.db, run_id);
}

StoredRunUsage record_run_usage(sqlite3* db, int64_t run_id) {
  const StoredRunUsage u = compute(db, run_id);
  Statement s(db,
              "INSERT OR REPLACE INTO run_usage(run_id, samples, answers, input_tokens, "
              "cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, "
              "cost_usd, latency_p50_s, latency_p90_s, latency_p99_s, streamed, ttft_p50_s, "
              "ttft_p90_s, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, u.run_id).bind(2, u.samples).bind(3, u.answers).bind(4, u.input_tokens);
  s.bind(5, u.cached_input_tokens).bind(6, u.cache_write_tokens).bind(7, u.output_tokens);
  s.bind(8, u.reasoning_tokens);
  bind_optional(s, 9, u.cost_usd);
  s.bind(10, u.latency_p50_s).bind(11, u.latency_p90_s).bind(12, u.latency_p99_s);
  s.bind(13, u.streamed);
  bind_optional(s, 14, u.ttft_p50_s);
  bind_optional(s, 15, u.ttft_p90_s);
  s.bind(16, u.updated_at);
  s.run();
  return u;
}

std::optional<StoredRunUsage> read_run_usage(const std::filesystem::path& db, int64_t run_id) {
  StoreConnection c(db);
  return read_run_usage(c.db, run_id);
}

std::optional<StoredRunUsage> read_run_usage(sqlite3* db, int64_t run_id) {
  Statement s(db,
              "SELECT samples, answers, input_tokens, cached_input_tokens, cache_write_tokens, "
              "output_tokens, reasoning_tokens, cost_usd, latency_p50_s, latency_p90_s, "
              "latency_p99_s, streamed, ttft_p50_s, ttft_p90_s, updated_at FROM run_usage "
              "WHERE run_id=?");
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  StoredRunUsage u;
  u.run_id = run_id;
  u.samples = s.integer(0);
  u.answers = s.integer(1);
  u.input_tokens = s.integer(2);
  u.cached_input_tokens = s.integer(3);
  u.cache_write_tokens = s.integer(4);
  u.output_tokens = s.integer(5);
  u.reasoning_tokens = s.integer(6);
  u.cost_usd = optional_real(s, 7);
  u.latency_p50_s = s.real(8);
  u.latency_p90_s = s.real(9);
  u.latency_p99_s = s.real(10);
  u.streamed = s.integer(11);
  u.ttft_p50_s = optional_real(s, 12);
  u.ttft_p90_s = optional_real(s, 13);
  u.updated_at = s.text(14);
  return u;
}

}  // namespace ys
