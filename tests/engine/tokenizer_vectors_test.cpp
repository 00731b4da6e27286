// The tokenizer test vectors of ../shared/testdata/tokenizer: every text of every
// vocabulary must encode (no BOS/EOS, control tokens as plain text) to exactly the
// expected ids, and decode back to the text.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "runners/engine/format/gguf.h"
#include "runners/engine/format/tokenizer.h"
#include "tests/engine/test_data.h"

namespace ys::engine {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Texts of a .inp file: each followed by the separator "\n__ggml_vocab_test__\n".
std::vector<std::string> read_texts(const std::string& path) {
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::string all = read_file(path);
  std::vector<std::string> texts;
  for (size_t pos = 0; pos < all.size();) {
    size_t at = all.find(sep, pos);
    if (at == std::string::npos) break;
    texts.push_back(all.substr(pos, at - pos));
    pos = at + sep.size();
  }
  return texts;
}

// Lines of a .out file, each a list of space-separated ids.
std::vector<std::vector<int32_t>> read_ids(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<std::vector<int32_t>> out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::vector<int32_t> ids;
    for (int32_t id; ls >> id;) ids.push_back(id);
    out.push_back(ids);
  }
  return out;
}

class TokenizerVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerVectors, EncodeAndDecodeMatch) {
  const std::string base = "testdata/tokenizer/ggml-vocab-" + GetParam() + ".gguf";
  YS_SHARED_FILE(path, base);
  GgufFile file(path);
  Tokenizer tok(file);
  std::vector<std::string> texts = read_texts(path + ".inp");
  std::vector<std::vector<int32_t>> expected = read_ids(path + ".out");
  ASSERT_EQ(texts.size(), 46u);
  ASSERT_EQ(texts.size(), expected.size());
  int failures = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<int32_t> got = tok.encode(texts[i], false, false);
    EXPECT_EQ(got, expected[i]) << GetParam() << " text " << i << ": '" << texts[i] << "'";
    EXPECT_EQ(tok.decode(got), texts[i]) << GetParam() << " text " << i;
    failures += got != expected[i];
  }
  EXPECT_EQ(failures, 0);
}

// Random texts, valid UTF-8 or not, encode to valid ids. Valid UTF-8 decodes back exactly.
// Arbitrary bytes do too for SentencePiece (byte fallback) and GPT-2 (all 256 byte symbols
// are tokens), but not for every BPE vocabulary: some lack byte symbols (Falcon, MPT drop
// such bytes, as llama.cpp does) or hold them as user-defined tokens that decode as text
// (DeepSeek), so there a stray byte is not preserved.
TEST_P(TokenizerVectors, RandomTextsRoundTrip) {
  const std::string base = "testdata/tokenizer/ggml-vocab-" + GetParam() + ".gguf";
  YS_SHARED_FILE(path, base);
  GgufFile file(path);
  Tokenizer tok(file);
  const bool every_byte =
      GetParam() == "llama-spm" || GetParam() == "phi-3" || GetParam() == "gpt-2";
  std::mt19937 rng(123);
  const std::vector<std::string> pieces = {" ",
                                           "\n",
                                           "\t",
                                           "a",
                                           "b",
                                           "'s",
                                           "L",
                                           "1",
                                           ".",
                                           "\xc3\xa9",
                                           "\xe4\xb8\xad",
                                           "\xf0\x9f\x98\x81",
                                           "\xd0\xb6",
                                           "  "};
  for (int i = 0; i < 300; ++i) {
    const bool raw = i % 2 == 1;
    std::string text;
    size_t len = rng() % 24;
    for (size_t j = 0; j < len; ++j) {
      if (raw && rng() % 2) {
        text += static_cast<char>(rng());
      } else {
        text += pieces[rng() % pieces.size()];
      }
    }
    std::vector<int32_t> ids = tok.encode(text, false, false);
    for (int32_t id : ids) ASSERT_TRUE(id >= 0 && id < tok.n_tokens()) << GetParam() << " " << i;
    if (!raw || every_byte) {
      ASSERT_EQ(tok.decode(ids), text) << GetParam() << " case " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllVocabularies, TokenizerVectors,
                         ::testing::Values("llama-spm", "phi-3", "gpt-2", "deepseek-llm",
                                           "deepseek-coder", "falcon", "mpt", "starcoder",
                                           "refact"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace ys::engine
