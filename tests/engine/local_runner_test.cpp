#include "runners/engine/batch/local_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "runners/engine/batch/generate.h"
#include "runners/engine/random_model.h"
#include "tests/engine/test_data.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/utf8.h"

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

// The raw bytes of what `runner` generates for `r` (sampled, no stop strings), from the
// engine itself: the tokens' pieces joined, an end-of-generation token left out.
std::string raw_generation(const std::string& model_path, const LocalRunner& runner,
                           const Request& r) {
  std::unique_ptr<Model> model = Model::load(model_path);
  const Tokenizer& tok = runner.tokenizer();
  ThreadPool pool(1);
  Context ctx(*model, 512, pool);
  SamplingParams sp;
  sp.temperature = static_cast<float>(r.sampling.temperature);
  sp.seed = r.sampling.seed.value();
  Sampler sampler(sp);
  std::string raw;
  for (int32_t id : generate(ctx, sampler, runner.prompt_tokens(r), r.sampling.max_tokens,
                             [&](int32_t id) { return tok.is_end_of_generation(id); })) {
    if (!tok.is_end_of_generation(id)) raw += tok.piece(id);
  }
  return raw;
}

// The issue's case: stories260K at temperature 2.0, 40 tokens after "Once upon a time"
// sampling byte tokens that do not form valid UTF-8 (seed 219 since the sampler draws from
// util/random.h; 27 did with std::mt19937_64). The answer is the raw bytes with
// each invalid byte replaced by U+FFFD.
TEST(LocalRunner, Stories260KAnswersAreValidUtf8) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  LocalRunnerOptions o;
  o.path = model_path;
  LocalRunner runner(o);
  Request r = user_request("Once upon a time", 40);
  r.sampling.temperature = 2.0;
  r.sampling.seed = 219;
  const std::string raw = raw_generation(model_path, runner, r);
  ASSERT_FALSE(is_valid_utf8(raw)) << "the case no longer produces invalid bytes";
  Completion got = runner.answer(r);
  ASSERT_TRUE(got.ok()) << got.error_message;
  EXPECT_TRUE(is_valid_utf8(got.text));
  EXPECT_EQ(got.text, valid_utf8(raw));
  EXPECT_NE(got.text.find("\xef\xbf\xbd"), std::string::npos);
}

// Text from a request is plain text for a model without a template: "<s></s>" in the
// prompt is not BOS/EOS (only the BOS the runner adds is).
TEST(LocalRunner, Stories260KSpecialTextInPromptIsText) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  LocalRunnerOptions o;
  o.path = model_path;
  LocalRunner runner(o);
  const Tokenizer& tok = runner.tokenizer();
  std::vector<int32_t> ids = runner.prompt_tokens(user_request("<s>Once</s>", 4));
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], tok.bos());
  for (size_t i = 1; i < ids.size(); ++i)
    EXPECT_TRUE(tok.is_text_token(ids[i]) || tok.token_type(ids[i]) == TokenType::kByte) << i;
  EXPECT_EQ(tok.decode(ids), "<s>Once</s>");
}

// What changes an answer is in the identity (the file, the context size, the runner's
// seed); what does not (threads, batch) is not.
TEST(LocalRunner, IdentityHoldsEverySettingThatChangesAnswers) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  auto identity = [&](int n_ctx, int threads, int batch, uint64_t seed) {
    LocalRunnerOptions o;
    o.path = model_path;
    o.n_ctx = n_ctx;
    o.threads = threads;
    o.batch = batch;
    o.seed = seed;
    return LocalRunner(o).identity();
  };
  const std::string base = identity(0, 1, 4, 0);
  EXPECT_EQ(base.rfind("local:stories260K.gguf#", 0), 0u) << base;
  EXPECT_TRUE(base.ends_with(";ctx=512")) << base;  // the training context
  EXPECT_EQ(identity(512, 1, 4, 0), base);          // the same context, given explicitly
  EXPECT_NE(identity(32, 1, 4, 0), base);
  EXPECT_NE(identity(32, 1, 4, 0), identity(64, 1, 4, 0));
  EXPECT_EQ(identity(0, 3, 4, 0), base);
  EXPECT_EQ(identity(0, 1, 1, 0), base);
  EXPECT_NE(identity(0, 1, 4, 5), base);
  EXPECT_NE(identity(0, 1, 4, 5), identity(0, 1, 4, 6));
}

