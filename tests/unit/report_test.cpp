#include <gtest/gtest.h>
#include <sqlite3.h>
#include <zlib.h>

#include <cctype>
#include <cstring>
#include <map>
#include <sstream>

#include "harness/store/store.h"
#include "reports/html.h"
#include "reports/interval.h"
#include "reports/table.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

std::vector<TaskResult> results() {
  TaskResult a;
  a.run_id = 1;
  a.model = "model<script>alert(1)</script>";
  a.task = "gsm8k";
  a.samples = 10;
  a.metrics = {{"exact_match/strict", 10, 0.8, 0.1}};
  TaskResult b = a;
  b.run_id = 2;
  b.model = "other";
  b.metrics = {{"exact_match/strict", 10, 0.6, 0.1}};
  TaskResult old = b;
  old.run_id = 0;  // older run of the same (model, task): not shown
  old.metrics = {{"exact_match/strict", 10, 0.123, 0.1}};
  return {a, b, old};
}

TEST(HtmlReport, EscapesStoredTextAndShowsNewestRun) {
  std::string html = render_html_report(results(), {"t", "now", "v", {}, true});
  // The page has scripts of its own; the stored text must not open one.
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("model&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("80.0"), std::string::npos);
  EXPECT_NE(html.find("60.0"), std::string::npos);
  EXPECT_EQ(html.find("12.3"), std::string::npos);
  EXPECT_NE(html.find("class=\"best\""), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);  // self-contained
}

TaskResult result(const std::string& model, const std::string& task, double mean, double se,
                  int64_t run) {
  TaskResult r;
  r.run_id = run;
  r.model = model;
  r.task = task;
  r.samples = 100;
  r.metrics = {{"em", 100, mean, se}};
  return r;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The <td> holding `value` (the first one).
std::string cell_with(const std::string& html, const std::string& value) {
  size_t at = html.find(">" + value + " <span");
  if (at == std::string::npos) return "";
  size_t open = html.rfind("<td", at);
  return html.substr(open, at - open);
}

TEST(HtmlReport, MarksTheBestAndTiesWithinItsInterval) {
  // a: 80 +- 19.6 -> [60.4, 99.6]; b: 70 +- 9.8 -> [60.2, 79.8] overlaps; c: 20 +- 2 no.
  std::string html =
      render_html_report({result("a", "t", 0.8, 0.1, 1), result("b", "t", 0.7, 0.05, 2),
                          result("c", "t", 0.2, 0.01, 3)},
                         {});
  EXPECT_NE(cell_with(html, "80.0").find("class=\"best\""), std::string::npos) << html;
  EXPECT_NE(cell_with(html, "70.0").find("class=\"tie\""), std::string::npos);
  EXPECT_EQ(cell_with(html, "20.0").find("class="), std::string::npos);
  EXPECT_EQ(count(html, "class=\"best\""), 1u);
  EXPECT_EQ(count(html, "class=\"tie\""), 1u);
  EXPECT_NE(html.find("&plusmn; 19.6"), std::string::npos);  // half-width of the 95% CI
}

TaskResult with_run(TaskResult r, const std::string& status, const std::string& shard) {
  r.status = status;
  r.shard = shard;
  return r;
}

// The leaderboard shows the newest whole run (completed; unsharded or merged) of a model
// and task, not a newer run that is incomplete or one shard.
TEST(HtmlReport, LeaderboardTakesTheNewestCompletedWholeRun) {
  std::string html =
      render_html_report({with_run(result("m", "t", 0.55, 0.05, 1), "completed", ""),
                          with_run(result("m", "t", 0.125, 0.05, 2), "incomplete", ""),
                          with_run(result("m", "t", 0.875, 0.05, 3), "completed", "1/2")},
                         {});
  EXPECT_NE(html.find(">55.0 <span"), std::string::npos) << html;
  EXPECT_EQ(html.find(">12.5 <span"), std::string::npos);
  EXPECT_EQ(html.find(">87.5 <span"), std::string::npos);
  EXPECT_EQ(html.find("class=\"hint partial-note\""), std::string::npos);  // nothing partial shown
  EXPECT_NE(html.find("newest completed whole run"), std::string::npos);
}

// When only partial runs exist, the newest is shown, marked, and the page says what it is.
TEST(HtmlReport, APartialRunIsShownOnlyWhenNoWholeRunExistsAndIsMarked) {
  std::string html =
      render_html_report({with_run(result("m", "t", 0.55, 0.05, 1), "completed", "0/2"),
                          with_run(result("m", "t", 0.65, 0.05, 2), "completed", "1/2"),
                          with_run(result("m", "u", 0.25, 0.05, 3), "incomplete", ""),
                          with_run(result("n", "t", 0.45, 0.05, 4), "completed", "")},
                         {});
  const std::string shard = cell_with(html, "65.0");
  EXPECT_NE(shard.find("partial"), std::string::npos) << shard;
  EXPECT_NE(shard.find("run 2 is shard 1/2"), std::string::npos) << shard;
  EXPECT_NE(html.find("m / t: run 2 is shard 1/2"), std::string::npos) << html;
  EXPECT_NE(html.find("m / u: run 3 is incomplete"), std::string::npos);
  EXPECT_EQ(cell_with(html, "45.0").find("partial"), std::string::npos);
  EXPECT_NE(html.find("&dagger;"), std::string::npos);
}

TEST(HtmlReport, SuiteAverageNeedsEveryTaskOfTheSuite) {
  ReportInfo info;
  info.suites = {{"both", {"t1", "t2"}}, {"absent", {"t9"}}};
  std::string html =
      render_html_report({result("a", "t1", 0.8, 0.1, 1), result("a", "t2", 0.6, 0.1, 1),
                          result("b", "t1", 0.9, 0.1, 2)},
                         info);
  EXPECT_NE(html.find(">suite: both</th>"), std::string::npos);
  EXPECT_EQ(html.find("suite: absent"), std::string::npos);
  // (80 + 60) / 2 = 70; 1.96 * sqrt(0.1^2 + 0.1^2) / 2 = 13.86 points.
  EXPECT_NE(html.find(">70.0 <span class=\"se\">&plusmn; 13.9</span>"), std::string::npos) << html;
  // b has no t2: a dash in both the t2 and the suite column.
  size_t b_row = html.find("<tr><td data-value=\"b\">");
  ASSERT_NE(b_row, std::string::npos);
  std::string row = html.substr(b_row, html.find("</tr>", b_row) - b_row);
  EXPECT_EQ(count(row, "class=\"none\""), 2u) << row;
}

TEST(ScoreInterval, NormalApproximationClippedToTheUnitRange) {
  ScoreInterval ci = score_interval({"em", 100, 0.5, 0.1});
  EXPECT_NEAR(ci.low, 0.304, 1e-12);
  EXPECT_NEAR(ci.high, 0.696, 1e-12);
  ci = score_interval({"em", 100, 0.95, 0.1});
  EXPECT_NEAR(ci.low, 0.754, 1e-12);
  EXPECT_EQ(ci.high, 1.0);
  ci = score_interval({"bleu", 10, 20.0, 5.0});  // not a rate: not clipped
  EXPECT_NEAR(ci.high, 29.8, 1e-12);
}

TEST(ScoreInterval, BootstrapIntervalWinsWhenTheStoreComputedOne) {
  MetricResult m{"em", 100, 0.5, 0.1};
  m.ci = {0.41, 0.58};  // as task_results' bootstrap would set it
  ScoreInterval ci = score_interval(m);
  EXPECT_EQ(ci.low, 0.41);
  EXPECT_EQ(ci.high, 0.58);
  m.ci = {0.5, 0.5};  // bootstrap off: the clustered standard error's normal interval
  m.clustered_stderr = 0.05;
  ci = score_interval(m);
  EXPECT_NEAR(ci.low, 0.402, 1e-12);
  EXPECT_NEAR(ci.high, 0.598, 1e-12);
}

// ---- from a store ------------------------------------------------------------------------

std::string decode_base64(const std::string& in) {
  std::string out;
  int value = 0, bits = 0;
  for (char c : in) {
    const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char* p = std::strchr(table, c);
    if (c == '=' || !p) break;
    value = (value << 6) | static_cast<int>(p - table);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

std::string inflate(const std::string& packed) {
  z_stream z{};
  EXPECT_EQ(inflateInit(&z), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(packed.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = ::inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  EXPECT_EQ(rc, Z_STREAM_END);
  return out;
}

// The text of the element that starts with `open`.
std::string element_text(const std::string& html, const std::string& open) {
  size_t at = html.find(open);
  if (at == std::string::npos) return "";
  at += open.size();
  return html.substr(at, html.find("</script>", at) - at);
}

const char* const kPayload = "<script>alert(1)</script><img src=x onerror=alert(2)> 4";

// Two runs of task "t": the first answers right with the payload as its text, the second
// wrong; samples of the first carry a long-context description.
void write_store(const std::filesystem::path& db) {
  Store store(db);
  for (int r = 0; r < 2; ++r) {
    RunRecord run;
    run.fingerprint = "fp" + std::to_string(r);
    run.model = r == 0 ? "mock:<b>oracle</b>" : "openai:other";
    run.tasks = {"t"};
    run.seed = 77;
    run.runner_config = {{"type", "mock"}};
    run.started_at = "2026-12-01T00:00:00Z";
    run.status = "completed";
    int64_t id = store.create_run(run);
    store.declare_metrics(id, "t", {{"em", Aggregation::kMean}});
    for (int i = 0; i < 4; ++i) {
      SampleRecord s;
      s.run_id = id;
      s.task = "t";
      s.sample_id = "s" + std::to_string(i);
      s.cache_key = run.fingerprint + s.sample_id;
      nlohmann::json content = "What is 2+2?";
      if (r == 0) content = {{"generated", {{"depth", i % 2 * 50}, {"context_length", 4096}}}};
      s.request = {{"messages", {{{"role", "user"}, {"content", content}}}},
                   {"sampling", {{"temperature", 0.5}, {"max_tokens", 64}}}};
      s.reference = "4";
      s.completion.text = r == 0 ? kPayload : "five";
      s.completion.reasoning = "thinking</script>";
      s.completion.usage = {10, 2};
      s.completion.latency_s = 0.25;
      const double value = r == 0 && i != 3 ? 1.0 : 0.0;
      s.scores = {{"em", value, value > 0 ? std::optional<std::string>("4") : std::nullopt, ""}};
      store.write(s);
    }
  }
  store.flush();
}

TEST(HtmlReportFromStore, EmbedsEverySampleCompressedAndDecodable) {
  test::ScratchDir dir;
  write_store(dir / "s.db");
  StoreReader reader(dir / "s.db");
  std::string html = render_html_report(reader, {});
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("thinking</script>"), std::string::npos);
  auto data = nlohmann::json::parse(
      element_text(html, "<script type=\"application/json\" id=\"ys-data\">"));
  ASSERT_EQ(data["chunks"].size(), 2u);
  EXPECT_EQ(data["chunks"][0]["metric"], "em");
  EXPECT_EQ(data["chunks"][0]["samples"], 4);
  const std::string id = data["chunks"][0]["id"];
  auto rows = nlohmann::json::parse(inflate(decode_base64(
      element_text(html, "<script type=\"application/octet-stream\" id=\"" + id + "\">"))));
  ASSERT_EQ(rows.size(), 4u);
  // [id, repeat, request, response, reference, extracted, scores, error kind]
  EXPECT_EQ(rows[0][0], "s0");
  EXPECT_EQ(rows[0][3]["text"], kPayload);
  EXPECT_EQ(rows[0][3]["reasoning"], "thinking</script>");
  EXPECT_EQ(rows[0][4], "4");
  EXPECT_EQ(rows[0][5]["em"], "4");
  EXPECT_EQ(rows[3][6]["em"], 0.0);
  EXPECT_TRUE(rows[3][5]["em"].is_null());
  // Run metadata: escaped model, seed, sampling from the requests.
  EXPECT_NE(html.find("<td>mock:&lt;b&gt;oracle&lt;/b&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>77</td>"), std::string::npos);
  EXPECT_NE(html.find("&quot;temperature&quot;:0.5"), std::string::npos);
  // Efficiency figures: summed latency per (run, task); no cost in this store.
  EXPECT_DOUBLE_EQ(data["results"][0]["latency_s"].get<double>(), 1.0);
  EXPECT_FALSE(data["results"][0].contains("cost"));

  ReportInfo figures_only;
  figures_only.include_samples = false;
  std::string small = render_html_report(reader, figures_only);
  EXPECT_EQ(small.find("application/octet-stream"), std::string::npos);
  EXPECT_LT(small.size(), html.size());
}

TEST(HtmlReportFromStore, DepthByLengthCellsAndCost) {
  test::ScratchDir dir;
  write_store(dir / "s.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "s.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE samples SET response=json_set(response,'$.cost_usd',0.125)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  StoreReader reader(dir / "s.db");
  std::string html = render_html_report(reader, {});
  auto data = nlohmann::json::parse(
      element_text(html, "<script type=\"application/json\" id=\"ys-data\">"));
  ASSERT_EQ(data["heatmaps"].size(), 1u);  // only run 1 has descriptions
  const auto& h = data["heatmaps"][0];
  EXPECT_EQ(h["run"], 1);
  // depth 0: s0 (1) and s2 (1); depth 50: s1 (1) and s3 (0).
  EXPECT_EQ(h["cells"], nlohmann::json::parse("[[0,4096,1.0,2],[50,4096,0.5,2]]"));
  EXPECT_DOUBLE_EQ(data["results"][0]["cost"].get<double>(), 0.5);
}

TEST(HtmlReportFromStore, NoExternalResources) {
  test::ScratchDir dir;
  write_store(dir / "s.db");
  StoreReader reader(dir / "s.db");
  std::string html = render_html_report(reader, {});
  // Every src= or href= value, whatever the case, quotes and spaces.
  std::string lower = html;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t attributes = 0;
  for (const std::string name : {"src", "href"}) {
    for (size_t at = lower.find(name); at != std::string::npos; at = lower.find(name, at + 1)) {
      size_t v = lower.find_first_not_of(" \t\n", at + name.size());
      if (v == std::string::npos || lower[v] != '=') continue;
      v = lower.find_first_not_of(" \t\n\"'", v + 1);
      std::string value = lower.substr(v, 8);
      ++attributes;
      EXPECT_NE(value.rfind("http:", 0), 0u) << html.substr(at, 60);
      EXPECT_NE(value.rfind("https:", 0), 0u) << html.substr(at, 60);
      EXPECT_NE(value.rfind("//", 0), 0u) << html.substr(at, 60);
    }
  }
  EXPECT_GT(attributes, 0u);                               // the navigation's links were checked
  EXPECT_NE(html.find("Chart.js v3"), std::string::npos);  // inlined, not linked
}

// The runs tables tell two shards of a run apart and say what a merged run is.
TEST(HtmlReportFromStore, RunsTablesHaveShardAndStatus) {
  test::ScratchDir dir;
  {
    Store store(dir / "s.db");
    for (const std::string shard : {"0/2", "1/2", ""}) {
      RunRecord run;
      run.fingerprint = "fp" + shard;
      run.model = "mock:oracle";
      run.tasks = {"t"};
      run.runner_config = {{"type", "mock"}};
      run.started_at = "2026-12-01T00:00:00Z";
      run.status = shard == "1/2" ? "incomplete" : "completed";
      run.shard = shard;
      if (shard.empty())
        run.merged_from = nlohmann::json::array({{{"file", "a.db"}}, {{"file", "b.db"}}});
      store.create_run(run);
    }
  }
  StoreReader reader(dir / "s.db");
  const std::string runs = render_runs_table(reader);
  EXPECT_NE(runs.find("shard"), std::string::npos) << runs;
  EXPECT_NE(runs.find("completed   0/2"), std::string::npos) << runs;
  EXPECT_NE(runs.find("incomplete  1/2"), std::string::npos) << runs;
  EXPECT_NE(runs.find("merged (2 pieces)"), std::string::npos) << runs;
  const std::string html = render_html_report(reader, {});
  EXPECT_NE(html.find("<th>status</th><th>shard</th>"), std::string::npos);
  EXPECT_NE(html.find("<td>completed</td><td>0/2</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>incomplete</td><td>1/2</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>merged (2 pieces)</td>"), std::string::npos);
}

// n in the terminal table is what the figure averages, as in SCORING.md and the report's
// data: answers for the mean, questions for /pass@1 and /maj@K.
TEST(Table, NIsWhatEachFigureAverages) {
  TaskResult r;
  r.model = "m";
  r.task = "t";
  r.samples = 80;  // 20 questions x 4 repeats
  r.metrics = {{"exact_match", 80, 0.5, 0.05},
               {"exact_match/pass@1", 20, 0.5, 0.1},
               {"exact_match/maj@4", 20, 0.6, 0.1}};
  const std::string t = render_results_table({r});
  std::istringstream lines(t);
  std::string header, line;
  std::getline(lines, header);
  const size_t n_at = header.find(" n ") + 1, answers_at = header.find("answers");
  ASSERT_NE(n_at, 0u) << t;
  ASSERT_NE(answers_at, std::string::npos) << t;
  std::map<std::string, std::pair<std::string, std::string>> by_metric;  // n, answers
  while (std::getline(lines, line)) {
    const std::string metric = line.substr(header.find("metric"), 20);
    by_metric[metric.substr(0, metric.find(' '))] = {
        line.substr(n_at, line.find(' ', n_at) - n_at),
        line.substr(answers_at, line.find(' ', answers_at) - answers_at)};
  }
  EXPECT_EQ(by_metric["exact_match"], std::make_pair(std::string("80"), std::string("80")));
  EXPECT_EQ(by_metric["exact_match/pass@1"], std::make_pair(std::string("20"), std::string("80")));
  EXPECT_EQ(by_metric["exact_match/maj@4"], std::make_pair(std::string("20"), std::string("80")));
}

TEST(Table, OneRowPerMetricWithStandardError) {
  std::string t = render_results_table({results()[1]});
  EXPECT_NE(t.find("exact_match/strict"), std::string::npos);
  EXPECT_NE(t.find("0.6000"), std::string::npos);
  EXPECT_NE(t.find("0.1000"), std::string::npos);
}

TEST(Table, ShowsTheClusteredErrorAndTheBootstrapInterval) {
  TaskResult r = results()[1];
  MetricResult& m = r.metrics[0];
  m.stderr_of_mean = 0.0123;    // plain: repeats counted as independent
  m.clustered_stderr = 0.0456;  // repeats of a question as one cluster
  m.ci = {0.5125, 0.6875};
  std::string t = render_results_table({r});
  EXPECT_NE(t.find("0.0456"), std::string::npos) << t;
  EXPECT_EQ(t.find("0.0123"), std::string::npos) << t;
  EXPECT_NE(t.find("[0.5125, 0.6875]"), std::string::npos) << t;
  EXPECT_NE(t.find("95% CI"), std::string::npos) << t;
}

}  // namespace
}  // namespace ys
