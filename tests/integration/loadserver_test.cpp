// The load-test server (tests/support/loadserver.h) and yardstick's OpenAI runner against
// it: answers, usage, every injected fault, and a 2,000-sample run under 30% faults.
#include "tests/support/loadserver.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <future>
#include <set>

#include "harness/evaluation.h"
#include "harness/store/reader.h"
#include "runners/openai.h"
#include "tasks/registry.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

using test::Fault;
using test::LoadServer;
using test::LoadServerOptions;

Completion ask(Runner& runner, const std::string& question, bool stop = false) {
  Request r;
  r.messages = {{"system", "Answer with a number."}, {"user", question}};
  if (stop) r.sampling.stop = {"\n\n"};
  std::promise<Completion> p;
  auto f = p.get_future();
  runner.submit(r, [&p](Completion c) { p.set_value(std::move(c)); });
  return f.get();
}

OpenAIOptions openai_to(const LoadServer& server) {
  OpenAIOptions o;
  o.model = "load-model";
  o.base_url = server.base_url();
  o.http.timeout_s = 0.5;  // a stalled body ends in half a second
  o.http.retry = {4, 0.001, 0.005};
  return o;
}

TEST(LoadServer, AnswersOpenAIChatWithUsageAndReasoning) {
  LoadServerOptions so;
  so.record = true;
  so.answer = [](const nlohmann::json& body) {
    test::LoadReply r = test::default_load_answer(body);
    r.reasoning = "2 and 3 make 5";
    r.cached_tokens = 3;
    return r;
  };
  LoadServer server(so);
  OpenAIRunner runner(openai_to(server));
  Completion c = ask(runner, "What is 2+3?");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.text, "5");
  EXPECT_EQ(c.reasoning, "2 and 3 make 5");
  EXPECT_EQ(c.finish_reason, "stop");
  EXPECT_GT(c.usage.prompt_tokens, 0);
  EXPECT_GT(c.usage.completion_tokens, 0);
  auto seen = server.recorded();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/v1/chat/completions");
  EXPECT_EQ(seen[0].body["model"], "load-model");
  EXPECT_EQ(seen[0].body["messages"][1]["content"], "What is 2+3?");
  EXPECT_EQ(seen[0].header("content-type"), "application/json");
  EXPECT_EQ(server.stats().answered, 1);
}

TEST(LoadServer, EveryFaultIsTypedRetriedAndThenAnswered) {
  for (Fault f : {Fault::k429, Fault::k500, Fault::k529, Fault::kReset, Fault::kTruncated,
                  Fault::kStall, Fault::kErrorIn200}) {
    LoadServer server(failing_first(f, 1));
    OpenAIRunner runner(openai_to(server));
    Completion c = ask(runner, "What is 40+2?");
    ASSERT_TRUE(c.ok()) << fault_name(f) << ": " << c.error_message;
    EXPECT_EQ(c.text, "42") << fault_name(f);
    EXPECT_EQ(c.attempts, 2) << fault_name(f);
    EXPECT_EQ(server.stats().faults, 1) << fault_name(f);
  }
}

TEST(LoadServer, FaultsThatOutlastTheRetriesAreTypedErrors) {
  const std::pair<Fault, ErrorKind> cases[] = {
      {Fault::k429, ErrorKind::kRateLimited}, {Fault::k529, ErrorKind::kTransient},
      {Fault::kReset, ErrorKind::kTransient}, {Fault::kTruncated, ErrorKind::kTransient},
      {Fault::kStall, ErrorKind::kTransient}, {Fault::kErrorIn200, ErrorKind::kTransient}};
  for (const auto& [f, kind] : cases) {
    LoadServer server(failing_first(f, 100));
    OpenAIOptions o = openai_to(server);
    o.http.retry.max_retries = 1;
    OpenAIRunner runner(o);
    Completion c = ask(runner, "What is 1+1?");
    EXPECT_EQ(c.error, kind) << fault_name(f) << ": " << c.error_message;
    EXPECT_EQ(c.attempts, 2) << fault_name(f);
  }
}

TEST(LoadServer, RefusesAddressesThatAreNotLoopback) {
  LoadServerOptions so;
  so.host = "0.0.0.0";
  EXPECT_THROW(LoadServer{so}, std::runtime_error);
}

