// Tokenizers built from a GGUF's `tokenizer.*` metadata: SentencePiece-style (`llama`:
// score-ordered merges of UTF-8 characters, byte fallback, "▁" for space) and byte-level
// BPE (`gpt2`: a pre-tokenizer regex, bytes mapped to printable code points, merges in
// rank order). Behaviour follows llama.cpp's, the reference the test vectors come from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runners/engine/format/gguf.h"
#include "runners/engine/format/pretokenize.h"

namespace ys::engine {

// `tokenizer.ggml.token_type` values.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// The SentencePiece byte-fallback token of `byte`: "<0x0A>" for a newline.
std::string byte_token_text(uint8_t byte);

// A piece of a prompt: markup written by the engine (a chat template's role headers,
// end-of-turn and BOS texts), whose special-token texts become those tokens, or text that
// came with a request (a message, a loglikelihood context), which is always plain text.
struct PromptPart {
  std::string text;
  bool markup = false;
};

class Tokenizer {
 public:
  enum class Kind { kSentencePiece, kBytePairs };

  // Reads tokens, scores, types, merges, special ids and flags from `file`. Throws
  // InputError naming the file for a missing or unknown `tokenizer.ggml.model`, an
  // unknown `tokenizer.ggml.pre`, or inconsistent arrays.
  explicit Tokenizer(const GgufFile& file);

  // Token ids of `text`. `add_special` puts BOS first (and EOS last) where the vocabulary
  // asks for them (`tokenizer.ggml.add_bos_token`, default true for SentencePiece);
  // `parse_special` turns the text of control and user-defined tokens (e.g. "<|im_end|>")
  // into those tokens. Without it the text is plain: only text tokens (is_text_token) are
  // produced, so "<|im_end|>" becomes ordinary pieces such as "<", "|", "im", ...
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

  // Token ids of `parts` in order, tokenized as one text in which only the markup parts'
  // special-token texts are parsed (a special token is never formed across a part's edge);
  // plain text on both sides of a part boundary is tokenized together, as if the parts had
  // been joined. `add_special` as for encode().
  std::vector<int32_t> encode(const std::vector<PromptPart>& parts, bool add_special) const;

  // Whether plain text can produce `id`: a normal, undefined or user-defined token that is
  // not BOS, EOS, unknown or an end-of-generation token. Control, byte, unknown and unused
  // tokens come only from parsed markup, byte fallback or not at all.
  bool is_text_token(int32_t id) const {
    return id >= 0 && id < n_tokens() && text_token_[static_cast<size_t>(id)];
  }

  // The text of `ids`: byte tokens become their bytes, "▁" a space (SentencePiece), byte-level
  // code points their bytes (BPE). Control tokens are dropped unless `render_special`.
  // SentencePiece drops the space its encoder prefixed to the text.
  std::string decode(const std::vector<int32_t>& ids, bool render_special = false) const;

  // The text of one token, as decode() renders it in the middle of a sequence.
  std::string piece(int32_t id, bool render_special = false) const;

  Kind kind() const { return kind_; }
  int32_t n_tokens() const { return static_cast<int32_t>(tokens_.size()); }
  int32_t bos() const { return bos_; }
  int32_t eos() const { return eos_; }
  // The id of `text` as a whole token, or -1.
  int32_t find(const std::string& text) const;
  // The raw vocabulary string of `id` (e.g. "▁the", "Ġthe", "<s>").
  const std::string& token_text(int32_t id) const { return tokens_[static_cast<size_t>(id)]; }
  TokenType token_type(int32_t id) const { return types_[static_cast<size_t>(id)]; }
  // True for ids that end generation: EOS, EOT and end-of-turn control tokens.
  bool is_end_of_generation(int32_t id) const;

 private:
  void encode_fragment(std::string_view text, bool first_after_special,
                       std::vector<int32_t>& out) const;
  void encode_spm(std::string_view text, std::vector<int32_t>& out) const;
  void encode_bpe_piece(const std::string& piece, std::vector<int32_t>& out) const;
  int32_t byte_token(uint8_t byte) const;
  // find(), but -1 for a token that plain text must not produce (!is_text_token).
  int32_t find_text(const std::string& text) const;

  Kind kind_ = Kind::kSentencePiece;
  PreTokenizer pre_ = PreTokenizer::kGpt2;
  std::vector<std::string> tokens_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string, int32_t> ids_;
  std::unordered_map<std::string, int32_t> merge_ranks_;  // "left right" -> rank
  std::vector<int32_t> specials_;  // control and user-defined ids, longest text first
  std::vector<int32_t> end_of_generation_;
  std::vector<bool> text_token_;  // per id: is_text_token
  int32_t bos_ = -1, eos_ = -1, unk_ = -1;
  bool add_bos_ = false, add_eos_ = false, add_space_prefix_ = true;
  bool ignore_merges_ = false;  // Llama 3: a piece that is a whole token is taken as is
};

}  // namespace ys::engine
