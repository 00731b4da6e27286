#include "runners/engine/format/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "runners/engine/format/gguf_writer.h"
#include "runners/engine/format/pretokenize.h"
#include "runners/engine/format/unicode.h"
#include "tests/engine/test_data.h"
#include "util/error.h"

namespace ys::engine {
namespace {

using Pieces = std::vector<std::string>;

TEST(Unicode, Classes) {
  EXPECT_TRUE(is_letter('a'));
  EXPECT_TRUE(is_letter(0x00e9));   // é
  EXPECT_TRUE(is_letter(0x4e2d));   // 中
  EXPECT_FALSE(is_letter(0x0301));  // combining acute: a mark
  EXPECT_TRUE(is_number(0x0663));   // Arabic-Indic three
  EXPECT_TRUE(is_number(0x00bd));   // ½
  EXPECT_TRUE(is_punctuation('!'));
  EXPECT_FALSE(is_punctuation('$'));  // a symbol
  EXPECT_TRUE(is_whitespace(0x3000));
  EXPECT_FALSE(is_whitespace(0x200b));  // zero width space is not White_Space
  EXPECT_EQ(unicode_class(0x1f600), UnicodeClass::kSymbol);
}

TEST(Unicode, DecodeKeepsEveryByte) {
  std::string text = "a\xc3\xa9\xff\xe2\x82";  // a, é, a stray byte, a cut sequence
  DecodedText d = utf8_decode(text);
  EXPECT_EQ(d.cps, (std::vector<uint32_t>{'a', 0xe9, 0xfffd, 0xfffd, 0xfffd}));
  EXPECT_EQ(d.offsets, (std::vector<size_t>{0, 1, 3, 4, 5, 6}));
  EXPECT_EQ(utf8_encode(0x1f999), "\xf0\x9f\xa6\x99");
}

// Expectations worked out from the expressions (see pretokenize.h), for the variants whose
// vocabularies are too large for the shared test vectors.
TEST(PreTokenize, Llama3) {
  auto p = [](std::string_view s) { return pre_tokenize(PreTokenizer::kLlama3, s); };
  EXPECT_EQ(p("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(p("1234567"), (Pieces{"123", "456", "7"}));
  EXPECT_EQ(p("I'M here"), (Pieces{"I", "'M", " here"}));
  EXPECT_EQ(p("a\n\nb"), (Pieces{"a", "\n\n", "b"}));
  EXPECT_EQ(p("  x"), (Pieces{" ", " x"}));
  EXPECT_EQ(p("x  \n y"), (Pieces{"x", "  \n", " y"}));
  EXPECT_EQ(p("!!\n\nok"), (Pieces{"!!\n\n", "ok"}));
  EXPECT_EQ(p("(x"), (Pieces{"(x"}));
  EXPECT_EQ(p("end  "), (Pieces{"end", "  "}));
}

TEST(PreTokenize, Qwen2SplitsDigits) {
  EXPECT_EQ(pre_tokenize(PreTokenizer::kQwen2, "ab 123"), (Pieces{"ab", " ", "1", "2", "3"}));
}

TEST(PreTokenize, Gpt2) {
  auto p = [](std::string_view s) { return pre_tokenize(PreTokenizer::kGpt2, s); };
  EXPECT_EQ(p("I'm 12 ok!!"), (Pieces{"I", "'m", " 12", " ok", "!!"}));
  EXPECT_EQ(p("a   b"), (Pieces{"a", "  ", " b"}));
  EXPECT_EQ(p("a\n=b"), (Pieces{"a", "\n", "=", "b"}));
  EXPECT_EQ(p(""), Pieces{});
}

TEST(PreTokenize, Names) {
  EXPECT_EQ(pre_tokenizer_from_name("llama-bpe"), PreTokenizer::kLlama3);
  EXPECT_EQ(pre_tokenizer_from_name("refact"), PreTokenizer::kStarcoder);
  EXPECT_THROW(pre_tokenizer_from_name("klingon"), InputError);
}

class TinyVocab : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("ys_tok_" + std::to_string(::getpid()) + ".gguf"))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
};

// A byte-level BPE vocabulary written by the test: bytes, a few merges, two control tokens.
TEST_F(TinyVocab, BytePairsWithSpecialTokens) {
  GgufWriter w;
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "gpt-2");
  std::vector<std::string> tokens = {
      "h", "e", "l", "o", "Ġ", "he", "ll", "hell", "hello", "Ġhello", "<|im_start|>", "<|im_end|>"};
  std::vector<int32_t> types(tokens.size(), 1);
  types[10] = types[11] = 3;
  w.set_strings("tokenizer.ggml.tokens", tokens);
  w.set_i32s("tokenizer.ggml.token_type", types);
  w.set_strings("tokenizer.ggml.merges", {"h e", "l l", "he ll", "hell o", "Ġ hello"});
  w.set_u32("tokenizer.ggml.bos_token_id", 10);
  w.set_u32("tokenizer.ggml.eos_token_id", 11);
  w.set_bool("tokenizer.ggml.add_bos_token", true);
  w.write(path_);
  GgufFile f(path_);
  Tokenizer tok(f);
  EXPECT_EQ(tok.kind(), Tokenizer::Kind::kBytePairs);
  EXPECT_EQ(tok.encode("hello hello", false, false), (std::vector<int32_t>{8, 9}));
  EXPECT_EQ(tok.encode("hello", true, false), (std::vector<int32_t>{10, 8}));
  // Control tokens are text unless parsed as special.
  std::vector<int32_t> parsed = tok.encode("<|im_end|>hello", false, true);
  EXPECT_EQ(parsed, (std::vector<int32_t>{11, 8}));
  EXPECT_NE(tok.encode("<|im_end|>hello", false, false), parsed);
  EXPECT_EQ(tok.decode(parsed), "hello");
  EXPECT_EQ(tok.decode(parsed, true), "<|im_end|>hello");
  EXPECT_TRUE(tok.is_end_of_generation(11));
  EXPECT_FALSE(tok.is_end_of_generation(8));
}

// A SentencePiece vocabulary written by the test in which plain text could reach special
// tokens: "<s" + ">" is the text of BOS (control), "</s" + ">" that of EOS (user-defined),
// and "<x>" is an ordinary user-defined token.
TEST_F(TinyVocab, PlainTextNeverBecomesASpecialToken) {
  GgufWriter w;
  w.set_string("tokenizer.ggml.model", "llama");
  const std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "\xe2\x96\x81", "<",   "s", ">",
                                           "/",     "<s",  "</",   "</s",          "<x>", "a"};
  w.set_strings("tokenizer.ggml.tokens", tokens);
  w.set_i32s("tokenizer.ggml.token_type", {2, 3, 4, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1});
  w.set_f32s("tokenizer.ggml.scores", {0, 0, 0, -1, -1, -1, -1, -1, -0.5f, -0.5f, -0.2f, 0, -1});
  w.write(path_);
  GgufFile f(path_);
  Tokenizer tok(f);
  ASSERT_EQ(tok.bos(), 1);
  ASSERT_EQ(tok.eos(), 2);
  EXPECT_FALSE(tok.is_text_token(1));  // control
  EXPECT_FALSE(tok.is_text_token(2));  // user-defined, but EOS
  EXPECT_FALSE(tok.is_text_token(0));  // unknown
  EXPECT_TRUE(tok.is_text_token(11));  // user-defined
  EXPECT_TRUE(tok.is_text_token(8));
  // Plain: the merges stop short of "<s>" and "</s>", and the text round-trips.
  const std::vector<int32_t> plain = tok.encode("<s></s>", false, false);
  EXPECT_EQ(plain, (std::vector<int32_t>{3, 8, 6, 10, 6}));
  EXPECT_EQ(tok.decode(plain), "<s></s>");
  EXPECT_EQ(tok.encode("<s></s>", true, false), (std::vector<int32_t>{1, 3, 8, 6, 10, 6}));
  // Parsed: both are single special tokens.
  EXPECT_EQ(tok.encode("<s></s>", false, true), (std::vector<int32_t>{1, 2}));
  // A user-defined token without a special role is text and is recognised in plain text.
  EXPECT_EQ(tok.encode("a<x>a", false, false), (std::vector<int32_t>{3, 12, 11, 3, 12}));

