// Kill -9 (or Ctrl-C) a run midway, rerun the same command: only the missing requests are
// sent and the finished run holds every sample exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/support/child.h"
#include "tests/support/fake_openai_server.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

int64_t query_int(const std::string& db_path, const std::string& sql) {
  return static_cast<int64_t>(test::query_number(db_path, sql));
}

// A GSM8K run against a server slow enough that a signal lands midway.
class Resume : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = test::shared_dir() / "datasets/gsm8k/test.jsonl";
    if (!test::require_shared(data_)) GTEST_SKIP();
    answers_ = test::gsm8k_answers_by_question(data_.string());
    test::FakeOpenAIServer::Options o;
    o.answer = [this](const nlohmann::json& body) {
      return "#### " + answers_.at(test::last_question(body));
    };
    o.latency_ms = 20;  // 16 in flight: about 800 requests/s
    server_ = std::make_unique<test::FakeOpenAIServer>(o);
    db_ = (dir_ / "y.db").string();
    cmd_ = {test::yardstick_bin().string(),
            "run",
            "--model",
            "openai:m",
            "--base-url",
            server_->base_url(),
            "--tasks",
            "gsm8k",
            "--data",
            data_.string(),
            "--concurrency",
            "16",
            "--db",
            db_};
  }

  // Starts the run, sends `signal` once the server has seen 500 requests, and returns how
  // the child ended.
  int run_and_signal(int signal) {
    pid_t pid = test::start_child(cmd_, (dir_ / "log").string());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (server_->requests() < 500 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    EXPECT_EQ(kill(pid, signal), 0);
    return test::wait_child(pid);
  }

  // Reruns the same command and checks it sends exactly the requests with no stored
  // answer and ends with each of the 1319 samples exactly once, in one run.
  void rerun_completes() {
    const int64_t stored = query_int(db_, "SELECT count(*) FROM samples");
    EXPECT_GT(stored, 100);
    EXPECT_LT(stored, 1319);
    const int first_requests = server_->requests();
    server_->reset_counts();
    test::ChildResult rerun = test::run_child(cmd_);
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_NE(rerun.err.find("(resumed)"), std::string::npos) << rerun.err;
    EXPECT_EQ(server_->requests(), 1319 - stored) << "the first run sent " << first_requests;
    EXPECT_EQ(query_int(db_, "SELECT count(*) FROM runs"), 1);
    EXPECT_EQ(query_int(db_, "SELECT count(*) FROM runs WHERE status='completed'"), 1);
    EXPECT_EQ(query_int(db_, "SELECT count(*) FROM samples"), 1319);
    EXPECT_EQ(query_int(db_, "SELECT count(DISTINCT sample_id) FROM samples"), 1319);
    EXPECT_EQ(query_int(db_,
                        "SELECT count(*) FROM scores WHERE metric='exact_match/strict' "
                        "AND value=1"),
              1319);
  }

  std::filesystem::path data_;
  std::map<std::string, std::string> answers_;
  std::unique_ptr<test::FakeOpenAIServer> server_;
  test::ScratchDir dir_;
  std::string db_;
  std::vector<std::string> cmd_;
};

TEST_F(Resume, KilledRunResumesSendingExactlyTheMissingRequests) {
  EXPECT_EQ(run_and_signal(SIGKILL), -SIGKILL);  // killed mid-run, not finished
  EXPECT_EQ(query_int(db_, "SELECT count(*) FROM runs WHERE status='running'"), 1);
  rerun_completes();
}

TEST_F(Resume, CtrlCStopsCleanlyAndTheRerunCompletes) {
  EXPECT_EQ(run_and_signal(SIGINT), 130);
  EXPECT_EQ(query_int(db_, "SELECT count(*) FROM runs WHERE status='interrupted'"), 1);
  std::ifstream log(dir_ / "log.err");
  std::string err((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(err.find("rerun the same command to resume"), std::string::npos) << err;
  rerun_completes();
}

}  // namespace
}  // namespace ys
