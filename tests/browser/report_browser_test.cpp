// The HTML report in a real browser: Debian's Chromium, headless, runs the page and a test
// script appended to a copy of it; the script drives the page and writes what it saw into
// the DOM, which --dump-dom prints after the page's scripts ran.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/child.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

using test::ChildResult;
using test::run_child;
using test::ScratchDir;

const char* const kPayload =
    "<script>window.__pwned = 'script'</script><img src=x onerror=\"window.__pwned = 'img'\"> 4";

// $YS_CHROMIUM, else /usr/bin/chromium.
std::string chromium() {
  const char* env = std::getenv("YS_CHROMIUM");
  return env && *env ? env : "/usr/bin/chromium";
}

ChildResult yardstick(std::vector<std::string> args) {
  args.insert(args.begin(), test::yardstick_bin().string());
  ChildResult r = run_child(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string unescape_html(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) {
      s.replace(at, std::strlen(from), to);
    }
  }
  return s;
}

// Drives the page once it is ready; RUNS is replaced by the run ids.
const char* const kDriver = R"JS(
<script>
(async () => {
  const out = {};
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  while (document.body.dataset.ready !== '1') await wait(20);
  const runs = RUNS;
  const rows = () => Array.from(document.querySelectorAll('#board tbody tr')).map((r) => r.cells[0].textContent);
  out.rows = rows();
  const heads = Array.from(document.querySelectorAll('#board thead th'));
  const arith = heads.find((th) => th.textContent === 'arith');
  arith.click(); out.arithFirstClick = rows();
  arith.click(); out.arithSecondClick = rows();
  heads[0].click(); out.byName = rows();
  out.canvases = Array.from(document.querySelectorAll('canvas')).map((c) => {
    const blank = document.createElement('canvas');
    blank.width = c.width; blank.height = c.height;
    return { id: c.id, task: c.dataset.task || '', drawn: Number(c.dataset.drawn || 0),
             png: c.toDataURL().length, blank: blank.toDataURL().length };
  });
  out.frontier = document.getElementById('eff-chart').dataset.frontier;
  const list = document.getElementById('sb-list');
  await ysReport.select(runs.xss, 'xss', '', '');
  out.xssTexts = Array.from(list.querySelectorAll('pre')).map((p) => p.textContent);
  out.xssElements = list.querySelectorAll('img, script').length;
  out.xssShown = Number(list.dataset.count);
  await ysReport.select(runs.xss, 'xss', 'correct', '');
  out.xssCorrect = Number(list.dataset.count);
  await ysReport.select(runs.xssWrong, 'xss', 'wrong', '');
  out.xssWrong = Number(list.dataset.count);
  await ysReport.select(runs.xssWrong, 'xss', 'correct', '');
  out.xssWrongCorrect = Number(list.dataset.count);
  await ysReport.select(runs.noisy, 'arith', '', runs.oracle);
  out.flips = Number(list.dataset.count);
  out.flipLabels = Array.from(list.querySelectorAll('.head')).map((h) => h.textContent);
  await wait(300);
  out.pwned = window.__pwned === undefined ? null : window.__pwned;
  const pre = document.createElement('pre');
  pre.id = 'ys-test-result';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})().catch((e) => {
  const pre = document.createElement('pre');
  pre.id = 'ys-test-result';
  pre.textContent = JSON.stringify({ failure: String(e && e.stack || e) });
  document.body.appendChild(pre);
});
</script>
)JS";

