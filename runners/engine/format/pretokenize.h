// Pre-tokenizers of byte-level BPE vocabularies: the regular expressions that cut text into
// pieces before merges, one variant per `tokenizer.ggml.pre` family, matched by hand on
// code points (std::regex has no \p{L}). Semantics are those of an ECMAScript regex
// iterator: leftmost match, alternatives tried in order, greedy quantifiers with
// backtracking; text between matches stays a piece of its own. A variant with several
// expressions applies them in turn, each splitting the pieces the previous one left.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ys::engine {

enum class PreTokenizer {
  kGpt2,           // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  kLlama3,         // case-insensitive contractions, [^\r\n\p{L}\p{N}]?\p{L}+, \p{N}{1,3}, ...
  kQwen2,          // as kLlama3 with single digits (\p{N})
  kDeepseekLlm,    // [\r\n] / \s?[Latin, Greek, Cyrillic... letters]+ / \s?[ASCII and CJK
                   // punctuation]+ / \s+$ / [CJK, Hangul]+ / \p{N}+
  kDeepseekCoder,  // [\r\n] / \s?\p{L}+ / \s?\p{P}+ / [CJK, Hangul]+ / \p{N}
  kFalcon,         // [\p{P}$+<=>^~|`]+ / GPT-2 without the final \s+ / [0-9][0-9][0-9]
  kStarcoder,      // \p{N} / GPT-2 without the final \s+ (also refact, command-r, smollm)
};

// The variant for a `tokenizer.ggml.pre` value ("gpt-2", "llama-bpe", "qwen2", ...);
// "default" and a missing key mean kGpt2. Throws InputError naming the value otherwise.
PreTokenizer pre_tokenizer_from_name(const std::string& name);

// Cuts `text` into pieces whose concatenation is `text`; no piece is empty.
std::vector<std::string> pre_tokenize(PreTokenizer variant, std::string_view text);

}  // namespace ys::engine
