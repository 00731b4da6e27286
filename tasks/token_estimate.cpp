#include "tasks/token_estimate.h"

#include <cmath>

#include "util/error.h"

namespace ys {

TokenFamily parse_token_family(const std::string& name) {
  if (name == "spm") return TokenFamily::kSentencePiece;
  if (name == "bpe") return TokenFamily::kBytePairs;
  if (name == "chars4") return TokenFamily::kChars4;
  throw InputError("unknown tokenizer family '" + name + "' (expected spm, bpe or chars4)");
}

const char* token_family_name(TokenFamily family) {
  switch (family) {
    case TokenFamily::kSentencePiece:
      return "spm";
    case TokenFamily::kBytePairs:
      return "bpe";
    case TokenFamily::kChars4:
      return "chars4";
  }
  return "?";
}

EstimatorCoefficients estimator_coefficients(TokenFamily family) {
  EstimatorCoefficients c;
  switch (family) {
    case TokenFamily::kSentencePiece:
      // Fitted by tests/bench/longctx_bench.cpp (--fit) on ggml-vocab-llama-spm.
      c = {6, 2.6, 1.0, 1.0, 1.0, 1.0, 1.0};
      break;
    case TokenFamily::kBytePairs:
      // Fitted by tests/bench/longctx_bench.cpp (--fit) on ggml-vocab-gpt-2.
      c = {6, 2.6, 3.0, 1.0, 1.0, 1.0, 1.0};
      break;
    case TokenFamily::kChars4:
      break;
  }
  return c;
}

double estimator_bound(TokenFamily family) {
  switch (family) {
    case TokenFamily::kSentencePiece:
      return 0.10;
    case TokenFamily::kBytePairs:
      return 0.10;
    case TokenFamily::kChars4:
      return 0;
  }
  return 0;
}

int64_t estimate_tokens(std::string_view text, const EstimatorCoefficients& c) {
  double total = 0;
  size_t i = 0;
  const size_t n = text.size();
  auto is_letter = [](unsigned char ch) { return (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'; };
  auto is_digit = [](unsigned char ch) { return ch >= '0' && ch <= '9'; };
  while (i < n) {
    const auto ch = static_cast<unsigned char>(text[i]);
    if (is_letter(ch)) {
      size_t j = i;
      while (j < n && is_letter(static_cast<unsigned char>(text[j]))) ++j;
      const double len = static_cast<double>(j - i);
      total += 1;
      if (len > c.free_letters) total += std::ceil((len - c.free_letters) / c.letters_per_extra);
      i = j;
    } else if (is_digit(ch)) {
      size_t j = i;
      while (j < n && is_digit(static_cast<unsigned char>(text[j]))) ++j;
      total += std::ceil(static_cast<double>(j - i) / c.digits_per_token);
      i = j;
    } else if (ch == ' ') {
      ++i;
    } else if (ch == '\n') {
      total += c.newline;
      ++i;
    } else if (ch >= 0x80) {
      total += c.other;
      ++i;
    } else {
      total += c.punct;
      ++i;
    }
  }
  return static_cast<int64_t>(std::llround(total * c.scale));
}

int64_t estimate_tokens(std::string_view text, TokenFamily family) {
  if (family == TokenFamily::kChars4) return static_cast<int64_t>((text.size() + 3) / 4);
  return estimate_tokens(text, estimator_coefficients(family));
}

}  // namespace ys
