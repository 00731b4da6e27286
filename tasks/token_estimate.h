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
  kBytePairs,      // GPT-2-style byte-level BPE with a 50K English vocabulary (GPT-2, MPT)
  kChars4,         // (bytes + 3) / 4: what the mock models report
};

// "spm", "bpe", "chars4"; throws InputError naming the value for anything else.
TokenFamily parse_token_family(const std::string& name);
const char* token_family_name(TokenFamily family);

// The estimated token count of `text` (no BOS or chat markup). Linear time, no allocation.
// A sum over the text's words (runs of ASCII letters: one token, one more per few letters
// beyond a free length), digit runs, punctuation, newlines and non-ASCII bytes.
int64_t estimate_tokens(std::string_view text, TokenFamily family);

// The factor that turns estimate_tokens() of a prompt of long-context task `task`
// (tasks/longctx.h) into the reference tokenizer's count: the mean ratio true/estimate
// measured on that task's prompts (llama-spm for spm, gpt-2 for bpe; measured with
// `ys_longctx_bench calibrate`). 1 for other texts and for kChars4.
double estimator_calibration(TokenFamily family, const std::string& task);

// The largest relative error |calibrated estimate - true| / true measured for `family`
// over every tokenizer of the family in ../shared/testdata/tokenizer (table in
// docs/LONG_CONTEXT.md, `ys_longctx_bench estimator`); 0 for kChars4, exact for the mocks.
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
