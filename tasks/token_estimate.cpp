#include "tasks/token_estimate.h"

#include <cmath>
#include <span>

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
      c = {6, 2.6, 1.0, 1.0, 1.0, 1.0, 1.0};  // SentencePiece splits digits one by one
      break;
    case TokenFamily::kBytePairs:
      c = {6, 2.6, 3.0, 1.0, 1.0, 1.0, 1.0};  // GPT-style BPE merges up to ~3 digits
      break;
    case TokenFamily::kChars4:
      break;
  }
  return c;
}

double estimator_calibration(TokenFamily family, const std::string& task) {
  struct Row {
    const char* task;
    double ratio;
  };
  // `ys_longctx_bench calibrate ggml-vocab-llama-spm.gguf spm`
  static constexpr Row kSpm[] = {
      {"niah_single_1", 0.9987},
      {"niah_single_2", 0.9196},
      {"niah_single_3", 0.9183},
      {"niah_multikey_1", 0.9180},
      {"niah_multikey_2", 0.9736},
      {"niah_multikey_3", 1.0510},
      {"niah_multivalue", 0.9179},
      {"niah_multiquery", 0.9191},
      {"vt", 1.0055},
      {"cwe", 1.4084},
      {"fwe", 0.7593},
      {"qa_multihop", 1.0770},
      {"niah", 0.9161},
  };
  // `ys_longctx_bench calibrate ggml-vocab-gpt-2.gguf bpe`
  static constexpr Row kBpe[] = {
      {"niah_single_1", 0.9982},
      {"niah_single_2", 0.7982},
      {"niah_single_3", 0.7998},
      {"niah_multikey_1", 0.7978},
      {"niah_multikey_2", 0.8999},
      {"niah_multikey_3", 1.0625},
      {"niah_multivalue", 0.7971},
      {"niah_multiquery", 0.7990},
      {"vt", 1.0047},
      {"cwe", 1.4033},
      {"fwe", 0.7791},
      {"qa_multihop", 0.9984},
      {"niah", 0.7951},
  };
  if (family == TokenFamily::kChars4) return 1;
  for (const Row& r : family == TokenFamily::kSentencePiece ? std::span<const Row>(kSpm)
                                                            : std::span<const Row>(kBpe)) {
    if (task == r.task) return r.ratio;
  }
  return 1;
}

double estimator_bound(TokenFamily family) {
  switch (family) {
    case TokenFamily::kSentencePiece:
      return 0.097;  // llama-spm and phi-3: +9.7% (fwe; docs/LONG_CONTEXT.md)
    case TokenFamily::kBytePairs:
      return 0.168;  // gpt-2 -7.8% (cwe), mpt +16.8% (fwe)
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
