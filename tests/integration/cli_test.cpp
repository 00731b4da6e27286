// The yardstick command line, run as a child process: exit codes, messages, and that a
// run that cannot start writes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <tuple>

#include "datasets/reader.h"
#include "harness/store/reader.h"
#include "tests/support/child.h"
#include "tests/support/fake_openai_server.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

using test::ChildResult;
using test::run_child;
using test::ScratchDir;

ChildResult yardstick(std::vector<std::string> args) {
  args.insert(args.begin(), test::yardstick_bin().string());
  return run_child(args);
}

size_t line_count(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

class Cli : public ::testing::Test {
 protected:
  std::string db() const { return (dir_ / "y.db").string(); }
  bool db_exists() const { return std::filesystem::exists(dir_ / "y.db"); }

  // A bad-input command exits 2 with one clear line and leaves no store behind.
  void expect_bad_input(const std::vector<std::string>& args, const std::string& needle) {
    ChildResult r = yardstick(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_FALSE(db_exists());
  }

  ScratchDir dir_;
};

TEST_F(Cli, UnknownTask) {
  expect_bad_input({"run", "--model", "mock:oracle", "--tasks", "nosuchtask", "--db", db()},
                   "unknown task or suite 'nosuchtask'");
}

TEST_F(Cli, UnknownModelPrefix) {
  expect_bad_input({"run", "--model", "acme:big", "--tasks", "arith", "--db", db()},
                   "unknown model 'acme:big'");
}

TEST_F(Cli, MissingDatasetFile) {
  expect_bad_input({"run", "--model", "mock:oracle", "--tasks", "gsm8k", "--data",
                    (dir_ / "missing.jsonl").string(), "--db", db()},
                   "missing.jsonl");
}

TEST_F(Cli, DatasetNotFoundAnywhere) {
  ScratchDir specs;
  test::write_file(specs / "t.yaml", R"(name: t
dataset: {path: not/there.jsonl}
prompt: {template: "{{q}}", target: "{{a}}"}
reference: {template: "{{a}}"}
metrics: [{name: em, extract: [last_number]}]
)");
  expect_bad_input({"run", "--specs", specs.path().string(), "--model", "mock:oracle", "--tasks",
                    "t", "--db", db()},
                   "not/there.jsonl");
}

TEST_F(Cli, MalformedTaskYamlNamesFileAndLine) {
  ScratchDir specs;
  test::write_file(specs / "broken.yaml", "name: broken\nprompt:\n  template: [unclosed\n");
  ChildResult r = yardstick({"run", "--specs", specs.path().string(), "--model", "mock:oracle",
                             "--tasks", "broken", "--db", db()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find((specs / "broken.yaml").string() + ":"), std::string::npos) << r.err;
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_FALSE(db_exists());
}

TEST_F(Cli, FailedStartLeavesAnExistingStoreUntouched) {
  ChildResult ok = yardstick(
      {"run", "--model", "mock:oracle", "--tasks", "arith", "--limit", "5", "--db", db()});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  ChildResult bad = yardstick({"run", "--model", "mock:oracle", "--tasks", "nope", "--db", db()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(StoreReader(db()).runs().size(), 1u);
}

TEST_F(Cli, MockRunThenRunsAndReport) {
  ChildResult run = yardstick({"run", "--model", "mock:oracle,mock:wrong", "--tasks", "arith",
                               "--limit", "40", "--db", db()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("mock:oracle  arith"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("1.0000"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("openai:MODEL"), std::string::npos);  // how to use a real model

  ChildResult runs = yardstick({"runs", "--db", db()});
  ASSERT_EQ(runs.exit_code, 0);
  EXPECT_NE(runs.out.find("mock:wrong"), std::string::npos);
  EXPECT_NE(runs.out.find("completed"), std::string::npos);

  auto html = dir_ / "r.html";
  ChildResult report = yardstick({"report", "--db", db(), "--out", html.string()});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  std::ifstream f(html);
  std::string page((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("<th>arith</th>"), std::string::npos);
  EXPECT_NE(page.find("100.0"), std::string::npos);
  EXPECT_NE(page.find("mock:wrong"), std::string::npos);
}

TEST_F(Cli, TasksListsTasksSuitesAndCounts) {
  ChildResult r = yardstick({"tasks"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\narith "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 500 "), std::string::npos) << r.out;  // arith's generated count
  EXPECT_NE(r.out.find("gsm8k"), std::string::npos);
  EXPECT_NE(r.out.find("quick"), std::string::npos);
}

// Issue 11's "done when": `yardstick tasks` lists every reasoning task with a sample count
// (the full MATH set and GPQA are not in ../shared: their fixtures stand in, through
// $YARDSTICK_DATA), and bbh's 27 subtasks with theirs.
TEST_F(Cli, TasksListsEveryReasoningTaskWithItsCount) {
  if (!test::require_shared(test::shared_dir() / "datasets/bbh")) GTEST_SKIP();
  const char* old = std::getenv("YARDSTICK_DATA");
  const std::string saved = old ? old : "";
  setenv("YARDSTICK_DATA", (std::filesystem::path(YS_SOURCE_DIR) / "tests/fixtures").c_str(), 1);
  ChildResult r = yardstick({"tasks"});
  if (old) {
    setenv("YARDSTICK_DATA", saved.c_str(), 1);
  } else {
    unsetenv("YARDSTICK_DATA");
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> count;  // task -> its samples column
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::string name, n;
    if (cells >> name >> n) count.emplace(name, n);
  }
  const std::map<std::string, std::string> expected = {
      {"gsm8k", "1319"},      {"gsm8k_cot", "1319"},        {"gsm8k_chat", "1319"},
      {"math500", "500"},     {"minerva_math500", "500"},   {"bbh", "6511"},
      {"mmlu", "14042"},      {"mmlu_generative", "14042"}, {"arc_easy", "2376"},
      {"arith", "500"},       {"gen_arith_word", "300"},    {"gen_logic_grid", "200"},
      {"gen_algebra", "300"}, {"gpqa_diamond", "3"},        {"gpqa_main", "4"},
      {"gpqa_extended", "5"}};
  for (const auto& [task, n] : expected) EXPECT_EQ(count[task], n) << task << "\n" << r.out;
  for (const char* subject :
       {"algebra", "counting_and_probability", "geometry", "intermediate_algebra", "number_theory",
        "prealgebra", "precalculus"}) {
    EXPECT_EQ(count[std::string("math_") + subject], "2") << subject;
  }
  for (const char* task :
       {"minerva_math_algebra", "minerva_math_counting_and_prob", "minerva_math_geometry",
        "minerva_math_intermediate_algebra", "minerva_math_num_theory", "minerva_math_prealgebra",
        "minerva_math_precalc"}) {
    EXPECT_EQ(count[task], "2") << task;
  }
  size_t subtasks = 0, in_subtasks = 0;
  for (const auto& [name, n] : count) {
    if (name.rfind("bbh[", 0) != 0) continue;
    ++subtasks;
    in_subtasks += std::stoul(n);
  }
  EXPECT_EQ(subtasks, 27u);
  EXPECT_EQ(in_subtasks, 6511u);
  EXPECT_EQ(count["bbh[penguins_in_a_table]"], "146");
}

TEST_F(Cli, DataSearchOrderIsTheFlagThenYardstickDataThenTheUserCache) {
  // A task whose file exists in three places: each place wins when those before it lack it.
  ScratchDir specs, env_a, env_b, home;
  test::write_file(specs / "t.yaml", R"(name: t
dataset: {path: t/d.jsonl}
prompt: {template: "{{q}}", target: "{{a}}"}
reference: {template: "{{a}}"}
metrics: [{name: em, extract: [last_number]}]
)");
  auto put = [](const std::filesystem::path& root, int records) {
    std::filesystem::create_directories(root / "t");
    std::string lines;
    for (int i = 0; i < records; ++i)
      lines += R"({"q": "1+1", "a": "2"})"
               "\n";
    test::write_file(root / "t/d.jsonl", lines);
  };
  put(env_b.path(), 3);
  put(home / ".cache/yardstick/data", 5);
  const std::string old_home = std::getenv("HOME") ? std::getenv("HOME") : "";
  setenv("HOME", home.path().c_str(), 1);
  unsetenv("XDG_CACHE_HOME");
  auto listed = [&]() { return yardstick({"tasks", "--specs", specs.path().string()}); };
  // Only the user cache has it.
  unsetenv("YARDSTICK_DATA");
  ChildResult cache = listed();
  EXPECT_NE(cache.out.find((home / ".cache/yardstick/data/t/d.jsonl").string()), std::string::npos)
      << cache.out;
  EXPECT_NE(cache.out.find("t     5 "), std::string::npos) << cache.out;
  // $YARDSTICK_DATA, colon-separated, comes first: its first folder lacks the file.
  setenv("YARDSTICK_DATA", (env_a.path().string() + ":" + env_b.path().string()).c_str(), 1);
  ChildResult env = listed();
  EXPECT_NE(env.out.find((env_b / "t/d.jsonl").string()), std::string::npos) << env.out;
  EXPECT_NE(env.out.find("t     3 "), std::string::npos) << env.out;
  // --data comes before everything.
  put(dir_.path(), 2);
  ChildResult flag =
      yardstick({"tasks", "--specs", specs.path().string(), "--data", dir_.path().string()});
  EXPECT_NE(flag.out.find((dir_ / "t/d.jsonl").string()), std::string::npos) << flag.out;
  // Nowhere: the listing says what is missing and still lists the task.
  setenv("YARDSTICK_DATA", env_a.path().c_str(), 1);
  std::filesystem::remove_all(home / ".cache");
  ChildResult none = listed();
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_NE(none.out.find("missing: t/d.jsonl"), std::string::npos) << none.out;
  unsetenv("YARDSTICK_DATA");
  setenv("HOME", old_home.c_str(), 1);
}

TEST_F(Cli, RejectedApiKeyStopsTheRunWithExitOne) {
  test::FakeOpenAIServer::Options o;
  o.fixed_status = 401;
  test::FakeOpenAIServer server(o);
  ChildResult r = yardstick({"run", "--model", "openai:m", "--base-url", server.base_url(),
                             "--tasks", "arith", "--db", db()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("error: run 1 stopped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP 401: fixed failure for tests"), std::string::npos) << r.err;
  EXPECT_LE(server.requests(), 8);
  EXPECT_EQ(StoreReader(db()).runs().at(0).status, "failed");
}

TEST_F(Cli, RequestRejectedForEveryRequestStopsTheRunWithExitOne) {
  test::FakeOpenAIServer::Options o;
  o.reject_like_reasoning_model = true;  // rejects max_tokens, as OpenAI does for o3 or gpt-5
  test::FakeOpenAIServer server(o);
  ChildResult r = yardstick({"run", "--model", "openai:gpt-4o", "--base-url", server.base_url(),
                             "--tasks", "arith", "--db", db()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("error: run 1 stopped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP 400: Unsupported parameter: 'max_tokens' is not supported with this "
                       "model. Use 'max_completion_tokens' instead."),
            std::string::npos)
      << r.err;
  EXPECT_LT(server.requests(), 500);  // stopped, not a "completed" run of 500 errors
  StoreReader store(db());
  EXPECT_EQ(store.runs().at(0).status, "failed");
  auto stored = store.task_results(1);  // what was stored before the stop is kept
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_GE(stored[0].samples, 1u);
  EXPECT_EQ(stored[0].errors, stored[0].samples);

  // A reasoning model id is sent max_completion_tokens and no stop or temperature.
  ChildResult ok =
      yardstick({"run", "--model", "openai:gpt-5-mini", "--base-url", server.base_url(), "--tasks",
                 "arith", "--limit", "20", "--db", db()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.err.find("20 requests sent, 0 errors"), std::string::npos) << ok.err;
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(yardstick({"run", "--tasks", "arith"}).exit_code, 2);  // no --model
  EXPECT_EQ(
      yardstick({"run", "--model", "mock:oracle", "--limit", "-3", "--tasks", "arith"}).exit_code,
      2);
  EXPECT_EQ(yardstick({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(yardstick({"runs", "--db", db()}).exit_code, 2);  // no such store
}

TEST_F(Cli, LocalEngineModelRunsAndReportsOversizedPrompts) {
  const auto model = test::shared_dir() / "models/stories260K.gguf";
  if (!test::require_shared(model)) GTEST_SKIP();
  ChildResult info = yardstick({"engine", "info", model.string()});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("GGUF v3"), std::string::npos);
  ChildResult gen =
      yardstick({"engine", "generate", model.string(), "-p", "Once upon a time", "-n", "12"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  EXPECT_EQ(gen.out.rfind(", there was a little girl", 0), 0u) << gen.out;  // greedy, as llama2.c
  // arith's 3-shot prompts exceed the model's 512 positions: stored as typed errors. Issue
  // 10: such a run is 'incomplete' and exits 3 (it used to exit 0), printing the first error.
  ChildResult run = yardstick({"run", "--model", "local:" + model.string(), "--tasks", "arith",
                               "--limit", "2", "--db", db()});
  ASSERT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("2 errors"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("errors by kind: 2 invalid; first: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("run 1 is incomplete"), std::string::npos) << run.err;
  // Zero-shot prompts fit: the toy model answers (wrongly), and every sample is scored.
  ChildResult zero = yardstick({"run", "--model", "local:" + model.string(), "--tasks", "arith",
                                "--limit", "3", "--fewshot", "0", "--db", db()});
  ASSERT_EQ(zero.exit_code, 0) << zero.err;
  EXPECT_NE(zero.err.find("3 requests sent, 0 errors"), std::string::npos) << zero.err;
  EXPECT_NE(zero.out.find("exact_match/strict"), std::string::npos) << zero.out;
  EXPECT_EQ(yardstick({"engine", "info", (dir_ / "missing.gguf").string()}).exit_code, 2);
}

// A local run with --ctx 32 (its answer cut by the full context) and then the same run
// without --ctx: the second must not be served the cut answer from the response cache.
// Settings that do not change answers (threads, a context equal to the default) still hit.
TEST_F(Cli, LocalContextSizeIsPartOfTheCacheKey) {
  const auto model = test::shared_dir() / "models/stories260K.gguf";
  if (!test::require_shared(model)) GTEST_SKIP();
  ScratchDir specs;
  test::write_file(specs / "story.jsonl", "{\"q\": \"Once upon a time\", \"a\": \"1\"}\n");
  test::write_file(specs / "story.yaml", R"(name: story
dataset: {path: story.jsonl}
prompt: {template: "{{q}}", target: "{{a}}"}
generation: {max_tokens: 60, temperature: 0}
reference: {template: "{{a}}"}
metrics: [{name: em, extract: [last_number]}]
)");
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"run",
                                     "--specs",
                                     specs.path().string(),
                                     "--data",
                                     specs.path().string(),
                                     "--model",
                                     "local:" + model.string(),
                                     "--tasks",
                                     "story",
                                     "--db",
                                     db()};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildResult r = yardstick(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.err;
  };
  auto completion_tokens = [&](int64_t run_id) {
    StoreReader store(db());
    for (const TaskResult& t : store.task_results(run_id)) return t.completion_tokens;
    return int64_t{-1};
  };
  std::string small = run({"--ctx", "32"});
  EXPECT_NE(small.find("0 from cache, 1 requests sent, 0 errors"), std::string::npos) << small;
  EXPECT_EQ(completion_tokens(1), 28);  // 32 positions after a 5-token prompt (BOS + 4)
  std::string full = run({});
  EXPECT_NE(full.find("0 from cache, 1 requests sent, 0 errors"), std::string::npos) << full;
  EXPECT_GT(completion_tokens(2), 28);
  // Same answers: the context the model has by default given explicitly, other threads.
  std::string explicit_ctx = run({"--ctx", "512", "--threads", "2"});
  EXPECT_NE(explicit_ctx.find("1 from cache, 0 requests sent"), std::string::npos) << explicit_ctx;
  EXPECT_EQ(completion_tokens(3), completion_tokens(2));
  std::string small_again = run({"--ctx", "32", "--threads", "2"});
  EXPECT_NE(small_again.find("1 from cache, 0 requests sent"), std::string::npos) << small_again;
  EXPECT_EQ(completion_tokens(4), 28);
}

// Sets environment variables (nullptr: unset) for one test and restores them after.
class ScopedEnv {
 public:
  void set(const std::string& name, const char* value) {
    if (saved_.find(name) == saved_.end()) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) {
      setenv(name.c_str(), value, 1);
    } else {
      unsetenv(name.c_str());
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old) {
        setenv(name.c_str(), old->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

// The bundled model, named without a path, runs from a working directory that is not the
// repository (the build tree leads to the source tree's models/): no ../shared needed.
TEST_F(Cli, BundledModelRunsByNameFromAnyWorkingDirectory) {
  ScopedEnv env;
  ScratchDir home;
  env.set("HOME", home.path().c_str());  // an empty user cache
  env.set("XDG_CACHE_HOME", nullptr);
  env.set("YARDSTICK_MODELS", nullptr);
  ChildResult run =
      test::run_child({test::yardstick_bin().string(), "run", "--model", "local:stories260K",
                       "--tasks", "arith", "--limit", "3", "--fewshot", "0", "--db", "here.db"},
                      dir_.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("3 requests sent, 0 errors"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("local:stories260K"), std::string::npos) << run.out;
  const auto db_path = dir_ / "here.db";  // --db is relative to the working directory
  ASSERT_TRUE(std::filesystem::exists(db_path));
  StoreReader store(db_path.string());
  const auto results = store.task_results(1);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].model, "local:stories260K");
  EXPECT_EQ(results[0].status, "completed");
  EXPECT_EQ(results[0].samples, 3u);
  EXPECT_EQ(results[0].errors, 0u);
  EXPECT_GT(results[0].prompt_tokens, 3 * 10);  // each zero-shot question is dozens of tokens
  EXPECT_GT(results[0].completion_tokens, 0);
  ASSERT_EQ(results[0].metrics.size(), 2u);  // exact_match/strict and /flexible, both scored
  EXPECT_EQ(test::query_number(db_path, "SELECT COUNT(*) FROM scores"), 6);
  EXPECT_EQ(test::query_number(db_path, "SELECT COUNT(*) FROM samples WHERE scores IS NULL"), 0);
  // The bundled multiple-choice task: the real model picks the word that fits a story far
  // more often than chance (0.25; it scores 0.85), which a broken loglikelihood would not.
  ChildResult mc =
      test::run_child({test::yardstick_bin().string(), "run", "--model", "local:stories260K",
                       "--tasks", "story-words", "--db", "here.db"},
                      dir_.path());
  ASSERT_EQ(mc.exit_code, 0) << mc.err;
  EXPECT_NE(mc.err.find("40 requests sent, 0 errors"), std::string::npos) << mc.err;
  EXPECT_GT(test::query_number(db_path,
                               "SELECT AVG(value) FROM scores WHERE run_id = 2 AND "
                               "metric = 'acc'"),
            0.6);
}

// A run of a generation task and the multiple-choice task on the bundled model stores the
// same outputs (texts, loglikelihoods, scores) whether the local runner takes one request at
// a time (--batch 1) or batches 8 with shared prefixes; the batched run says it shared KV
// blocks (its flow line).
TEST_F(Cli, LocalBatchedRunStoresTheSameOutputsAsSequential) {
  auto run = [&](const std::string& db, const std::string& batch) {
    ChildResult r =
        test::run_child({test::yardstick_bin().string(), "run", "--model", "local:stories260K",
                         "--tasks", "arith,story-words", "--limit", "12", "--fewshot", "0",
                         "--batch", batch, "-c", "16", "--db", db},
                        dir_.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.err;
  };
  run("one.db", "1");
  const std::string batched = run("eight.db", "8");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      batched, m, std::regex("(\\d+) of (\\d+) prompt tokens \\((\\d+) KV blocks\\) shared")))
      << batched;
  EXPECT_GT(std::stol(m[1]), 0);
  EXPECT_GT(std::stol(m[3]), 0);
  StoreReader one((dir_ / "one.db").string()), eight((dir_ / "eight.db").string());
  std::vector<StoredSample> a = one.samples(1), b = eight.samples(1);
  ASSERT_EQ(a.size(), 24u);
  ASSERT_EQ(b.size(), a.size());
  auto order = [](const StoredSample& x, const StoredSample& y) {
    return std::tie(x.task, x.sample_id, x.repeat) < std::tie(y.task, y.sample_id, y.repeat);
  };
  std::sort(a.begin(), a.end(), order);
  std::sort(b.begin(), b.end(), order);
  size_t scored_choices = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].sample_id, b[i].sample_id);
    EXPECT_EQ(a[i].completion.text, b[i].completion.text) << a[i].sample_id;
    EXPECT_EQ(a[i].scores, b[i].scores) << a[i].sample_id;
    ASSERT_EQ(a[i].completion.continuations.size(), b[i].completion.continuations.size());
    for (size_t k = 0; k < a[i].completion.continuations.size(); ++k) {
      EXPECT_EQ(a[i].completion.continuations[k].logprob, b[i].completion.continuations[k].logprob)
          << a[i].sample_id << " " << k;
      ++scored_choices;
    }
  }
  EXPECT_EQ(scored_choices, 12u * 4);
}

// A time budget spent while an in-process model is answering: the runner cannot drop
// what it is working on, so those answers are waited for and stored, not thrown away
// (and paid for again on resume). Every request sent has its answer stored.
TEST_F(Cli, TimeBudgetKeepsTheAnswersOfAModelThatCannotCancel) {
  ChildResult r = test::run_child(
      {test::yardstick_bin().string(), "run", "--model", "local:stories260K", "--tasks", "arith",
       "--limit", "400", "--ctx", "1024", "--time-budget", "0.5", "--db", "budget.db"},
      dir_.path());
  ASSERT_EQ(r.exit_code, 4) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("(\\d+) requests sent"))) << r.err;
  const double sent = std::stod(m[1]);
  EXPECT_GT(sent, 0);
  EXPECT_LT(sent, 400);
  EXPECT_EQ(test::query_number(dir_ / "budget.db", "SELECT COUNT(*) FROM samples"), sent);
  EXPECT_EQ(
      test::query_number(dir_ / "budget.db", "SELECT COUNT(*) FROM samples WHERE scores IS NULL"),
      0);
}

// Bundled names are looked up in $YARDSTICK_MODELS, then the user cache, then the source
// tree's models/; a name found nowhere is an input error listing those folders.
TEST_F(Cli, BundledModelSearchOrderAndUnknownName) {
  const auto bundled = std::filesystem::path(YS_SOURCE_DIR) / "models/stories260K.gguf";
  ASSERT_TRUE(std::filesystem::exists(bundled));
  ScopedEnv env;
  ScratchDir home, env_a, env_b;
  env.set("HOME", home.path().c_str());
  env.set("XDG_CACHE_HOME", nullptr);
  env.set("YARDSTICK_MODELS", nullptr);
  auto info = [&](const std::string& name) { return yardstick({"engine", "info", name}); };
  // Only the source tree has it.
  ChildResult src = info("stories260K");
  ASSERT_EQ(src.exit_code, 0) << src.err;
  EXPECT_EQ(src.out.rfind(bundled.string() + ": GGUF v3", 0), 0u) << src.out;
  // The user cache comes before the source tree (a copy there is what gets opened).
  const auto cache = home / ".cache/yardstick/models";
  std::filesystem::create_directories(cache);
  std::filesystem::copy_file(bundled, cache / "stories260K.gguf");
  ChildResult cached = info("stories260K");
  EXPECT_EQ(cached.out.rfind((cache / "stories260K.gguf").string() + ":", 0), 0u) << cached.out;
  // $YARDSTICK_MODELS, colon-separated, comes first: its first folder lacks the file, the
  // second holds a broken one, whose error proves it was chosen.
  test::write_file(env_b / "stories260K.gguf", "not a gguf file");
  env.set("YARDSTICK_MODELS", (env_a.path().string() + ":" + env_b.path().string()).c_str());
  ChildResult from_env = info("stories260K.gguf");  // the extension may be given
  EXPECT_EQ(from_env.exit_code, 2);
  EXPECT_NE(from_env.err.find((env_b / "stories260K.gguf").string()), std::string::npos)
      << from_env.err;
  // A file of that name in the working directory is opened as given, before any search.
  test::write_file(dir_ / "stories260K.gguf", "not a gguf file either");
  ChildResult here = test::run_child(
      {test::yardstick_bin().string(), "engine", "info", "stories260K.gguf"}, dir_.path());
  EXPECT_EQ(here.exit_code, 2);
  EXPECT_EQ(here.err.rfind("error: stories260K.gguf: invalid GGUF", 0), 0u) << here.err;
  std::filesystem::remove(dir_ / "stories260K.gguf");
  // A name found nowhere: exit 2, one line naming every folder searched, no store written.
  expect_bad_input({"run", "--model", "local:no-such-model", "--tasks", "arith", "--db", db()},
                   "no-such-model.gguf in " + env_a.path().string() + ", " + env_b.path().string() +
                       ", " + cache.string() + ", " +
                       (std::filesystem::path(YS_SOURCE_DIR) / "models").string());
}

// `cmake --install` of this build: the installed yardstick, run from another folder with
// no source tree to fall back on, finds its bundled model, task specs and bundled data
// under PREFIX/share/yardstick.
TEST_F(Cli, InstalledYardstickFindsItsBundledModelTasksAndData) {
  ScopedEnv env;
  ScratchDir prefix, home;
  env.set("HOME", home.path().c_str());
  env.set("XDG_CACHE_HOME", nullptr);
  env.set("YARDSTICK_MODELS", nullptr);
  env.set("YARDSTICK_DATA", nullptr);
  ChildResult install = test::run_child({"/usr/bin/env", "cmake", "--install",
                                         test::yardstick_bin().parent_path().string(), "--prefix",
                                         prefix.path().string()});
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  const std::string bin = (prefix / "bin/yardstick").string();
  const auto models = prefix / "share/yardstick/models";
  EXPECT_TRUE(std::filesystem::exists(models / "README.md"));  // the licence travels with it
  ChildResult info = test::run_child({bin, "engine", "info", "stories260K"}, dir_.path());
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(info.out.rfind((models / "stories260K.gguf").string() + ": GGUF v3", 0), 0u)
      << info.out;
  ChildResult run = test::run_child({bin, "run", "--model", "local:stories260K", "--tasks",
                                     "story-words", "--limit", "4", "--db", "installed.db"},
                                    dir_.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("4 requests sent, 0 errors"), std::string::npos) << run.err;
  EXPECT_EQ(test::query_number(dir_ / "installed.db", "SELECT COUNT(*) FROM scores"), 8);
}

// A /v1/completions answer echoing each prompt as tokens split before spaces, in which
// " B" has logprob -0.1 and is every position's top token, and any other token -1.
nlohmann::json echo_preferring_b(const nlohmann::json& body) {
  nlohmann::json choices = nlohmann::json::array();
  for (size_t i = 0; i < body["prompt"].size(); ++i) {
    const std::string prompt = body["prompt"][i].get<std::string>();
    nlohmann::json tokens = nlohmann::json::array(), logprobs = nlohmann::json::array(),
                   tops = nlohmann::json::array(), offsets = nlohmann::json::array();
    size_t offset = 0;
    auto add = [&](const std::string& token) {
      tokens.push_back(token);
      logprobs.push_back(token == " B" ? -0.1 : -1.0);
      tops.push_back({{" B", -0.1}});
      offsets.push_back(offset);
      for (char c : token) offset += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    };
    for (size_t start = 0; start < prompt.size();) {
      size_t end = std::min(prompt.find(' ', start + 1), prompt.size());
      add(prompt.substr(start, end - start));
      start = end;
    }
    add(".");  // the generated token
    choices.push_back({{"index", i},
                       {"text", "."},
                       {"logprobs",
                        {{"tokens", tokens},
                         {"token_logprobs", logprobs},
                         {"top_logprobs", tops},
                         {"text_offset", offsets}}}});
  }
  return {{"choices", choices}, {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 1}}}};
}

// Multiple-choice tasks run on every kind of model: an OpenAI-compatible server through
// /completions with echoed logprobs, the local engine, and the mock models.
TEST_F(Cli, MultipleChoiceTasksOnEveryKindOfModel) {
  const auto model = test::shared_dir() / "models/stories260K.gguf";
  const auto mmlu = test::shared_dir() / "datasets/mmlu/test/abstract_algebra_test.csv";
  if (!test::require_shared(model) || !test::require_shared(mmlu)) GTEST_SKIP();
  test::FakeOpenAIServer::Options o;
  o.completions = echo_preferring_b;
  test::FakeOpenAIServer server(o);
  ChildResult api = yardstick({"run", "--model", "openai:m", "--base-url", server.base_url(),
                               "--tasks", "mmlu", "--limit", "40", "--db", db()});
  ASSERT_EQ(api.exit_code, 0) << api.err;
  EXPECT_EQ(server.requests(), 40);
  // The server always prefers " B": the accuracy is the share of B answers.
  ReadOptions csv;
  csv.format = DataFormat::kCsv;
  csv.csv_header = false;
  auto records = read_records(mmlu, csv);
  int b = 0;
  for (size_t i = 0; i < 40; ++i) b += records[i]["5"] == "B";
  char expected[64];
  std::snprintf(expected, sizeof expected, "mmlu  acc     %.4f", b / 40.0);
  EXPECT_NE(api.out.find(expected), std::string::npos) << expected << "\n" << api.out;

  // A server without /completions stops the run with its message (exit 1).
  test::FakeOpenAIServer chat_only({});
  ChildResult refused = yardstick({"run", "--model", "openai:m", "--base-url", chat_only.base_url(),
                                   "--tasks", "arc_challenge", "--db", db()});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("no /v1/completions here"), std::string::npos) << refused.err;

  ChildResult mock = yardstick({"run", "--model", "mock:oracle,mock:wrong", "--tasks",
                                "arc_challenge", "--limit", "30", "--db", db()});
  ASSERT_EQ(mock.exit_code, 0) << mock.err;
  EXPECT_NE(mock.out.find("mock:oracle  arc_challenge  acc       1.0000"), std::string::npos)
      << mock.out;
  EXPECT_NE(mock.out.find("mock:wrong   arc_challenge  acc_norm  0.0000"), std::string::npos)
      << mock.out;
  ChildResult local = yardstick({"run", "--model", "local:" + model.string(), "--tasks",
                                 "arc_challenge", "--limit", "5", "--db", db()});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_NE(local.err.find("5 requests sent, 0 errors"), std::string::npos) << local.err;
  EXPECT_NE(local.out.find("acc_norm"), std::string::npos) << local.out;
}

// Found by a new user: a wrong scheme or port took 71 s of retries to fail; an empty
// --base-url silently meant the registry's URL. Each is refused before anything is stored.
TEST_F(Cli, BaseUrlsNoRequestCouldUseAreRefusedBeforeAnythingIsStored) {
  const std::pair<const char*, const char*> cases[] = {
      {"htp://127.0.0.1:8000/v1", "--base-url: 'htp://127.0.0.1:8000/v1': "}, {"http://127.0.0.1:99999/v1", "--base-url"},
      {"http://127.0.0.1:0/v1", "port 0"},  {"", "the URL is empty"},
      {"127.0.0.1:8000/v1", "--base-url"},
  };
  for (const auto& [url, needle] : cases) {
    SCOPED_TRACE(url);
    expect_bad_input(
        {"run", "--model", "openai:m", "--base-url", url, "--tasks", "arith", "--db", db()},
        needle);
  }
}

// CLI11's own range checks print the largest double as the bound.
TEST_F(Cli, NumericOptionsNameTheRuleNotTheLargestDouble) {
  expect_bad_input(
      {"run", "--model", "mock:oracle", "--tasks", "arith", "--max-retries", "-1", "--db", db()},
      "must be a number, 0 or more (got -1)");
  expect_bad_input(
      {"run", "--model", "mock:oracle", "--tasks", "arith", "--concurrency", "0", "--db", db()},
      "must be a number above 0 (got 0)");
  ChildResult r = yardstick(
      {"run", "--model", "mock:oracle", "--tasks", "arith", "--timeout", "-2", "--db", db()});
  EXPECT_EQ(r.err.find("1.79769"), std::string::npos) << r.err;
}

TEST_F(Cli, AShardHoldingNoSampleSaysSo) {
  ChildResult r = yardstick({"run", "--model", "mock:oracle", "--tasks", "arith", "--limit", "2",
                             "--shard", "999999/1000000", "--db", db()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("run 1: no sample to evaluate: --shard 999999/1000000 holds none"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace ys
