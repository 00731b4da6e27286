// stories260K (../shared/models): prompt ids, every greedy id and the decoded text must
// equal stories260K.expected.json, on which llama2.c and llama.cpp agree.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "runners/engine/batch/generate.h"
#include "runners/engine/format/tokenizer.h"
#include "runners/engine/graph/context.h"
#include "runners/engine/graph/model.h"
#include "tests/engine/test_data.h"

namespace ys::engine {
namespace {

class Stories : public ::testing::TestWithParam<bool> {};  // param: batched prefill

TEST_P(Stories, ReproducesExpectedGreedyRuns) {
  YS_SHARED_FILE(model_path, "models/stories260K.gguf");
  YS_SHARED_FILE(expected_path, "models/stories260K.expected.json");
  nlohmann::json expected = nlohmann::json::parse(std::ifstream(expected_path));
  std::unique_ptr<Model> model = Model::load(model_path);
  Tokenizer tok(model->file());
  ThreadPool pool(1);
  Context ctx(*model, 512, pool);
  const bool batched = GetParam();

  ASSERT_EQ(expected["cases"].size(), 3u);
  for (const auto& c : expected["cases"]) {
    std::vector<int32_t> prompt = tok.encode(c["prompt"].get<std::string>(), true, false);
    ASSERT_EQ(prompt, c["prompt_ids"].get<std::vector<int32_t>>()) << c["prompt"];
    std::vector<int32_t> want = c["generated_ids"].get<std::vector<int32_t>>();
    ctx.truncate(0);
    Sampler greedy({});
    std::vector<int32_t> got =
        generate(ctx, greedy, prompt, static_cast<int>(want.size()), nullptr, batched);
    EXPECT_EQ(got, want) << c["prompt"];
    std::vector<int32_t> all = prompt;
    all.insert(all.end(), got.begin(), got.end());
    EXPECT_EQ(tok.decode(all), c["full_text"].get<std::string>());
    // The continuation is the full text after the prompt's text (its leading space kept).
    EXPECT_EQ(tok.decode(all).substr(tok.decode(prompt).size()),
              c["continuation_text"].get<std::string>());
  }

  const auto& from_bos = expected["from_bos"];
  std::vector<int32_t> want = from_bos["generated_ids"].get<std::vector<int32_t>>();
  ctx.truncate(0);
  Sampler greedy({});
  std::vector<int32_t> got = generate(
      ctx, greedy, {tok.bos()}, 1000, [&](int32_t id) { return id == tok.bos(); }, batched);
  EXPECT_EQ(got, want);
  got.insert(got.begin(), tok.bos());
  EXPECT_EQ(tok.decode(got), from_bos["text"].get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(Prefill, Stories, ::testing::Values(false, true), [](const auto& info) {
  return info.param ? "batched" : "token_by_token";
});

}  // namespace
}  // namespace ys::engine