// A context of 32 positions ends the answer at 33 - prompt tokens: the answer that the
// identity must keep apart from one with the full context.
TEST(LocalRunner, Stories260KSmallContextCutsTheAnswer) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  LocalRunnerOptions o;
  o.path = model_path;
  o.n_ctx = 32;
  LocalRunner small(o);
  o.n_ctx = 0;
  LocalRunner full(o);
  Request r = user_request("Once upon a time", 60);
  Completion cut = small.answer(r), whole = full.answer(r);
  ASSERT_TRUE(cut.ok() && whole.ok()) << cut.error_message << whole.error_message;
  // 32 positions hold the prompt and all generated tokens but the last (never evaluated).
  EXPECT_EQ(cut.usage.completion_tokens, 32 - cut.usage.prompt_tokens + 1);
  EXPECT_GT(whole.usage.completion_tokens, cut.usage.completion_tokens);
  EXPECT_EQ(whole.text.rfind(cut.text, 0), 0u);  // the same answer, cut
  EXPECT_NE(cache_key(r, small.identity()), cache_key(r, full.identity()));
}

// Threads do not change answers, bit for bit: sampled text and loglikelihoods with 1 and 3
// threads (and batch 1 and 3) are equal, which is why the identity leaves them out.
TEST(LocalRunner, Stories260KAnswersDoNotDependOnThreadsOrBatch) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  Request gen = user_request("Once upon a time", 48);
  gen.sampling.temperature = 1.0;
  gen.sampling.seed = 3;
  Request ll;
  ll.kind = RequestKind::kLoglikelihood;
  ll.messages = {{"user", "Lily saw a big"}};
  ll.continuations = {" ball", " dog and a cat", " tree"};
  std::vector<Completion> gens, lls;
  for (auto [threads, batch] : {std::pair{1, 1}, std::pair{3, 3}}) {
    LocalRunnerOptions o;
    o.path = model_path;
    o.threads = threads;
    o.batch = batch;
    LocalRunner runner(o);
    gens.push_back(runner.answer(gen));
    lls.push_back(runner.answer(ll));
    ASSERT_TRUE(gens.back().ok() && lls.back().ok());
  }
  EXPECT_EQ(gens[0].text, gens[1].text);
  EXPECT_EQ(gens[0].usage.completion_tokens, gens[1].usage.completion_tokens);
  ASSERT_EQ(lls[0].continuations.size(), 3u);
  ASSERT_EQ(lls[1].continuations.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(lls[0].continuations[i].logprob, lls[1].continuations[i].logprob) << i;
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

// The requests of a task (few-shot generation prompts, greedy and sampled, and
// multiple-choice questions after the same few-shot text, with one- and several-token
// choices) answered by a runner that batches them and shares prompt prefixes equal, bit
// for bit, the answers of a runner taking one request at a time and sharing no prefix
// between requests (only a question's choices share its context); and the batched runner
// did share KV blocks (its counters).
TEST(LocalRunner, Stories260KBatchedAndSharedEqualsSequential) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  const std::string shots =
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
      "park. One day, she saw a big red ball under a tree.";
  std::vector<Request> requests;
  const char* starts[] = {"Tom", "The dog", "Lily", "Mom said", "The sun", "A bird"};
  for (size_t i = 0; i < 6; ++i) {
    requests.push_back(user_request(shots + " " + starts[i], 24));
    if (i % 2 == 1) {
      requests.back().sampling.temperature = 0.8;
      requests.back().sampling.seed = 7 + i;
    }
    const std::string q = shots + " " + starts[i] + " was very";
    requests.push_back(loglikelihood_request(q, {" happy", " sad and tired", " big", " hungry."}));
  }
  LocalRunnerOptions o;
  o.path = model_path;
  o.batch = 1;
  o.share_prefixes = false;
  std::vector<Completion> want;
  LocalRunnerStats alone_stats;
  {
    LocalRunner alone(o);
    for (const Request& r : requests) want.push_back(alone.answer(r));
    alone_stats = alone.stats();
  }
  EXPECT_EQ(alone_stats.reused_tokens, 0);
  EXPECT_EQ(alone_stats.max_running, 1);
  o.batch = 8;
  o.share_prefixes = true;
  o.threads = 2;
  LocalRunner batched(o);
  std::vector<std::promise<Completion>> promises(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    batched.submit(requests[i], [&promises, i](Completion c) { promises[i].set_value(c); });
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    const Completion got = promises[i].get_future().get();
    const Completion& w = want[i];
    ASSERT_TRUE(got.ok() && w.ok()) << got.error_message << w.error_message;
    EXPECT_EQ(got.text, w.text) << i;
    EXPECT_EQ(got.finish_reason, w.finish_reason) << i;
    EXPECT_EQ(got.usage.prompt_tokens, w.usage.prompt_tokens) << i;
    EXPECT_EQ(got.usage.completion_tokens, w.usage.completion_tokens) << i;
    ASSERT_EQ(got.continuations.size(), w.continuations.size()) << i;
    for (size_t k = 0; k < got.continuations.size(); ++k) {
      EXPECT_EQ(got.continuations[k].logprob, w.continuations[k].logprob) << i << " " << k;
      EXPECT_EQ(got.continuations[k].greedy, w.continuations[k].greedy) << i << " " << k;
      EXPECT_EQ(got.continuations[k].tokens, w.continuations[k].tokens) << i << " " << k;
    }
  }
  const LocalRunnerStats st = batched.stats();
  EXPECT_GT(st.max_running, 1);            // requests really ran together
  EXPECT_LT(st.steps, alone_stats.steps);  // in fewer passes
  EXPECT_GT(st.shared_blocks, 0);          // the few-shot text and questions' contexts
  EXPECT_GT(st.reused_tokens, 0);
  EXPECT_GT(st.copied_blocks, 0);  // partial blocks shared, then copied before a write
  EXPECT_EQ(st.prompt_tokens, alone_stats.prompt_tokens);
  EXPECT_NE(batched.flow_summary().find(std::to_string(st.reused_tokens) + " of " +
                                        std::to_string(st.prompt_tokens) + " prompt tokens"),
            std::string::npos)
      << batched.flow_summary();
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

// The engine reads text only: text parts are the message's text (text_of), with or
// without a chat template; a message holding an image makes the request a typed error
// naming it, not a generation from the text alone.
TEST_F(LocalRunnerRandom, ReadsTextPartsAndRefusesImages) {
  for (const bool templated : {true, false}) {
    RandomModelSpec spec;
    if (templated) {
      spec.chat_template = "{% for m in messages %}{{'<|im_start|>' + m['role']}}{% endfor %}";
    }
    write_random_model(path_, spec);
    LocalRunnerOptions o;
    o.path = path_;
    o.n_ctx = 128;
    LocalRunner runner(o);
    Request parts = user_request("", 4);
    parts.messages[0].parts = {ContentPart::text_part("hello "), ContentPart::text_part("there")};
    const std::vector<int32_t> plain = runner.prompt_tokens(user_request("hello there", 4));
    EXPECT_EQ(runner.prompt_tokens(parts), plain) << templated;
    EXPECT_EQ(runner.answer(parts).text, runner.answer(user_request("hello there", 4)).text);

    Request image = parts;
    image.messages[0].parts.push_back(ContentPart::image("GIF89a", "image/gif"));
    const Completion c = runner.answer(image);
    EXPECT_EQ(c.error, ErrorKind::kInvalid) << templated;
    EXPECT_NE(
        c.error_message.find("request " + hash_hex(canonical_json(image).dump()).substr(0, 12) +
                             ": message 1 (user) holds 1 image part"),
        std::string::npos)
        << c.error_message;
    EXPECT_NE(c.error_message.find(runner.identity() + " reads text only"), std::string::npos)
        << c.error_message;
  }
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

// A ChatML model whose vocabulary has <|im_start|> and <|im_end|> as control tokens: a
// user message "<|im_end|>" is ordinary text pieces, while the template's own turn ends are
// the control token; the same text in a raw prompt or a loglikelihood continuation of a
// model without a template is text too.
TEST_F(LocalRunnerRandom, ControlTokenTextInMessagesIsText) {
  RandomModelSpec spec;
  spec.chat_template = "{% for m in messages %}{{'<|im_start|>' + m['role']}}{% endfor %}";
  spec.control_tokens = {"<|im_start|>", "<|im_end|>"};
  write_random_model(path_, spec);
  LocalRunnerOptions o;
  o.path = path_;
  o.n_ctx = 128;
  {
    LocalRunner runner(o);
    ASSERT_EQ(runner.config()["chat_template"], "chatml");
    const Tokenizer& tok = runner.tokenizer();
    const int32_t start = tok.find("<|im_start|>"), end = tok.find("<|im_end|>");
    ASSERT_EQ(tok.token_type(end), TokenType::kControl);
    ASSERT_TRUE(tok.is_end_of_generation(end));
    // "user\n" and the content follow <|im_start|> as one plain text.
    const std::vector<int32_t> content = tok.encode("user\n<|im_end|>", false, false);
    EXPECT_EQ(std::count(content.begin(), content.end(), end), 0);
    EXPECT_EQ(std::count(content.begin(), content.end(), start), 0);
    EXPECT_EQ(tok.decode(content), "user\n<|im_end|>");
    std::vector<int32_t> expected = {start};
    expected.insert(expected.end(), content.begin(), content.end());
    expected.push_back(end);
    for (int32_t id : tok.encode("\n", false, false)) expected.push_back(id);
    expected.push_back(start);
    for (int32_t id : tok.encode("assistant\n", false, false)) expected.push_back(id);
    const std::vector<int32_t> ids = runner.prompt_tokens(user_request("<|im_end|>", 4));
    EXPECT_EQ(ids, expected);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), end), 1);  // the template's end of turn
    Completion answered = runner.answer(user_request("<|im_end|><|im_start|>", 4));
    ASSERT_TRUE(answered.ok()) << answered.error_message;
    EXPECT_EQ(answered.usage.prompt_tokens,
              static_cast<int64_t>(
                  runner.prompt_tokens(user_request("<|im_end|><|im_start|>", 4)).size()));
  }
  // The same vocabulary without a template: raw prompts and loglikelihood texts.
  spec.chat_template.clear();
  write_random_model(path_, spec);
  LocalRunner raw(o);
  const Tokenizer& tok = raw.tokenizer();
  const int32_t end = tok.find("<|im_end|>");
  const std::vector<int32_t> ids = raw.prompt_tokens(user_request("a<|im_end|>b", 4));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), end), 0);
  EXPECT_EQ(tok.decode(ids), "a<|im_end|>b");
  Request ll;
  ll.kind = RequestKind::kLoglikelihood;
  ll.messages = {{"user", "hello<|im_start|>"}};
  ll.continuations = {"<|im_end|>"};
  const std::vector<int32_t> context_ids = raw.prompt_tokens(ll);
  EXPECT_EQ(std::count(context_ids.begin(), context_ids.end(), tok.find("<|im_start|>")), 0);
  Completion scored = raw.answer(ll);
  ASSERT_TRUE(scored.ok()) << scored.error_message;
  const auto plain =
      static_cast<int64_t>(tok.encode("hello<|im_start|><|im_end|>", true, false).size() -
                           tok.encode("hello<|im_start|>", true, false).size());
  EXPECT_GT(plain, 1);  // ordinary pieces, not one control token
  EXPECT_EQ(scored.continuations.at(0).tokens, plain);
}

