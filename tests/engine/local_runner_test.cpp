#include "runners/engine/local_runner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "runners/engine/generate.h"
#include "runners/engine/random_model.h"
#include "tests/engine/test_data.h"
#include "util/error.h"

namespace ys::engine {
namespace {

Request user_request(const std::string& text, int max_tokens) {
  Request r;
  r.messages = {{"user", text}};
  r.sampling.max_tokens = max_tokens;
  return r;
}

// Greedy answers through the runner equal the expected continuations (a model without a
// chat template: the prompt is BOS + the text).
TEST(LocalRunner, Stories260KContinuations) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  YS_SHARED_FILE(expected_path, "models/stories260K.expected.json");
  nlohmann::json expected = nlohmann::json::parse(std::ifstream(expected_path));
  LocalRunnerOptions o;
  o.path = model_path;
  LocalRunner runner(o);
  EXPECT_EQ(runner.identity().rfind("local:stories260K.gguf#", 0), 0u) << runner.identity();
  EXPECT_EQ(runner.config()["arch"], "llama");
  for (const auto& c : expected["cases"]) {
    Completion got = runner.answer(user_request(c["prompt"], c["n_generated"]));
    ASSERT_TRUE(got.ok()) << got.error_message;
    EXPECT_EQ(got.text, c["continuation_text"].get<std::string>());
    EXPECT_EQ(got.finish_reason, "length");
    EXPECT_EQ(got.usage.prompt_tokens, static_cast<int64_t>(c["prompt_ids"].size()));
    EXPECT_EQ(got.usage.completion_tokens, c["n_generated"].get<int64_t>());
  }
  // A stop string ends the answer before it.
  Request r = user_request("Once upon a time", 60);
  r.sampling.stop = {"park"};
  Completion stopped = runner.answer(r);
  EXPECT_EQ(stopped.finish_reason, "stop");
  EXPECT_EQ(expected["cases"][0]["continuation_text"].get<std::string>().rfind(stopped.text, 0),
            0u);
  EXPECT_EQ(stopped.text.find("park"), std::string::npos);
  EXPECT_LT(stopped.usage.completion_tokens, 60);
}

// The three prompts submitted at once to a runner with two slots: decoded together, the
// third waiting for a free slot, each answer still the expected one.
TEST(LocalRunner, Stories260KBatched) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  YS_SHARED_FILE(expected_path, "models/stories260K.expected.json");
  nlohmann::json expected = nlohmann::json::parse(std::ifstream(expected_path));
  LocalRunnerOptions o;
  o.path = model_path;
  o.batch = 2;
  o.threads = 2;
  LocalRunner runner(o);
  std::vector<std::promise<Completion>> promises(3);
  for (size_t i = 0; i < 3; ++i) {
    const auto& c = expected["cases"][i];
    runner.submit(user_request(c["prompt"], c["n_generated"]),
                  [&promises, i](Completion got) { promises[i].set_value(std::move(got)); });
  }
  for (size_t i = 0; i < 3; ++i) {
    Completion got = promises[i].get_future().get();
    ASSERT_TRUE(got.ok()) << got.error_message;
    EXPECT_EQ(got.text, expected["cases"][i]["continuation_text"].get<std::string>()) << i;
  }
}

Request loglikelihood_request(const std::string& context, std::vector<std::string> options) {
  Request r;
  r.kind = RequestKind::kLoglikelihood;
  r.messages = {{"user", context}};
  r.continuations = std::move(options);
  return r;
}

