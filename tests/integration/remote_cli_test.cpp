// `yardstick models`, and remote runs through the CLI against the load-test server:
// DeepSeek, Anthropic and OpenAI reasoning models by alias and provider:ID, with fake keys
// in every supported variable that must never reach the store, the output or the report.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness/store/reader.h"
#include "tests/support/child.h"
#include "tests/support/loadserver.h"
#include "tests/support/test_paths.h"

namespace ys {
namespace {

const char* const kKeyVariables[] = {"OPENAI_API_KEY",     "ANTHROPIC_API_KEY", "DEEPSEEK_API_KEY",
                                     "OPENROUTER_API_KEY", "TOGETHER_API_KEY",  "VLLM_API_KEY",
                                     "SGLANG_API_KEY",     "LLAMA_API_KEY"};

std::string fake_key(const std::string& variable) {
  return "sk-FAKE-" + variable + "-7f3a9";
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class RemoteCli : public ::testing::Test {
 protected:
  // yardstick ARGS with every key variable set to its fake key; HOME and XDG_CONFIG_HOME
  // point into the scratch folder so that no user registry file is read.
  test::ChildResult yardstick(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"/usr/bin/env", "HOME=" + dir_.path().string(),
                                    "XDG_CONFIG_HOME=" + (dir_ / "config").string()};
    for (const char* v : kKeyVariables) all.push_back(std::string(v) + "=" + fake_key(v));
    all.push_back(test::yardstick_bin().string());
    all.insert(all.end(), args.begin(), args.end());
    test::ChildResult r = test::run_child(all);
    output_ += r.out + r.err;
    return r;
  }
  std::string db() const { return (dir_ / "y.db").string(); }
  test::ScratchDir dir_;
  std::string output_;  // everything the runs printed
};

TEST_F(RemoteCli, ModelsListsAliasesProvidersAndWhetherKeysAreSetNeverTheirValues) {
  auto r = yardstick({"models"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* needle :
       {"deepseek-reasoner", "claude-opus-4-5", "gpt-5-mini", "max_completion_tokens,seed",
        "https://api.deepseek.com", "DEEPSEEK_API_KEY (set)",
        "vllm:", "sglang:", "llamacpp:", "openrouter:", "together:", "http://127.0.0.1:8000/v1"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
  }
  for (const char* v : kKeyVariables) EXPECT_EQ(r.out.find(fake_key(v)), std::string::npos);
}

TEST_F(RemoteCli, ProvidersRunByAliasAndIdAndNoKeyIsEverStoredOrShown) {
  test::LoadServerOptions so;
  so.record = true;
  so.answer = [](const nlohmann::json& body) {
    test::LoadReply r = test::default_load_answer(body);
    r.reasoning = "thinking about it";
    r.text = "#### 0";
    return r;
  };
  test::LoadServer server(so);
  const std::string url = server.base_url();
  const std::vector<std::pair<std::string, std::string>> models = {
      {"deepseek-reasoner", "DEEPSEEK_API_KEY"},
      {"anthropic:claude-opus-4-5", "ANTHROPIC_API_KEY"},
      {"openai:gpt-5-mini", "OPENAI_API_KEY"},
      {"vllm:Qwen/Qwen3-8B", "VLLM_API_KEY"}};
  for (const auto& [model, variable] : models) {
    const size_t before = server.recorded().size();
    auto r = yardstick({"run", "--model", model, "--base-url", url, "--tasks", "arith", "--limit",
                        "3", "--db", db()});
    EXPECT_EQ(r.exit_code, 0) << model << "\n" << r.err;
    auto seen = server.recorded();
    ASSERT_EQ(seen.size(), before + 3) << model;
    const auto& last = seen.back();
    const std::string sent = last.header("x-api-key") + last.header("authorization");
    EXPECT_NE(sent.find(fake_key(variable)), std::string::npos) << model << " sent: " << sent;
  }
  // The thinking budget reaches Anthropic; a failing endpoint's messages hold no key.
  auto think = yardstick({"run", "--model", "claude-sonnet-4-5", "--thinking-budget", "1024",
                          "--base-url", url, "--tasks", "arith", "--limit", "2", "--db", db()});
  EXPECT_EQ(think.exit_code, 0) << think.err;
  EXPECT_EQ(server.recorded().back().body["thinking"]["budget_tokens"], 1024);
  yardstick({"run", "--model", "together:x", "--base-url", "http://127.0.0.1:1/v1", "--tasks",
             "arith", "--limit", "2", "--db", db()});
  auto report = yardstick({"report", "--db", db(), "--out", (dir_ / "r.html").string()});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  // Reasoning is stored apart from the answer.
  StoreReader store(db());
  auto samples = store.samples(1, "arith");
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(samples[0].completion.reasoning, "thinking about it");
  EXPECT_EQ(samples[0].completion.text, "#### 0");
  const std::string stored = read_all(db()) + read_all(dir_ / "y.db-wal");
  const std::string html = read_all(dir_ / "r.html");
  for (const char* v : kKeyVariables) {
    const std::string key = fake_key(v);
    EXPECT_EQ(stored.find(key), std::string::npos) << v << " in the store";
    EXPECT_EQ(html.find(key), std::string::npos) << v << " in the report";
    EXPECT_EQ(output_.find(key), std::string::npos) << v << " in the output";
    EXPECT_EQ(stored.find(key.substr(0, 12)), std::string::npos) << v << " (a prefix)";
  }
}

}  // namespace
}  // namespace ys