TEST(ReportInBrowser, TableSortingChartsSamplesAndEscaping) {
  if (!std::filesystem::exists(chromium())) {
    const char* ci = std::getenv("CI");
    if (ci && std::string(ci) == "true") {
      FAIL() << chromium() << " missing under CI: run scripts/install-deps.sh";
    }
    GTEST_SKIP() << chromium() << " missing (scripts/install-deps.sh installs it)";
  }
  ScratchDir dir;
  const std::string db = (dir / "s.db").string();
  const std::string specs = (std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs").string();
  // A task whose target is an HTML payload: the oracle answers it verbatim.
  ScratchDir xss_specs;
  nlohmann::json record = {{"q", "What is 2+2?"}, {"a", kPayload}};
  test::write_file(xss_specs / "xss.jsonl", record.dump() + "\n" + record.dump() + "\n");
  test::write_file(xss_specs / "xss.yaml", R"(name: xss
dataset: {path: xss.jsonl}
prompt: {template: "{{q}}", target: "{{a}}"}
generation: {max_tokens: 60, temperature: 0}
reference: {template: "{{a}}", extract: [last_number]}
metrics: [{name: em, extract: [last_number]}]
)");
  // Runs 1-3 on arith (20 samples), runs 4-5 on xss.
  for (const char* model : {"mock:oracle", "mock:noisy:0.5", "mock:wrong"}) {
    yardstick({"run", "--db", db, "--specs", specs, "--model", model, "--tasks", "arith", "--limit",
               "20"});
  }
  for (const char* model : {"mock:oracle", "mock:wrong"}) {
    yardstick({"run", "--db", db, "--specs", xss_specs.path().string(), "--data",
               xss_specs.path().string(), "--model", model, "--tasks", "xss"});
  }
  const auto report = dir / "report.html";
  yardstick({"report", "--db", db, "--specs", specs, "--out", report.string()});
  std::string html = read(report);
  ASSERT_FALSE(html.empty());
  EXPECT_EQ(html.find("<script>window.__pwned"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);

  std::string driver = kDriver;
  driver.replace(driver.find("RUNS"), 4, R"({oracle: 1, noisy: 2, xss: 4, xssWrong: 5})");
  const size_t body_end = html.rfind("</body>");
  ASSERT_NE(body_end, std::string::npos);
  html.insert(body_end, driver);
  const auto page = dir / "page.html";
  test::write_file(page, html);
  ChildResult browser =
      run_child({chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                 "--virtual-time-budget=20000", "--dump-dom", "file://" + page.string()});
  ASSERT_EQ(browser.exit_code, 0) << browser.err;
  const std::string& dom = browser.out;
  const std::string open = "<pre id=\"ys-test-result\">";
  const size_t at = dom.find(open);
  ASSERT_NE(at, std::string::npos)
      << "the driver script did not finish: " << dom.substr(0, 2000) << browser.err;
  const size_t end = dom.find("</pre>", at);
  auto out =
      nlohmann::json::parse(unescape_html(dom.substr(at + open.size(), end - at - open.size())));
  ASSERT_FALSE(out.contains("failure")) << out["failure"];

  // The table: one row per model, sorted by a click (best first, then worst first), and
  // by name.
  const std::vector<std::string> by_name = {"mock:noisy:0.5", "mock:oracle", "mock:wrong"};
  EXPECT_EQ(out["rows"].get<std::vector<std::string>>(), by_name);
  const double noisy = test::query_number(
      db, "SELECT avg(value) FROM scores WHERE run_id=2 AND metric='exact_match/strict'");
  ASSERT_GT(noisy, 0.0);  // 20 samples at p=0.5 (fixed seed): strictly between
  ASSERT_LT(noisy, 1.0);
  EXPECT_EQ(out["arithFirstClick"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"mock:oracle", "mock:noisy:0.5", "mock:wrong"}));
  EXPECT_EQ(out["arithSecondClick"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"mock:wrong", "mock:noisy:0.5", "mock:oracle"}));
  EXPECT_EQ(out["byName"].get<std::vector<std::string>>(), by_name);

  // Charts: one bar chart per task and the efficiency chart, each drawn and not blank.
  std::set<std::string> charted;
  for (const auto& c : out["canvases"]) {
    EXPECT_GE(c["drawn"].get<int>(), 1) << c.dump();
    EXPECT_GT(c["png"].get<int>(), c["blank"].get<int>() + 1000) << c.dump();
    charted.insert(c["task"].get<std::string>() + "|" + c["id"].get<std::string>());
  }
  EXPECT_EQ(charted, (std::set<std::string>{"arith|", "xss|", "|eff-chart"}));
  // On arith the oracle dominates: more tokens cannot beat 100%.
  EXPECT_NE(out["frontier"].get<std::string>().find("mock:oracle"), std::string::npos);

  // The payload shows as text and ran nothing.
  EXPECT_EQ(out["xssShown"], 2);
  bool shown = false;
  for (const auto& t : out["xssTexts"]) shown |= t.get<std::string>() == kPayload;
  EXPECT_TRUE(shown) << out["xssTexts"].dump();
  EXPECT_EQ(out["xssElements"], 0);
  EXPECT_TRUE(out["pwned"].is_null()) << out["pwned"];

  // Verdict filter and flips: every wrong answer of the noisy model was right for the oracle.
  EXPECT_EQ(out["xssCorrect"], 2);  // the oracle's answer ends in the reference's 4
  EXPECT_EQ(out["xssWrong"], 2);
  EXPECT_EQ(out["xssWrongCorrect"], 0);
  const double noisy_wrong = test::query_number(
      db, "SELECT count(*) FROM scores WHERE run_id=2 AND metric='exact_match/strict' AND value=0");
  EXPECT_EQ(out["flips"].get<double>(), noisy_wrong);
  for (const auto& label : out["flipLabels"]) {
    EXPECT_NE(label.get<std::string>().find("correct \u2192 wrong"), std::string::npos) << label;
  }
}

}  // namespace
}  // namespace ys