// The model's own greedy continuation is greedy and at least as likely as the others; the
// numbers equal the engine's loglikelihood() on a fresh context; trailing spaces of the
// context move to the continuation, as lm-evaluation-harness does.
TEST(LocalRunner, Stories260KLoglikelihoods) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  YS_SHARED_FILE(expected_path, "models/stories260K.expected.json");
  nlohmann::json expected = nlohmann::json::parse(std::ifstream(expected_path));
  const auto& c = expected["cases"][0];
  const std::string text = c["continuation_text"];
  const std::string greedy = text.substr(0, text.find(" named"));  // whole words
  LocalRunnerOptions o;
  o.path = model_path;
  LocalRunner runner(o);
  Completion got =
      runner.answer(loglikelihood_request(c["prompt"], {greedy, " zebra quantum", ", there"}));
  ASSERT_TRUE(got.ok()) << got.error_message;
  ASSERT_EQ(got.continuations.size(), 3u);
  EXPECT_TRUE(got.continuations[0].greedy);
  EXPECT_FALSE(got.continuations[1].greedy);
  EXPECT_TRUE(got.continuations[2].greedy);  // a prefix of the greedy text
  EXPECT_GT(got.continuations[0].tokens, got.continuations[2].tokens);
  EXPECT_LT(got.continuations[1].logprob, got.continuations[2].logprob);
  for (const auto& s : got.continuations) EXPECT_LT(s.logprob, 0);

  // The same numbers straight from the engine, on a context of its own.
  std::unique_ptr<Model> model = Model::load(model_path);
  Tokenizer tokenizer(model->file());
  ThreadPool pool(1);
  Context ctx(*model, 256, pool);
  std::vector<int32_t> context_ids = tokenizer.encode(c["prompt"].get<std::string>(), true, false);
  std::vector<int32_t> whole =
      tokenizer.encode(c["prompt"].get<std::string>() + " zebra quantum", true, false);
  std::vector<int32_t> continuation(whole.begin() + context_ids.size(), whole.end());
  Loglikelihood direct = loglikelihood(ctx, context_ids, continuation);
  EXPECT_NEAR(got.continuations[1].logprob, direct.logprob, 1e-6);
  EXPECT_EQ(got.continuations[1].tokens, static_cast<int64_t>(continuation.size()));

  // "Once upon a time " + "zebra quantum" is scored as "Once upon a time" + " zebra quantum".
  Completion moved =
      runner.answer(loglikelihood_request(c["prompt"].get<std::string>() + " ", {"zebra quantum"}));
  ASSERT_TRUE(moved.ok()) << moved.error_message;
  EXPECT_NEAR(moved.continuations[0].logprob, got.continuations[1].logprob, 1e-6);
}

// Loglikelihood and generation requests submitted together to a batching runner are each
// answered as they are alone.
TEST(LocalRunner, Stories260KMixedKinds) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  LocalRunnerOptions o;
  o.path = model_path;
  o.batch = 2;
  LocalRunner alone(o);
  Request gen = user_request("Once upon a time", 20);
  Request ll = loglikelihood_request("Lily saw a big", {" ball", " dog", " tree"});
  Completion gen_alone = alone.answer(gen), ll_alone = alone.answer(ll);
  LocalRunner together(o);
  std::vector<std::promise<Completion>> promises(4);
  const Request* order[] = {&gen, &ll, &gen, &ll};
  for (size_t i = 0; i < 4; ++i) {
    together.submit(*order[i], [&promises, i](Completion c) { promises[i].set_value(c); });
  }
  for (size_t i = 0; i < 4; ++i) {
    Completion got = promises[i].get_future().get();
    ASSERT_TRUE(got.ok()) << got.error_message;
    if (i % 2 == 0) {
      EXPECT_EQ(got.text, gen_alone.text);
      EXPECT_TRUE(got.continuations.empty());
    } else {
      ASSERT_EQ(got.continuations.size(), 3u);
      for (size_t k = 0; k < 3; ++k) {
        EXPECT_NEAR(got.continuations[k].logprob, ll_alone.continuations[k].logprob, 1e-4) << k;
      }
    }
  }
  // A continuation with no tokens, and one too long for the context, are invalid requests.
  EXPECT_EQ(alone.answer(loglikelihood_request("Lily", {""})).error, ErrorKind::kInvalid);
  Completion too_long = alone.answer(loglikelihood_request("Lily", {std::string(3000, 'a')}));
  EXPECT_EQ(too_long.error, ErrorKind::kInvalid);
  EXPECT_NE(too_long.error_message.find("do not fit"), std::string::npos) << too_long.error_message;
}

class LocalRunnerRandom : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("ys_local_runner_" + std::to_string(::getpid()) + ".gguf"))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
};

// Submitted requests are all answered, from the runner's thread, as answer() would, and
// sampled repeats differ while each is reproducible.
TEST_F(LocalRunnerRandom, SubmitAnswersEveryRequest) {
  RandomModelSpec spec;
  spec.chat_template = "{% for m in messages %}{{'<|im_start|>' + m['role']}}{% endfor %}";
  write_random_model(path_, spec);
  LocalRunnerOptions o;
  o.path = path_;
  o.threads = 2;
  o.n_ctx = 128;
  LocalRunner runner(o);
  EXPECT_EQ(runner.config()["chat_template"], "chatml");
  std::vector<std::promise<Completion>> promises(6);
  for (int i = 0; i < 6; ++i) {
    Request r = user_request("hello there", 8);
    r.sampling.temperature = 1.0;
    r.repeat = i % 3;
    runner.submit(r, [&promises, i](Completion c) { promises[i].set_value(std::move(c)); });
  }
  std::vector<Completion> got;
  for (auto& p : promises) got.push_back(p.get_future().get());
  for (const Completion& c : got) {
    ASSERT_TRUE(c.ok()) << c.error_message;
    EXPECT_GT(c.usage.completion_tokens, 0);
  }
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got[i].text, got[i + 3].text) << i;  // same repeat
  EXPECT_FALSE(got[0].text == got[1].text && got[1].text == got[2].text);

  // A prompt longer than the context is an error answer, not an exception.
  Completion too_long = runner.answer(user_request(std::string(400, 'a'), 4));
  EXPECT_EQ(too_long.error, ErrorKind::kInvalid);
  EXPECT_NE(too_long.error_message.find("does not fit"), std::string::npos);
}

