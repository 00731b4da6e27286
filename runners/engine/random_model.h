// Writes a llama-family GGUF with random weights and a small SentencePiece vocabulary:
// fixtures for tests and models of any size for benchmarks.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runners/engine/format/ggml_types.h"

namespace ys::engine {

struct RandomModelSpec {
  std::string arch = "llama";      // "qwen2" adds QKV biases and NEOX RoPE
  GgmlType type = GgmlType::kF32;  // type of the 2-D weight matrices; norms stay F32
  // When set (not F32): output.weight, attn_v.weight and ffn_down.weight are stored in this
  // type instead, as llama.cpp's Q4_K_M / Q5_K_M files keep them in Q6_K.
  GgmlType mixed_type = GgmlType::kF32;
  int n_vocab = 320;  // >= 259: <unk>, <s>, </s>, 256 byte tokens, then letters
  int dim = 64;
  int n_layers = 2;
  int n_heads = 4;
  int n_kv_heads = 2;
  int ffn_dim = 96;
  int n_ctx = 256;
  bool tied_output = false;
  std::string chat_template;  // tokenizer.chat_template; empty: none
  // Control tokens (e.g. "<|im_start|>", "<|im_end|>") given the last ids of the vocabulary.
  std::vector<std::string> control_tokens;
  float rope_linear_scale = 0;  // > 0: rope.scaling.type "linear" with this factor
  float rope_freq_factor = 0;   // > 0: a rope_freqs.weight tensor holding this factor
  uint32_t seed = 1;
  // Weights uniform in [-a, a] with the same deviation (a = sqrt(3) / sqrt(fan_in)) from a
  // cheap generator: a model of billions of parameters in seconds (benchmarks).
  bool fast = false;
  // When not empty, the model is not random but a lookup table: each pair (a, b) makes b
  // by far the most likely token after a (the attention and FFN outputs are zero, token
  // a's embedding is a one-hot vector, b's output row that vector scaled). Needs untied
  // output, F32 and at most dim distinct first tokens. Fixtures whose output is known.
  std::vector<std::pair<int32_t, int32_t>> next_tokens;
};

// Writes the model to `path`. Weights are drawn from N(0, 1/sqrt(fan_in)), so activations
// stay of order one whatever the size. Dimensions that a quantized type stores in rows
// must be multiples of its block (32; 256 for the k-quants: dim, n_heads * head_dim and
// ffn_dim). Throws InputError for other dimensions or when the file cannot be written.
void write_random_model(const std::string& path, const RandomModelSpec& spec);

// Number of parameters of such a model.
int64_t random_model_parameters(const RandomModelSpec& spec);

}  // namespace ys::engine
