#include <gtest/gtest.h>

#include "reports/html.h"
#include "reports/table.h"

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
  std::string html = render_html_report(results(), {"t", "now", "v"});
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("model&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("80.0"), std::string::npos);
  EXPECT_NE(html.find("60.0"), std::string::npos);
  EXPECT_EQ(html.find("12.3"), std::string::npos);
  EXPECT_NE(html.find("class=\"best\""), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);  // self-contained
}

TEST(Table, OneRowPerMetricWithStandardError) {
  std::string t = render_results_table({results()[1]});
  EXPECT_NE(t.find("exact_match/strict"), std::string::npos);
  EXPECT_NE(t.find("0.6000"), std::string::npos);
  EXPECT_NE(t.find("0.1000"), std::string::npos);
}

}  // namespace
}  // namespace ys