// Several continuations scored after one evaluation of the context equal each scored alone
// on a fresh context (one-token continuations use the context's last logits).
TEST_F(LocalRunnerRandom, LoglikelihoodsOfSeveralContinuationsEqualEachAlone) {
  RandomModelSpec spec;
  write_random_model(path_, spec);
  std::unique_ptr<Model> model = Model::load(path_);
  ThreadPool pool(2);
  Context shared(*model, 64, pool);
  const std::vector<int32_t> context = {1, 300, 17, 260, 42};
  const std::vector<std::vector<int32_t>> continuations = {{5}, {111, 7}, {9}, {8, 9, 10}};
  std::vector<Loglikelihood> together = loglikelihoods(shared, context, continuations);
  ASSERT_EQ(together.size(), continuations.size());
  for (size_t i = 0; i < continuations.size(); ++i) {
    Context fresh(*model, 64, pool);
    Loglikelihood alone = loglikelihood(fresh, context, continuations[i]);
    EXPECT_NEAR(together[i].logprob, alone.logprob, 1e-4) << i;
    EXPECT_EQ(together[i].greedy, alone.greedy) << i;
  }
  // The same context again comes from the cache and gives the same numbers.
  std::vector<Loglikelihood> again = loglikelihoods(shared, context, continuations);
  for (size_t i = 0; i < continuations.size(); ++i) {
    EXPECT_NEAR(again[i].logprob, together[i].logprob, 1e-4) << i;
  }
  EXPECT_THROW(loglikelihoods(shared, context, {{}}), InputError);
  EXPECT_THROW(loglikelihoods(shared, {}, {{5}}), InputError);
  EXPECT_THROW(loglikelihoods(shared, context, {std::vector<int32_t>(60, 5)}), InputError);
}

// A prompt sharing a prefix with the previous one in the slot evaluates only the rest,
// and answers as a fresh runner does.
TEST_F(LocalRunnerRandom, ReusesTheCachedPromptPrefix) {
  RandomModelSpec spec;
  write_random_model(path_, spec);
  LocalRunnerOptions o;
  o.path = path_;
  o.batch = 1;
  o.n_ctx = 128;
  LocalRunner runner(o);
  Request few_shot = user_request("the quick brown fox jumps over the lazy dog", 6);
  Completion first = runner.answer(few_shot);
  ASSERT_TRUE(first.ok()) << first.error_message;
  EXPECT_EQ(runner.stats().reused_tokens, 0);
  few_shot.messages[0].content += " again";
  Completion second = runner.answer(few_shot);
  ASSERT_TRUE(second.ok()) << second.error_message;
  LocalRunnerStats st = runner.stats();
  EXPECT_EQ(st.prompt_tokens, first.usage.prompt_tokens + second.usage.prompt_tokens);
  // Everything of the first prompt but its last token ("dog" may merge differently when
  // text follows, so at least the part before it) came from the cache.
  EXPECT_GE(st.reused_tokens, first.usage.prompt_tokens - 2);
  EXPECT_LT(st.reused_tokens, second.usage.prompt_tokens);
  EXPECT_EQ(st.generated_tokens, first.usage.completion_tokens + second.usage.completion_tokens);
  LocalRunner fresh(o);
  EXPECT_EQ(fresh.answer(few_shot).text, second.text);
}

TEST_F(LocalRunnerRandom, RejectsUnknownChatTemplate) {
  RandomModelSpec spec;
  spec.chat_template = "{{ messages | to_klingon }}";
  write_random_model(path_, spec);
  LocalRunnerOptions o;
  o.path = path_;
  EXPECT_THROW(LocalRunner{o}, InputError);
  o.path = path_ + ".missing";
  EXPECT_THROW(LocalRunner{o}, InputError);
}

}  // namespace
}  // namespace ys::engine
