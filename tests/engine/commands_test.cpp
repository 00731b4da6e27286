#include "runners/engine/commands.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/engine/test_data.h"
#include "util/error.h"
#include "util/utf8.h"

namespace ys::engine {
namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(Commands, InfoDescribesModelAndMemory) {
  YS_SHARED_FILE(path, "models/stories260K.gguf");
  std::string info = model_info(path, 256);
  EXPECT_TRUE(contains(info, "GGUF v3, 21 keys, 48 tensors")) << info;
  EXPECT_TRUE(contains(info, "token_embd.weight  F32  [64 x 512]  131072 bytes")) << info;
  EXPECT_TRUE(contains(info, "general.architecture = \"llama\"")) << info;
  EXPECT_TRUE(contains(info, "tokenizer.ggml.tokens = [\"<unk>\", \"<s>\"")) << info;
  EXPECT_TRUE(contains(info, "model: llama, 5 layers, dim 64, heads 8/4")) << info;
  // KV cache: 2 (K and V) x 5 layers x 256 positions x 32 floats x 4 bytes = 0.3 MiB.
  EXPECT_TRUE(contains(info, "KV cache 0.3 MiB for 256 positions")) << info;
}

TEST(Commands, InfoOnVocabularyOnlyFile) {
  YS_SHARED_FILE(path, "testdata/tokenizer/ggml-vocab-gpt-2.gguf");
  std::string info = model_info(path);
  EXPECT_TRUE(contains(info, "0 tensors")) << info;
  EXPECT_FALSE(contains(info, "model:")) << info;
  EXPECT_THROW(model_info(path + ".missing"), InputError);
}

TEST(Commands, GenerateContinuesThePrompt) {
  YS_SHARED_FILE(path, "models/stories260K.gguf");
  YS_SHARED_FILE(expected_path, "models/stories260K.expected.json");
  nlohmann::json expected = nlohmann::json::parse(std::ifstream(expected_path));
  GenerateOptions o;
  o.prompt = "Once upon a time";
  o.max_tokens = 12;
  std::string text = generate_text(path, o);
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(expected["cases"][0]["continuation_text"].get<std::string>().rfind(text, 0), 0u)
      << text;
  o.chat = true;
  EXPECT_THROW(generate_text(path, o), InputError);  // stories260K has no chat template
}

// The case through `engine generate`: a sampled run that ends in byte tokens that
// are not UTF-8 prints valid UTF-8, the bad bytes as U+FFFD (seed 219: local_runner_test).
TEST(Commands, GenerateWritesValidUtf8) {
  YS_SHARED_FILE(path, "models/stories260K.gguf");
  GenerateOptions o;
  o.prompt = "Once upon a time";
  o.max_tokens = 40;
  o.sampling.temperature = 2.0f;
  o.sampling.seed = 219;
  std::string text = generate_text(path, o);
  EXPECT_TRUE(is_valid_utf8(text)) << text;
  EXPECT_NE(text.find("\xef\xbf\xbd"), std::string::npos) << text;
}

TEST(Commands, BenchTableHasARowPerThreadCount) {
  YS_SHARED_FILE(path, "models/stories260K.gguf");
  BenchOptions o;
  o.prompt_tokens = 16;
  o.gen_tokens = 8;
  o.repeats = 1;
  std::string table = bench_table(path, {1, 2}, o);
  EXPECT_TRUE(contains(table, "\n| 1 | ")) << table;
  EXPECT_TRUE(contains(table, "\n| 2 | ")) << table;
  EXPECT_FALSE(contains(table, "| 0.0 |")) << table;
}

}  // namespace
}  // namespace ys::engine