TEST(LoadServer, TheProgramServesUntilStoppedAndPrintsItsCounts) {
  // ys_loadserver --port 0 prints its URL; one request, then SIGTERM prints the counts.
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(YS_LOADSERVER_BIN, YS_LOADSERVER_BIN, "--latency-ms", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* from = fdopen(out[0], "r");
  char line[256] = {};
  ASSERT_NE(std::fgets(line, sizeof line, from), nullptr);
  std::string first = line;
  ASSERT_EQ(first.rfind("listening on http://127.0.0.1:", 0), 0u) << first;
  OpenAIOptions o;
  o.model = "m";
  o.base_url = first.substr(13, first.size() - 14);
  {
    OpenAIRunner runner(o);
    EXPECT_EQ(ask(runner, "What is 20+22?").text, "42");
  }
  kill(pid, SIGTERM);
  std::string rest;
  while (std::fgets(line, sizeof line, from)) rest += line;
  std::fclose(from);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(rest.find("\"requests\": 1, \"answered\": 1"), std::string::npos) << rest;
}

// A task "sums" over `data` (JSON lines with a, b and their sum s), asked as "What is a+b?".
std::vector<EvalTask> sums_task(const test::ScratchDir& dir, const std::string& data,
                                ScoringResources& resources) {
  test::write_file(dir / "sums.jsonl", data);
  test::write_file(dir / "sums.yaml", R"(name: sums
dataset: {path: sums.jsonl}
prompt: {template: "What is {{a}}+{{b}}?", target: "{{s}}"}
generation: {max_tokens: 8, temperature: 0}
reference: {template: "{{s}}"}
metrics: [{name: em, extract: [last_number]}]
)");
  TaskRegistry reg = TaskRegistry::load(dir.path());
  DataLocation where;
  where.override_path = dir / "sums.jsonl";
  std::vector<EvalTask> tasks;
  tasks.push_back(load_eval_task(reg.tasks().at("sums"), where, resources));
  return tasks;
}

// The issue's fault test: with 30% of attempts failing in every way the server offers, a
// 2,000-sample run ends with every sample scored, none twice, and bounded retries.
TEST(LoadServerRun, ThirtyPercentFaultsOfEveryKindStillScoreEverySampleOnce) {
  test::ScratchDir dir;
  std::string data;
  for (int i = 0; i < 2000; ++i) {
    data += "{\"a\": " + std::to_string(i) + ", \"b\": " + std::to_string(7 * i % 101) +
            ", \"s\": \"" + std::to_string(i + 7 * i % 101) + "\"}\n";
  }
  ScoringResources resources;
  std::vector<EvalTask> tasks = sums_task(dir, data, resources);

  LoadServerOptions so;
  so.fault_rate = 0.3;
  so.faults = {Fault::k429,       Fault::k500,   Fault::k529,       Fault::kReset,
               Fault::kTruncated, Fault::kStall, Fault::kErrorIn200};
  so.max_faults_per_body = 3;
  so.retry_after_s = 0;
  LoadServer server(so);
  OpenAIOptions ro = openai_to(server);
  ro.http.max_in_flight = 64;
  OpenAIRunner runner(ro);
  Store store(dir / "y.db");
  EvalOptions eo;
  eo.model_spec = "openai:load-model";
  eo.concurrency = 64;
  EvalOutcome out = run_evaluation(runner, tasks, store, eo);
  EXPECT_EQ(out.status, "completed");
  EXPECT_EQ(out.planned, 2000u);
  EXPECT_EQ(out.errors, 0u);
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].samples, 2000u);
  EXPECT_DOUBLE_EQ(out.results[0].metrics.at(0).mean, 1.0);
  const auto stats = server.stats();
  EXPECT_GT(stats.faults, 400);  // about 0.3 x 2000 x (1 + 0.3 + 0.09)
  EXPECT_EQ(stats.requests, 2000 + stats.faults);
  StoreReader reader(dir / "y.db");
  std::set<std::string> ids;
  for (const auto& s : reader.samples(out.run_id, "sums")) {
    EXPECT_TRUE(ids.insert(s.sample_id).second) << "twice: " << s.sample_id;
    EXPECT_LE(s.completion.attempts, 4);  // at most 3 faults, then the answer
  }
  EXPECT_EQ(ids.size(), 2000u);
}

// With the model's prices known, each stored answer carries its own cost (what the report's
// efficiency chart reads) and the run's cost is their sum.
TEST(LoadServerRun, EachAnswerIsPricedAndTheRunCostIsTheirSum) {
  test::ScratchDir dir;
  ScoringResources resources;
  std::vector<EvalTask> tasks = sums_task(
      dir, "{\"a\": 1, \"b\": 2, \"s\": \"3\"}\n{\"a\": 4, \"b\": 5, \"s\": \"9\"}\n", resources);
  LoadServer server(LoadServerOptions{});
  OpenAIRunner runner(openai_to(server));
  Store store(dir / "y.db");
  EvalOptions eo;
  eo.model_spec = "openai:load-model";
  eo.price = ModelPrice{2.0, 0.5, 8.0};  // dollars per million tokens
  EvalOutcome out = run_evaluation(runner, tasks, store, eo);
  ASSERT_EQ(out.errors, 0u);
  double sum = 0;
  StoreReader reader(dir / "y.db");
  for (const auto& s : reader.samples(out.run_id, "sums")) {
    const Usage& u = s.completion.usage;
    ASSERT_GT(u.prompt_tokens, 0);
    const double expected = ((u.prompt_tokens - u.cached_tokens) * 2.0 + u.cached_tokens * 0.5 +
                             u.completion_tokens * 8.0) /
                            1e6;
    EXPECT_NEAR(s.completion.cost_usd, expected, 1e-15) << s.sample_id;
    sum += s.completion.cost_usd;
  }
  EXPECT_NEAR(out.usage.cost_usd, sum, 1e-12);
}

}  // namespace
}  // namespace ys
