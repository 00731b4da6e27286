// Kill -9 a run midway, rerun the same command: only the missing requests are sent and the
// finished run holds every sample exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "tests/support/child.h"
#include "tests/support/fake_openai_server.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

int64_t query_int(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    v = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

TEST(Resume, KilledRunResumesSendingExactlyTheMissingRequests) {
  auto data = test::shared_dir() / "datasets/gsm8k/test.jsonl";
  if (!test::require_shared(data)) GTEST_SKIP();
  auto answers = test::gsm8k_answers_by_question(data.string());
  test::FakeOpenAIServer::Options o;
  o.answer = [&](const nlohmann::json& body) {
    return "#### " + answers.at(test::last_question(body));
  };
  o.latency_ms = 20;  // 16 in flight: about 800 requests/s, so the kill lands midway
  test::FakeOpenAIServer server(o);

  test::ScratchDir dir;
  const std::string db = (dir / "y.db").string();
  std::vector<std::string> cmd = {test::yardstick_bin().string(),
                                  "run",
                                  "--model",
                                  "openai:m",
                                  "--base-url",
                                  server.base_url(),
                                  "--tasks",
                                  "gsm8k",
                                  "--data",
                                  data.string(),
                                  "--concurrency",
                                  "16",
                                  "--db",
                                  db};

  pid_t pid = test::start_child(cmd, (dir / "log").string());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (server.requests() < 500 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  EXPECT_EQ(test::wait_child(pid), -SIGKILL);  // killed mid-run, not finished

  const int64_t stored = query_int(db, "SELECT count(*) FROM samples");
  const int64_t first_requests = server.requests();
  EXPECT_GT(stored, 100);
  EXPECT_LT(stored, 1319);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM runs WHERE status='running'"), 1);

  server.reset_counts();
  test::ChildResult rerun = test::run_child(cmd);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("(resumed)"), std::string::npos) << rerun.err;

  EXPECT_EQ(server.requests(), 1319 - stored) << "first run sent " << first_requests;
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM runs"), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM runs WHERE status='completed'"), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM samples"), 1319);
  EXPECT_EQ(query_int(db, "SELECT count(DISTINCT sample_id) FROM samples"), 1319);
  EXPECT_EQ(
      query_int(db, "SELECT count(*) FROM scores WHERE metric='exact_match/strict' AND value=1"),
      1319);
}

}  // namespace
}  // namespace ys