// A model that always answers BOS with the byte tokens of "€" (E2 82 AC), then "a", then
// "€" again, ...: characters are whole when all their byte tokens came, U+FFFD per byte when
// max_tokens cuts one, and stop strings match across the byte tokens.
TEST_F(LocalRunnerRandom, ByteTokensCutMidCharacterBecomeReplacementCharacters) {
  RandomModelSpec spec;
  auto byte = [](int b) { return 3 + b; };  // <0xNN> ids follow <unk>, <s>, </s>
  const int32_t a = 260;                    // "▁" is 259, then "a"
  spec.next_tokens = {{1, byte(0xE2)},
                      {byte(0xE2), byte(0x82)},
                      {byte(0x82), byte(0xAC)},
                      {byte(0xAC), a},
                      {a, byte(0xE2)}};
  write_random_model(path_, spec);
  LocalRunnerOptions o;
  o.path = path_;
  o.n_ctx = 64;
  LocalRunner runner(o);
  ASSERT_EQ(runner.tokenizer().token_text(a), "a");
  ASSERT_EQ(runner.tokenizer().token_text(byte(0xE2)), "<0xE2>");
  const std::string euro = "\xe2\x82\xac", fffd = "\xef\xbf\xbd";
  auto text = [&](int max_tokens, std::vector<std::string> stop = {}) {
    Request r = user_request("", max_tokens);
    r.sampling.stop = std::move(stop);
    Completion c = runner.answer(r);
    EXPECT_TRUE(c.ok()) << c.error_message;
    EXPECT_TRUE(is_valid_utf8(c.text)) << max_tokens;
    return c;
  };
  EXPECT_EQ(text(3).text, euro);
  EXPECT_EQ(text(1).text, fffd);
  EXPECT_EQ(text(2).text, fffd + fffd);
  EXPECT_EQ(text(6).text, euro + "a" + fffd + fffd);
  EXPECT_EQ(text(7).text, euro + "a" + euro);
  // Sampled at a high temperature the table still decides (its logits are far apart).
  Request hot = user_request("", 5);
  hot.sampling.temperature = 2.0;
  hot.sampling.seed = 27;
  EXPECT_EQ(runner.answer(hot).text, euro + "a" + fffd);
  // A stop string made of a character's bytes, matched over the tokens that bring them.
  Completion stopped = text(20, {"a" + euro});
  EXPECT_EQ(stopped.text, euro);
  EXPECT_EQ(stopped.finish_reason, "stop");
  EXPECT_EQ(stopped.usage.completion_tokens, 7);
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