  // Prompt parts: special tokens only from markup; plain text across a part boundary is
  // tokenized as one text ("a" + "a" is "▁aa" -> ▁ a a, not ▁ a ▁ a).
  std::vector<int32_t> expected = {1};
  for (int32_t id : tok.encode("<s>a", false, false)) expected.push_back(id);
  expected.insert(expected.end(), {11, 2});
  EXPECT_EQ(tok.encode({{"<s>", true}, {"<s>a", false}, {"<x></s>", true}}, false), expected);
  EXPECT_EQ(tok.encode({{"a", false}, {"a", false}}, false), tok.encode("aa", false, false));
  EXPECT_EQ(tok.encode({{"a", false}, {"a", false}}, false), (std::vector<int32_t>{3, 12, 12}));
  // A special token's text split over two parts is not that token, even in markup.
  const std::vector<int32_t> split = tok.encode({{"<s", true}, {">", true}}, false);
  EXPECT_EQ(std::count(split.begin(), split.end(), 1), 0);
}

// Byte-level BPE: a merge whose result is a control token is never applied to plain text
// (GPT-2 pre-tokenizer), nor is a whole piece taken as that token (Llama 3's shortcut).
TEST_F(TinyVocab, BytePairMergesNeverMakeControlTokens) {
  for (const char* pre : {"gpt-2", "llama-bpe"}) {
    GgufWriter w;
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string("tokenizer.ggml.pre", pre);
    w.set_strings("tokenizer.ggml.tokens", {"<", ">", "<<", ">>", "<<>>", "a"});
    w.set_i32s("tokenizer.ggml.token_type", {1, 1, 1, 1, 3, 1});
    w.set_strings("tokenizer.ggml.merges", {"< <", "> >", "<< >>"});
    w.write(path_);
    GgufFile f(path_);
    Tokenizer tok(f);
    EXPECT_EQ(tok.encode("<<>>", false, false), (std::vector<int32_t>{2, 3})) << pre;
    EXPECT_EQ(tok.encode("a<<>>", false, true), (std::vector<int32_t>{5, 4})) << pre;
    EXPECT_EQ(tok.decode(tok.encode("<<>>", false, false)), "<<>>") << pre;
  }
}

TEST_F(TinyVocab, RejectsUnknownModel) {
  GgufWriter w;
  w.set_string("tokenizer.ggml.model", "bert");
  w.set_strings("tokenizer.ggml.tokens", {"a"});
  w.write(path_);
  GgufFile f(path_);
  try {
    Tokenizer tok(f);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'bert'"), std::string::npos) << e.what();
  }
}

TEST(TokenizerShared, Stories260KPromptsAndBos) {
  YS_SHARED_FILE(path, "models/stories260K.gguf");
  GgufFile f(path);
  Tokenizer tok(f);
  EXPECT_EQ(tok.kind(), Tokenizer::Kind::kSentencePiece);
  std::vector<int32_t> ids = tok.encode("Once upon a time", true, false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(tok.decode(ids), "Once upon a time");
  // A newline has no piece of its own: byte fallback to <0x0A> (id 13).
  EXPECT_EQ(tok.encode("\n", false, false), (std::vector<int32_t>{tok.find("\xe2\x96\x81"), 13}));
}

}  // namespace
}  // namespace ys::engine
