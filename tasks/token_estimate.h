// Token counts estimated without a tokenizer, for models whose tokenizer yardstick does not
// have (API models). One estimator per tokenizer family; the error bound of each, measured
// on the generated long-context prompts against real vocabularies, is in
// docs/LONG_CONTEXT.md ("Token counting") and in kEstimatorBound below.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ys {

enum class TokenFamily {
  kSentencePiece,  // Llama 1/2, Mistral, Phi-3: 32K SentencePiece, digits split one by one
  kBytePairs,      // GPT-2-style byte-level BPE (GPT-2/3/4, Falcon, MPT, StarCoder, DeepSeek)
  kChars4,         // (bytes + 3) / 4: what the mock models report
};

// "spm", "bpe", "chars4"; throws InputError naming the value for anything else.
TokenFamily parse_token_family(const std::string& name);
const char* token_family_name(TokenFamily family);

// The estimated token count of `text` (no BOS or chat markup). Linear time, no allocation.
// A sum over the text's words (runs of ASCII letters), digit runs, punctuation and
// newlines with per-family costs; additive over texts cut at spaces.
int64_t estimate_tokens(std::string_view text, TokenFamily family);

// The largest relative error |estimate - true| / true measured for `family` (see
// docs/LONG_CONTEXT.md for what it was measured against); 0 for kChars4, which is exact
// for the mock models.
double estimator_bound(TokenFamily family);

// The coefficients, exposed for the measurement tool (tests/bench/longctx_bench.cpp).
struct EstimatorCoefficients {
  int free_letters = 6;          // a word of up to this many letters costs one token ...
  double letters_per_extra = 3;  // ... and one more per this many letters beyond
  double digits_per_token = 1;
  double punct = 1;    // per punctuation byte
  double newline = 1;  // per '\n'
  double other = 1;    // per byte that is not ASCII
  double scale = 1;    // applied to the sum
};
EstimatorCoefficients estimator_coefficients(TokenFamily family);
int64_t estimate_tokens(std::string_view text, const EstimatorCoefficients& c);

}  // namespace ys
