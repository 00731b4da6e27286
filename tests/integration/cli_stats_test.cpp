// `yardstick compare`, `gate`, `tag`, `export` and `show` end to end: mock models (and a
// fake OpenAI server) write a scratch store, the commands run as child processes.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/store/reader.h"
#include "scoring/stats.h"
#include "tests/support/child.h"
#include "tests/support/fake_openai_server.h"
#include "tests/support/loadserver.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

using test::ChildResult;
using test::ScratchDir;

ChildResult yardstick(std::vector<std::string> args) {
  args.insert(args.begin(), test::yardstick_bin().string());
  return test::run_child(args);
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Runs python3 on `script` with `arg`; stdout. Python's xml and csv modules are the
// independent parsers that judge our XML and CSV.
ChildResult python(const std::string& script, const std::string& arg) {
  return test::run_child({"/usr/bin/python3", "-c", script, arg});
}

class StatsCli : public ::testing::Test {
 protected:
  std::string db() const { return (dir_ / "y.db").string(); }
  // Runs `model` on arith and returns its run id.
  int64_t run(const std::string& model, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"run",     "--model", model,  "--tasks", "arith",
                                     "--limit", "100",     "--db", db()};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildResult r = yardstick(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return StoreReader(db()).runs().back().id;
  }
  nlohmann::json compare_json(const std::string& a, const std::string& b) {
    ChildResult r = yardstick({"compare", a, b, "--json", "--db", db()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  ScratchDir dir_;
};

TEST_F(StatsCli, CompareOracleWithNoisyListsFlipsAndMcNemar) {
  run("mock:oracle");
  const int64_t noisy = run("mock:noisy:0.7");
  nlohmann::json j = compare_json("latest:mock:oracle", std::to_string(noisy));
  ASSERT_EQ(j["tasks"].size(), 1u);
  const auto& t = j["tasks"][0];
  EXPECT_EQ(t["task"], "arith");
  EXPECT_EQ(t["n"], 100);
  EXPECT_EQ(t["a"], 1.0);
  const double b = t["b"];
  EXPECT_GT(b, 0.5);
  EXPECT_LT(b, 0.9);
  const size_t lost = t["right_to_wrong"].size();
  EXPECT_EQ(lost, static_cast<size_t>(std::lround((1 - b) * 100)));
  EXPECT_TRUE(t["wrong_to_right"].empty());
  EXPECT_NEAR(t["difference"].get<double>(), b - 1, 1e-12);
  EXPECT_EQ(t["test"], "mcnemar_exact");
  EXPECT_NEAR(t["p"].get<double>(), mcnemar_exact_p(lost, 0), 1e-12);
  EXPECT_EQ(t["p_holm"], t["p"]);  // one task
  EXPECT_LT(t["ci"][0].get<double>(), t["difference"].get<double>());
  EXPECT_LT(t["ci"][1].get<double>(), 0.0);  // a 30-point drop is no accident
  // Every id listed as right->wrong is wrong in the noisy run's stored samples.
  std::set<std::string> flipped;
  for (const auto& id : t["right_to_wrong"]) flipped.insert(id.get<std::string>());
  size_t wrong = 0;
  for (const auto& s : StoreReader(db()).samples(noisy)) {
    if (s.scores.at("exact_match/strict") == 0) {
      ++wrong;
      EXPECT_TRUE(flipped.count(s.sample_id)) << s.sample_id;
    }
  }
  EXPECT_EQ(wrong, lost);

  ChildResult text = yardstick({"compare", "1", "2", "--db", db()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("arith right->wrong: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("mcnemar"), std::string::npos);
  ChildResult md = yardstick({"compare", "1", "2", "--markdown", "--db", db()});
  ASSERT_EQ(md.exit_code, 0);
  EXPECT_NE(md.out.find("| arith | exact_match/strict | 100 | 100.0 |"), std::string::npos)
      << md.out;

  ChildResult missing = yardstick({"compare", "1", "99", "--db", db()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no run 99"), std::string::npos) << missing.err;
  ChildResult no_store = yardstick({"compare", "1", "2", "--db", (dir_ / "none.db").string()});
  EXPECT_EQ(no_store.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "none.db"));
}

TEST_F(StatsCli, TagThenGatePassRegressionAndNoise) {
  const int64_t oracle = run("mock:oracle");
  const int64_t wrong = run("mock:wrong");
  ASSERT_EQ(yardstick({"tag", std::to_string(oracle), "base", "--db", db()}).exit_code, 0);
  EXPECT_EQ(yardstick({"tag", "99", "x", "--db", db()}).exit_code, 2);
  EXPECT_EQ(yardstick({"tag", "1", "123", "--db", db()}).exit_code, 2);
  EXPECT_EQ(StoreReader(db()).tagged_run("base"), oracle);
  // Tagging another run with the same name moves it.
  ASSERT_EQ(yardstick({"tag", std::to_string(wrong), "base", "--db", db()}).exit_code, 0);
  EXPECT_EQ(StoreReader(db()).tagged_run("base"), wrong);
  ASSERT_EQ(yardstick({"tag", "latest:mock:oracle", "base", "--db", db()}).exit_code, 0);
  EXPECT_EQ(StoreReader(db()).tagged_run("base"), oracle);
  EXPECT_EQ(StoreReader(db()).tags().size(), 1u);

  // Pass: the baseline against itself.
  ChildResult same =
      yardstick({"gate", "--baseline", "base", "--candidate", "latest:mock:oracle", "--db", db()});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_NE(same.out.find("gate: pass"), std::string::npos) << same.out;

  // Regression, with JUnit XML and a Markdown summary.
  auto junit = dir_ / "out" / "gate.xml";
  auto summary = dir_ / "out" / "gate.md";
  ChildResult bad =
      yardstick({"gate", "--baseline", "base", "--candidate", std::to_string(wrong), "--junit",
                 junit.string(), "--markdown", summary.string(), "--db", db()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  ChildResult xml = python(
      "import sys, xml.etree.ElementTree as ET\n"
      "root = ET.parse(sys.argv[1]).getroot()\n"
      "cases = root.findall('./testsuite/testcase')\n"
      "print(root.tag, len(cases), ' '.join(c.get('name') for c in cases),\n"
      "      len(root.findall('./testsuite/testcase/failure')))\n",
      junit.string());
  ASSERT_EQ(xml.exit_code, 0) << xml.err;
  EXPECT_EQ(xml.out, "testsuites 1 arith 1\n");
  std::string md = read_all(summary);
  EXPECT_NE(md.find("❌ regression"), std::string::npos) << md;
  EXPECT_NE(md.find("| arith | exact_match/strict | 100.0 | 0.0 | -100.0"), std::string::npos)
      << md;

  // Noise: two draws of the same 80% model. The significance rule passes although the
  // scores differ; a zero-tolerance drop rule on the same pair fails.
  // (Seeds 1 and 3: on arith/2's problems seeds 1 and 2 happen to score the same.)
  run("mock:noisy:0.8", {"--seed", "1"});
  run("mock:noisy:0.8", {"--seed", "3"});
  nlohmann::json j = compare_json("3", "4");
  const auto& t = j["tasks"][0];
  ASSERT_NE(t["difference"].get<double>(), 0.0);
  EXPECT_FALSE(t["right_to_wrong"].empty());
  EXPECT_FALSE(t["wrong_to_right"].empty());
  // The lower of the two is the candidate.
  const bool second_lower = t["difference"].get<double>() < 0;
  const std::string base = second_lower ? "3" : "4", cand = second_lower ? "4" : "3";
  ChildResult noise =
      yardstick({"gate", "--baseline", base, "--candidate", cand, "--alpha", "0.05", "--db", db()});
  EXPECT_EQ(noise.exit_code, 0) << noise.out << noise.err;
  ChildResult strict =
      yardstick({"gate", "--baseline", base, "--candidate", cand, "--max-drop", "0", "--db", db()});
  EXPECT_EQ(strict.exit_code, 1) << strict.out << strict.err;
  EXPECT_NE(strict.out.find("REGRESSION: dropped"), std::string::npos) << strict.out;
}

// A partial candidate cannot pass the gate unless asked: one shard, or a run whose time
// budget ran out, is an error (exit 2) naming how many baseline questions are missing;
// --allow-partial gates on the questions in common. `runs` tells the shards apart, and
// compare with no question in common prints no invented figure.
TEST_F(StatsCli, GateRefusesAPartialCandidateUnlessAllowed) {
  const int64_t base = run("mock:oracle");
  const int64_t shard0 = run("mock:oracle", {"--shard", "0/2"});
  const int64_t shard1 = run("mock:oracle", {"--shard", "1/2"});
  const size_t in_shard0 = StoreReader(db()).samples(shard0).size();
  ASSERT_GT(in_shard0, 20u);
  ASSERT_LT(in_shard0, 80u);

  ChildResult g = yardstick({"gate", "--baseline", std::to_string(base), "--candidate",
                             std::to_string(shard0), "--db", db()});
  EXPECT_EQ(g.exit_code, 2) << g.out << g.err;
  EXPECT_NE(g.out.find("is shard 0/2 only"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("did not score " + std::to_string(100 - in_shard0) +
                       " of the 100 baseline questions"),
            std::string::npos)
      << g.out;
  EXPECT_NE(g.out.find("gate: ERROR"), std::string::npos) << g.out;
  ChildResult allowed = yardstick({"gate", "--baseline", std::to_string(base), "--candidate",
                                   std::to_string(shard0), "--allow-partial", "--db", db()});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_NE(allowed.out.find("gated on the " + std::to_string(in_shard0) + " of 100"),
            std::string::npos)
      << allowed.out;

  ChildResult runs = yardstick({"runs", "--db", db()});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_NE(runs.out.find("shard"), std::string::npos) << runs.out;
  EXPECT_NE(runs.out.find("completed  0/2"), std::string::npos) << runs.out;
  EXPECT_NE(runs.out.find("completed  1/2"), std::string::npos) << runs.out;

  // The two shards share no question.
  ChildResult text =
      yardstick({"compare", std::to_string(shard0), std::to_string(shard1), "--db", db()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("no question scored in both runs"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("n/a"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("[+0.0, +0.0]"), std::string::npos) << text.out;
  nlohmann::json j = compare_json(std::to_string(shard0), std::to_string(shard1));
  EXPECT_EQ(j["tasks"][0]["n"], 0);
  EXPECT_TRUE(j["tasks"][0]["p"].is_null()) << j.dump();
  EXPECT_TRUE(j["tasks"][0]["difference"].is_null()) << j.dump();

  // Bad default rules on the command line are usage errors.
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--floor", "101"}, {"--max-drop", "-1"}, {"--alpha", "0"}}) {
    ChildResult bad = yardstick({"gate", "--baseline", std::to_string(base), "--candidate",
                                 std::to_string(base), flag, value, "--db", db()});
    EXPECT_EQ(bad.exit_code, 2) << flag << " " << value << ": " << bad.out;
  }
}

TEST_F(StatsCli, GateRefusesARunWhoseTimeBudgetRanOut) {
  test::LoadServerOptions so;
  so.latency_ms = 300;
  test::LoadServer server(so);
  const std::vector<std::string> cmd = {
      "run",     "--model", "openai:m", "--base-url", server.base_url(),
      "--tasks", "arith",   "--limit",  "30",         "--concurrency",
      "2",       "--db",    db()};
  ASSERT_EQ(yardstick(cmd).exit_code, 0);
  auto budget = cmd;
  for (const char* a : {"--no-cache", "--time-budget", "1"}) budget.push_back(a);
  ChildResult spent = yardstick(budget);
  ASSERT_EQ(spent.exit_code, 4) << spent.err;
  const auto runs = StoreReader(db()).runs();
  ASSERT_EQ(runs.size(), 2u);
  ASSERT_EQ(runs[1].status, "incomplete");
  const size_t answered = StoreReader(db()).samples(runs[1].id).size();
  ASSERT_LT(answered, 30u);

  ChildResult g = yardstick({"gate", "--baseline", "1", "--candidate", "2", "--db", db()});
  EXPECT_EQ(g.exit_code, 2) << g.out << g.err;
  EXPECT_NE(g.out.find("is incomplete"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("did not score " + std::to_string(30 - answered) + " of the 30"),
            std::string::npos)
      << g.out;
  EXPECT_EQ(
      yardstick({"gate", "--baseline", "1", "--candidate", "2", "--allow-partial", "--db", db()})
          .exit_code,
      answered > 0 ? 0 : 2);
}

TEST_F(StatsCli, BaselineFilesAndUsageErrors) {
  const int64_t oracle = run("mock:oracle");
  const int64_t wrong = run("mock:wrong");
  auto file = dir_ / "baseline.json";
  ChildResult w = yardstick({"gate", "--candidate", std::to_string(oracle), "--write-baseline",
                             file.string(), "--db", db()});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  nlohmann::json b = nlohmann::json::parse(read_all(file));
  EXPECT_EQ(b["yardstick_baseline"], 1);
  EXPECT_EQ(b["tasks"]["arith"]["scores"].size(), 100u);
  EXPECT_EQ(b["tasks"]["arith"]["mean"], 1.0);
  EXPECT_EQ(b["source"]["run_id"], oracle);
  // The same file from export.
  ChildResult exported =
      yardstick({"export", std::to_string(oracle), "--format", "baseline", "--db", db()});
  ASSERT_EQ(exported.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(exported.out)["tasks"], b["tasks"]);

  EXPECT_EQ(yardstick({"gate", "--baseline", file.string(), "--candidate", std::to_string(oracle),
                       "--db", db()})
                .exit_code,
            0);
  EXPECT_EQ(yardstick({"gate", "--baseline", file.string(), "--candidate", std::to_string(wrong),
                       "--db", db()})
                .exit_code,
            1);
  // Usage and data errors: exit 2 with a message.
  ChildResult no_baseline = yardstick({"gate", "--candidate", "1", "--db", db()});
  EXPECT_EQ(no_baseline.exit_code, 2);
  EXPECT_NE(no_baseline.err.find("--baseline"), std::string::npos) << no_baseline.err;
  ChildResult missing_file = yardstick(
      {"gate", "--baseline", (dir_ / "nope.json").string(), "--candidate", "1", "--db", db()});
  EXPECT_EQ(missing_file.exit_code, 2);
  EXPECT_NE(missing_file.err.find("nope.json"), std::string::npos) << missing_file.err;
  test::write_file(dir_ / "rules.json", R"({"tasks": {"arith": {"floor": "high"}}})");
  ChildResult bad_rules = yardstick({"gate", "--baseline", "1", "--candidate", "1", "--rules",
                                     (dir_ / "rules.json").string(), "--db", db()});
  EXPECT_EQ(bad_rules.exit_code, 2);
  EXPECT_NE(bad_rules.err.find("tasks.arith.floor must be a number"), std::string::npos)
      << bad_rules.err;
  test::write_file(dir_ / "rules.json", R"({"tasks": {"arith": {"floor": 99.5}}})");
  EXPECT_EQ(yardstick({"gate", "--baseline", "1", "--candidate", "1", "--rules",
                       (dir_ / "rules.json").string(), "--db", db()})
                .exit_code,
            0);
  // The floor flag fails a candidate below it; a floor no score can reach is a usage error.
  EXPECT_EQ(
      yardstick({"gate", "--baseline", "1", "--candidate", "1", "--floor", "100", "--db", db()})
          .exit_code,
      0);
  EXPECT_EQ(
      yardstick({"gate", "--baseline", "2", "--candidate", "2", "--floor", "0.5", "--db", db()})
          .exit_code,
      1);
  EXPECT_EQ(
      yardstick({"gate", "--baseline", "1", "--candidate", "1", "--floor", "100.1", "--db", db()})
          .exit_code,
      2);
  EXPECT_EQ(
      yardstick({"gate", "--baseline", "1", "--candidate", "nosuchtag", "--db", db()}).exit_code,
      2);
}

TEST_F(StatsCli, ExportAndShowWithoutTheApiKey) {
  const std::string secret = "sk-yardstick-test-5ecr3t-81f2";
  setenv("YS_STATS_TEST_KEY", secret.c_str(), 1);
  test::FakeOpenAIServer::Options o;
  // Text with a comma, quotes and a line break, to exercise CSV quoting end to end.
  o.answer = [](const nlohmann::json&) { return std::string("He said \"7\",\nso #### 7"); };
  test::FakeOpenAIServer server(o);
  ChildResult r =
      yardstick({"run", "--model", "openai:m", "--base-url", server.base_url(), "--api-key-env",
                 "YS_STATS_TEST_KEY", "--tasks", "arith", "--limit", "5", "--db", db()});
  unsetenv("YS_STATS_TEST_KEY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(server.last_authorization().find(secret), std::string::npos);  // the key was used

  auto jsonl = dir_ / "run.jsonl";
  ASSERT_EQ(yardstick({"export", "1", "--format", "jsonl", "--out", jsonl.string(), "--db", db()})
                .exit_code,
            0);
  std::string text = read_all(jsonl);
  EXPECT_EQ(text.find(secret), std::string::npos);
  std::istringstream lines(text);
  std::string line;
  size_t rows = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["task"], "arith");
    EXPECT_EQ(j["response"], "He said \"7\",\nso #### 7");
    EXPECT_TRUE(j["scores"].contains("exact_match/strict")) << line;
    EXPECT_FALSE(j["request"]["messages"].empty());
    ++rows;
  }
  EXPECT_EQ(rows, 5u);

  ChildResult csv = yardstick({"export", "1", "--format", "csv", "--db", db()});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.find(secret), std::string::npos);
  for (const char* suffix : {"", "-wal"}) {  // nor in the store itself (WAL mode)
    EXPECT_EQ(read_all(db() + suffix).find(secret), std::string::npos) << suffix;
  }
  auto csv_file = dir_ / "run.csv";
  test::write_file(csv_file, csv.out);
  ChildResult parsed = python(
      "import csv, sys\n"
      "rows = list(csv.reader(open(sys.argv[1], newline='')))\n"
      "h = rows[0]\n"
      "assert all(len(r) == len(h) for r in rows), 'ragged rows'\n"
      "print(len(rows) - 1, h[h.index('response')] , repr(rows[1][h.index('response')]),\n"
      "      'score:exact_match/strict' in h)\n",
      csv_file.string());
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  EXPECT_EQ(parsed.out, "5 response 'He said \"7\",\\nso #### 7' True\n");

  const std::string id = StoreReader(db()).samples(1).front().sample_id;
  ChildResult show = yardstick({"show", "1", id, "--task", "arith", "--db", db()});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  for (const char* part : {"--- prompt ---", "Question:", "--- response ---", "He said \"7\",",
                           "--- reference ---", "exact_match/strict = ", "extracted: "}) {
    EXPECT_NE(show.out.find(part), std::string::npos) << part << "\n" << show.out;
  }
  ChildResult none = yardstick({"show", "1", "no-such-id", "--db", db()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no sample 'no-such-id'"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace ys
