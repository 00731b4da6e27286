// `run --shard i/N` and `yardstick merge` (docs/SCALING.md): shards merged equal an
// unsharded run sample for sample, pieces of different runs are refused, merging is
// idempotent and a crash-resumed piece merges cleanly.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "harness/shard.h"
#include "harness/store/reader.h"
#include "harness/store/schema.h"
#include "harness/store/sqlite.h"
#include "tests/support/child.h"
#include "tests/support/loadserver.h"
#include "tests/support/test_paths.h"
#include "util/error.h"

namespace ys {
namespace {

using test::ChildResult;

ChildResult yardstick(std::vector<std::string> args) {
  args.insert(args.begin(), test::yardstick_bin().string());
  return test::run_child(args);
}

// What a sample is, as far as equality of runs goes: its answer and scores.
struct Answer {
  std::string text;
  std::map<std::string, double> scores;
  bool operator==(const Answer&) const = default;
};
using Samples = std::map<SampleKey, Answer>;

// The only run of the store at `db`.
RunRecord only_run(const std::filesystem::path& db) {
  auto runs = StoreReader(db).runs();
  EXPECT_EQ(runs.size(), 1u) << db;
  return runs.empty() ? RunRecord{} : runs.front();
}

Samples samples_of(const std::filesystem::path& db) {
  Samples out;
  for (auto& s : StoreReader(db).samples(only_run(db).id)) {
    out[{s.task, s.sample_id, s.repeat}] = {s.completion.text, s.scores};
  }
  return out;
}

// Each task's aggregated metrics as "task metric n mean stderr clustered-stderr" lines
// (to 12 digits: the order values are summed in may differ).
std::string metrics_of(const std::filesystem::path& db) {
  std::string out;
  char line[256];
  for (const auto& r : StoreReader(db).task_results(only_run(db).id, {0, 1, 0.95})) {
    for (const auto& m : r.metrics) {
      std::snprintf(line, sizeof line, "%s %s %zu %.12f %.12f %.12f\n", r.task.c_str(),
                    m.metric.c_str(), m.n, m.mean, m.stderr_of_mean, m.clustered_stderr);
      out += line;
    }
  }
  EXPECT_FALSE(out.empty());
  return out;
}

TEST(Shard, ValuesAreParsedAndBadOnesRefused) {
  const Shard s = parse_shard("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  EXPECT_EQ(s.text(), "2/5");
  for (const char* bad : {"3/2", "2/2", "0/0", "x", "-1/2", "1/", "/2", "1/2/3", "1 /2", ""}) {
    EXPECT_THROW(parse_shard(bad), InputError) << bad;
  }
}

TEST(Shard, AssignmentDependsOnTaskAndSampleIdOnly) {
  std::map<int, int> per_shard;
  for (int i = 0; i < 4000; ++i) {
    const std::string id = std::to_string(i);
    const int s = shard_of("gsm8k", id, 4);
    ASSERT_GE(s, 0);
    ASSERT_LT(s, 4);
    EXPECT_EQ(s, shard_of("gsm8k", id, 4));  // the same every time
    ++per_shard[s];
  }
  for (const auto& [s, n] : per_shard) EXPECT_NEAR(n, 1000, 150) << "shard " << s;
  int moved = 0;  // the task name is part of the key: tasks split independently
  for (int i = 0; i < 1000; ++i)
    moved += shard_of("a", std::to_string(i), 2) != shard_of("b", std::to_string(i), 2);
  EXPECT_GT(moved, 350);
  EXPECT_LT(moved, 650);
}

class ShardMerge : public ::testing::Test {
 protected:
  // `yardstick run` of a noisy mock (about 60% right: scores vary) over arith.
  ChildResult run(const std::string& db, std::vector<std::string> extra,
                  const std::string& model = "mock:noisy:0.6", const std::string& limit = "120") {
    std::vector<std::string> args = {"run", "--model",   model, "--tasks", "arith", "--limit",
                                     limit, "--repeats", "2",   "--db",    db};
    args.insert(args.end(), extra.begin(), extra.end());
    return yardstick(args);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  test::ScratchDir dir_;
};

TEST_F(ShardMerge, TwoShardsMergedEqualAnUnshardedRunSampleForSample) {
  ASSERT_EQ(run(path("full.db"), {}).exit_code, 0);
  ChildResult s0 = run(path("s0.db"), {"--shard", "0/2"});
  ASSERT_EQ(s0.exit_code, 0) << s0.err;
  ASSERT_EQ(run(path("s1.db"), {"--shard", "1/2"}).exit_code, 0);

  const Samples full = samples_of(path("full.db")), a = samples_of(path("s0.db")),
                b = samples_of(path("s1.db"));
  ASSERT_EQ(full.size(), 240u);
  EXPECT_GT(a.size(), 80u);  // a fair split, each sample's repeats together
  EXPECT_GT(b.size(), 80u);
  EXPECT_EQ(a.size() + b.size(), full.size());
  for (const auto& [key, answer] : a) EXPECT_EQ(b.count(key), 0u) << "in both shards";
  EXPECT_EQ(only_run(path("s0.db")).shard, "0/2");
  EXPECT_NE(only_run(path("s0.db")).fingerprint, only_run(path("s1.db")).fingerprint);

  ChildResult m = yardstick({"merge", path("s0.db"), path("s1.db"), "--into", path("m.db")});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.out.find("240 samples added"), std::string::npos) << m.out;
  EXPECT_EQ(samples_of(path("m.db")), full);
  EXPECT_EQ(metrics_of(path("m.db")), metrics_of(path("full.db")));
  const RunRecord merged = only_run(path("m.db"));
  EXPECT_EQ(merged.status, "completed");
  EXPECT_EQ(merged.fingerprint, only_run(path("full.db")).fingerprint);  // as if unsharded
  EXPECT_TRUE(merged.shard.empty());
  EXPECT_EQ(merged.merged_from.size(), 2u);

  // Idempotent: the same pieces again (in any order) add nothing.
  ChildResult again = yardstick({"merge", path("s1.db"), path("s0.db"), "--into", path("m.db")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 samples added"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("240 already there"), std::string::npos) << again.out;
  EXPECT_EQ(samples_of(path("m.db")), full);
  EXPECT_EQ(only_run(path("m.db")).merged_from.size(), 2u);
  EXPECT_EQ(test::query_number(path("m.db"), "SELECT count(*) FROM scores"),
            test::query_number(path("full.db"), "SELECT count(*) FROM scores"));

  // The pieces' response caches came along: a rerun of the completed command (a new run,
  // as always after a completed one) is answered from the cache alone.
  ChildResult rerun = run(path("m.db"), {});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("240 from cache, 0 requests sent"), std::string::npos) << rerun.err;
}

TEST_F(ShardMerge, AShardsSamplesDoNotDependOnTheLimit) {
  ASSERT_EQ(run(path("a.db"), {"--shard", "1/3"}, "mock:noisy:0.6", "40").exit_code, 0);
  ASSERT_EQ(run(path("b.db"), {"--shard", "1/3"}).exit_code, 0);  // --limit 120
  const Samples small = samples_of(path("a.db")), big = samples_of(path("b.db"));
  EXPECT_GT(small.size(), 10u);
  EXPECT_LT(small.size(), big.size());
  for (const auto& [key, answer] : small) EXPECT_EQ(big.count(key), 1u) << std::get<1>(key);
}

TEST_F(ShardMerge, BadShardValuesAreUsageErrors) {
  for (const char* bad : {"3/2", "0/0", "x", "1/-2"}) {
    ChildResult r = run(path("bad.db"), {"--shard", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--shard"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(path("bad.db"))) << bad;
  }
}

TEST_F(ShardMerge, PiecesOfDifferentRunsAreRefusedNamingFilesAndField) {
  ASSERT_EQ(run(path("s0.db"), {"--shard", "0/2", "--seed", "1"}).exit_code, 0);
  ASSERT_EQ(run(path("s1.db"), {"--shard", "1/2", "--seed", "2"}).exit_code, 0);
  ChildResult r = yardstick({"merge", path("s0.db"), path("s1.db"), "--into", path("m.db")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path("s0.db")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path("s1.db")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("differ in seed (1 vs 2)"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("m.db")));

  ASSERT_EQ(run(path("w.db"), {"--shard", "1/2", "--seed", "1"}, "mock:wrong").exit_code, 0);
  r = yardstick({"merge", path("s0.db"), path("w.db"), "--into", path("m.db")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("differ in model"), std::string::npos) << r.err;

  ASSERT_EQ(run(path("l.db"), {"--shard", "1/2", "--seed", "1"}, "mock:noisy:0.6", "7").exit_code,
            0);
  r = yardstick({"merge", path("s0.db"), path("l.db"), "--into", path("m.db")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("differ in sample limit (120 vs 7)"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("m.db")));
}

// merge's counts are of distinct stores and samples: a store named twice is read once, and
// a store holding a rerun of its completed command (a new run, answered from the cache)
// offers the same samples twice but adds them once. The summary is on stdout.
TEST_F(ShardMerge, CountsAreOfDistinctStoresAndSamples) {
  ChildResult first = run(path("s0.db"), {"--shard", "0/2"}, "mock:noisy:0.6", "30");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const size_t n = samples_of(path("s0.db")).size();
  ASSERT_GT(n, 10u);

  ChildResult m =
      yardstick({"merge", path("s0.db"), path("s0.db"), path("s0.db"), "--into", path("m.db")});
  EXPECT_EQ(m.exit_code, 3) << m.err;  // one shard of two
  EXPECT_NE(m.out.find("merged 1 run(s) from 1 store(s)"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find(std::to_string(n) + " samples added"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find(" 0 already there;"), std::string::npos) << m.out;
  EXPECT_EQ(m.err.find("samples added"), std::string::npos) << m.err;  // stdout, not stderr
  EXPECT_NE(m.err.find(path("s0.db") + " was given more than once: read once"), std::string::npos)
      << m.err;
  EXPECT_EQ(test::query_number(path("m.db"), "SELECT count(*) FROM samples"),
            static_cast<double>(n));

  // The same command again: a new run of s0.db, answered from the cache.
  ChildResult rerun = run(path("s0.db"), {"--shard", "0/2"}, "mock:noisy:0.6", "30");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  ASSERT_EQ(StoreReader(path("s0.db")).runs().size(), 2u);
  m = yardstick({"merge", path("s0.db"), "--into", path("m.db")});
  EXPECT_EQ(m.exit_code, 3) << m.err;
  EXPECT_NE(m.out.find("merged 2 run(s) from 1 store(s)"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("0 samples added"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find(std::to_string(n) + " already there, " + std::to_string(n) +
                       " offered again by another piece"),
            std::string::npos)
      << m.out;
  m = yardstick({"merge", path("s0.db"), "--into", path("fresh.db")});
  EXPECT_NE(m.out.find(std::to_string(n) +
                       " samples added, 0 errors replaced by answers, 0 "
                       "already there, " +
                       std::to_string(n) + " offered again"),
            std::string::npos)
      << m.out;
  EXPECT_EQ(test::query_number(path("fresh.db"), "SELECT count(*) FROM samples"),
            static_cast<double>(n));
}

// A field one side never set (no --seed) reads "unset", not "null".
TEST_F(ShardMerge, AFieldNeverGivenReadsUnset) {
  ASSERT_EQ(run(path("a.db"), {"--shard", "0/2"}, "mock:noisy:0.6", "10").exit_code, 0);
  ASSERT_EQ(run(path("b.db"), {"--shard", "1/2", "--seed", "7"}, "mock:noisy:0.6", "10").exit_code,
            0);
  ChildResult r = yardstick({"merge", path("a.db"), path("b.db"), "--into", path("m.db")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("differ in seed (unset vs 7)"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("null"), std::string::npos) << r.err;
}

// A shard killed mid-run merges as an incomplete piece; resumed, it merges again into the
// same store, which then equals an unsharded run with no duplicate and no loss.
TEST_F(ShardMerge, ACrashResumedPieceMergesCleanly) {
  test::LoadServerOptions so;
  so.latency_ms = 20;
  test::LoadServer server(so);
  auto remote = [&](const std::string& db, std::vector<std::string> extra) {
    std::vector<std::string> args = {test::yardstick_bin().string(),
                                     "run",
                                     "--model",
                                     "openai:m",
                                     "--base-url",
                                     server.base_url(),
                                     "--tasks",
                                     "arith",
                                     "--concurrency",
                                     "4",
                                     "--db",
                                     db};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  ASSERT_EQ(test::run_child(remote(path("full.db"), {"--no-cache"})).exit_code, 0);
  ASSERT_EQ(test::run_child(remote(path("s1.db"), {"--shard", "1/2"})).exit_code, 0);

  const auto before = server.stats().requests;
  pid_t pid = test::start_child(remote(path("s0.db"), {"--shard", "0/2"}), path("log"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (server.stats().requests - before < 100 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  EXPECT_EQ(test::wait_child(pid), -SIGKILL);
  EXPECT_EQ(only_run(path("s0.db")).status, "running");  // as the crash left it
  const size_t partial = samples_of(path("s0.db")).size();

  ChildResult m = yardstick({"merge", path("s0.db"), path("s1.db"), "--into", path("m.db")});
  EXPECT_EQ(m.exit_code, 3) << m.err;  // shard 0/2 is not complete yet
  EXPECT_NE(m.err.find("incomplete"), std::string::npos) << m.err;
  EXPECT_EQ(only_run(path("m.db")).status, "incomplete");

  ChildResult resumed = test::run_child(remote(path("s0.db"), {"--shard", "0/2"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("(resumed)"), std::string::npos) << resumed.err;

  m = yardstick({"merge", path("s0.db"), "--into", path("m.db")});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.out.find(std::to_string(partial) + " already there"), std::string::npos) << m.out;
  const Samples full = samples_of(path("full.db"));
  ASSERT_EQ(full.size(), 500u);
  EXPECT_EQ(samples_of(path("m.db")), full);
  EXPECT_EQ(metrics_of(path("m.db")), metrics_of(path("full.db")));
  EXPECT_EQ(only_run(path("m.db")).status, "completed");
  EXPECT_EQ(test::query_number(path("m.db"), "SELECT count(*) FROM samples"), 500.0);
}

// `yardstick runs` reads the run_usage row: a merged run gets one, over all its samples.
TEST_F(ShardMerge, AMergedRunGetsTheUsageRowOfTheUnshardedRun) {
  ASSERT_EQ(run(path("full.db"), {}, "mock:noisy:0.6", "30").exit_code, 0);
  ASSERT_EQ(run(path("s0.db"), {"--shard", "0/2"}, "mock:noisy:0.6", "30").exit_code, 0);
  ASSERT_EQ(run(path("s1.db"), {"--shard", "1/2"}, "mock:noisy:0.6", "30").exit_code, 0);
  ChildResult m = yardstick({"merge", path("s0.db"), path("s1.db"), "--into", path("m.db")});
  ASSERT_EQ(m.exit_code, 0) << m.err;

  const auto full = StoreReader(path("full.db")).run_usage(only_run(path("full.db")).id);
  const auto merged = StoreReader(path("m.db")).run_usage(only_run(path("m.db")).id);
  ASSERT_TRUE(full.has_value());
  ASSERT_TRUE(merged.has_value()) << "no run_usage row for the merged run";
  EXPECT_EQ(merged->samples, 60);
  EXPECT_EQ(merged->samples, full->samples);
  EXPECT_EQ(merged->answers, full->answers);
  EXPECT_GT(merged->input_tokens, 0);
  EXPECT_EQ(merged->input_tokens, full->input_tokens);
  EXPECT_EQ(merged->output_tokens, full->output_tokens);
  EXPECT_EQ(merged->cost_usd, full->cost_usd);

  ChildResult runs = yardstick({"runs", "--db", path("m.db")});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_NE(runs.out.find(std::to_string(merged->input_tokens) + "/" +
                          std::to_string(merged->output_tokens)),
            std::string::npos)
      << runs.out;
}

// A merged run left incomplete, then resumed to the end by an unsharded `yardstick run`,
// stays completed when the same pieces are merged again (their entries still say one was
// incomplete).
TEST_F(ShardMerge, MergingAgainKeepsATargetCompletedSinceCompleted) {
  test::LoadServer server(test::failing_first(test::Fault::k500, 1));  // each body once
  auto remote = [&](const std::string& db, std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "run",     "--model", "openai:m", "--base-url", server.base_url(),
        "--tasks", "arith",   "--limit",  "20",         "--retry-base-delay",
        "0",       "--db",    db};
    args.insert(args.end(), extra.begin(), extra.end());
    return yardstick(args);
  };
  ChildResult s0 = remote(path("s0.db"), {"--shard", "0/2"});
  ASSERT_EQ(s0.exit_code, 0) << s0.err;
  ChildResult s1 = remote(path("s1.db"), {"--shard", "1/2", "--max-retries", "0"});
  EXPECT_EQ(only_run(path("s1.db")).status, "incomplete") << s1.err;

  ChildResult m = yardstick({"merge", path("s0.db"), path("s1.db"), "--into", path("m.db")});
  EXPECT_EQ(m.exit_code, 3) << m.err;
  EXPECT_EQ(only_run(path("m.db")).status, "incomplete");

  ChildResult resumed = remote(path("m.db"), {});  // unsharded: resumes the merged run
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("(resumed)"), std::string::npos) << resumed.err;
  EXPECT_EQ(only_run(path("m.db")).status, "completed");

  m = yardstick({"merge", path("s0.db"), path("s1.db"), "--into", path("m.db")});
  EXPECT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.out.find("0 samples added"), std::string::npos) << m.out;
  EXPECT_EQ(only_run(path("m.db")).status, "completed");
  EXPECT_EQ(
      test::query_number(path("m.db"), "SELECT count(*) FROM samples WHERE " + unscored_sample()),
      0.0);
}

// The run merged into is compared with the pieces like a piece: the fingerprint does not
// hold the yardstick version.
TEST_F(ShardMerge, ATargetRunOfAnotherYardstickVersionIsRefused) {
  ASSERT_EQ(run(path("s0.db"), {"--shard", "0/2"}, "mock:noisy:0.6", "20").exit_code, 0);
  ASSERT_EQ(run(path("s1.db"), {"--shard", "1/2"}, "mock:noisy:0.6", "20").exit_code, 0);
  ChildResult m = yardstick({"merge", path("s0.db"), "--into", path("m.db")});
  ASSERT_EQ(m.exit_code, 3) << m.err;  // half of the run
  {
    StoreConnection c(path("m.db"));
    exec_sql(c.db, "UPDATE runs SET yardstick_version='0.0.1-older'");
  }
  const double before = test::query_number(path("m.db"), "SELECT count(*) FROM samples");
  m = yardstick({"merge", path("s1.db"), "--into", path("m.db")});
  EXPECT_EQ(m.exit_code, 2) << m.err;
  EXPECT_NE(m.err.find("differ in yardstick version"), std::string::npos) << m.err;
  EXPECT_NE(m.err.find("0.0.1-older"), std::string::npos) << m.err;
  EXPECT_NE(m.err.find(path("m.db")), std::string::npos) << m.err;
  EXPECT_EQ(test::query_number(path("m.db"), "SELECT count(*) FROM samples"), before);
}

TEST_F(ShardMerge, MergingAStoreIntoItselfOrAnEmptyStoreIsAnError) {
  ASSERT_EQ(run(path("s0.db"), {"--shard", "0/2"}).exit_code, 0);
  ChildResult r = yardstick({"merge", path("s0.db"), "--into", path("s0.db")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("only as --into"), std::string::npos) << r.err;
  r = yardstick({"merge", path("nope.db"), "--into", path("m.db")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope.db"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ys
