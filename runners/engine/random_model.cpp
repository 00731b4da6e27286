#include "runners/engine/random_model.h"

#include <cmath>
#include <random>

#include "runners/engine/format/gguf_writer.h"
#include "runners/engine/format/tokenizer.h"
#include "util/error.h"

namespace ys::engine {
namespace {

// The vocabulary: <unk>, <s>, </s>, <0x00>..<0xFF>, then "▁", letters and "▁"+letter pieces
// up to n_vocab, with scores favouring the longer pieces; the last ids are replaced by the
// control tokens `controls`.
void add_vocabulary(GgufWriter& w, int n_vocab, const std::vector<std::string>& controls) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<int32_t> types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(byte_token_text(static_cast<uint8_t>(b)));
    types.push_back(6);
  }
  const std::string space = "\xe2\x96\x81";
  std::vector<std::string> pieces = {space};
  for (char c = 'a'; c <= 'z'; ++c) pieces.push_back(std::string(1, c));
  for (char c = 'a'; c <= 'z'; ++c) pieces.push_back(space + c);
  for (char c = 'a'; c <= 'z'; ++c) {
    for (char d = 'a'; d <= 'z'; ++d) pieces.push_back(std::string(1, c) + d);
  }
  std::vector<float> scores(tokens.size(), 0.0f);
  for (size_t i = 0; tokens.size() < static_cast<size_t>(n_vocab); ++i) {
    // Past the pieces: filler tokens "x<i>" that no text merges into.
    std::string p = i < pieces.size() ? pieces[i] : std::string("x").append(std::to_string(i));
    tokens.push_back(p);
    types.push_back(1);
    scores.push_back(-static_cast<float>(i) / 1000.0f + static_cast<float>(p.size()));
  }
  if (controls.size() > tokens.size() - 259) {
    throw InputError("random model: n_vocab too small for the control tokens");
  }
  for (size_t i = 0; i < controls.size(); ++i) {
    const size_t id = tokens.size() - controls.size() + i;
    tokens[id] = controls[i];
    types[id] = 3;
    scores[id] = 0.0f;
  }
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_strings("tokenizer.ggml.tokens", tokens);
  w.set_f32s("tokenizer.ggml.scores", scores);
  w.set_i32s("tokenizer.ggml.token_type", types);
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
}

}  // namespace

int64_t random_model_parameters(const RandomModelSpec& s) {
  int64_t hd = s.dim / s.n_heads;
  int64_t q = int64_t{s.n_heads} * hd, kv = int64_t{s.n_kv_heads} * hd;
  int64_t layer =
      2 * int64_t{s.dim} + s.dim * q + 2 * s.dim * kv + q * s.dim + 3 * int64_t{s.dim} * s.ffn_dim;
  if (s.arch == "qwen2") layer += q + 2 * kv;
  return int64_t{s.n_vocab} * s.dim * (s.tied_output ? 1 : 2) + s.dim + s.n_layers * layer;
}

void write_random_model(const std::string& path, const RandomModelSpec& s) {
  if (s.n_vocab < 259) throw InputError("random model: n_vocab must be at least 259");
  for (GgmlType t : {s.type, s.mixed_type}) {
    const int64_t block = block_elements(t);
    if (s.dim % block != 0 || s.ffn_dim % block != 0) {
      throw InputError("random model: dim and ffn_dim must be multiples of " +
                       std::to_string(block) + " for " + type_name(t));
    }
  }
  GgufWriter w;
  const std::string a = s.arch + ".";
  w.set_string("general.architecture", s.arch);
  w.set_string("general.name", "random");
  w.set_u32(a + "context_length", static_cast<uint32_t>(s.n_ctx));
  w.set_u32(a + "embedding_length", static_cast<uint32_t>(s.dim));
  w.set_u32(a + "block_count", static_cast<uint32_t>(s.n_layers));
  w.set_u32(a + "feed_forward_length", static_cast<uint32_t>(s.ffn_dim));
  w.set_u32(a + "attention.head_count", static_cast<uint32_t>(s.n_heads));
  w.set_u32(a + "attention.head_count_kv", static_cast<uint32_t>(s.n_kv_heads));
  w.set_f32(a + "rope.freq_base", 10000.0f);
  if (s.rope_linear_scale > 0) {
    w.set_string(a + "rope.scaling.type", "linear");
    w.set_f32(a + "rope.scaling.factor", s.rope_linear_scale);
  }
  w.set_f32(a + "attention.layer_norm_rms_epsilon", 1e-5f);
  add_vocabulary(w, s.n_vocab, s.control_tokens);
  if (!s.chat_template.empty()) w.set_string("tokenizer.chat_template", s.chat_template);

  if (!s.next_tokens.empty() && (s.tied_output || s.type != GgmlType::kF32)) {
    throw InputError("random model: next_tokens needs untied F32 weights");
  }
  // next_tokens: the one-hot slot of each first token.
  std::vector<int> slot(static_cast<size_t>(s.n_vocab), -1);
  int slots = 0;
  for (auto [a, b] : s.next_tokens) {
    if (a < 0 || b < 0 || a >= s.n_vocab || b >= s.n_vocab) {
      throw InputError("random model: next_tokens holds an id outside the vocabulary");
    }
    if (slot[static_cast<size_t>(a)] < 0) slot[static_cast<size_t>(a)] = slots++;
  }
  if (slots > s.dim) throw InputError("random model: more next_tokens sources than dim");
  const bool table = slots > 0;

  std::mt19937 rng(s.seed);
  uint64_t state = s.seed * 0x9e3779b97f4a7c15ull + 1;
  auto random = [&](int64_t cols, int64_t rows) {
    std::vector<float> v(static_cast<size_t>(cols * rows));
    const float sd = 1.0f / std::sqrt(static_cast<float>(cols));
    if (s.fast) {
      // xorshift64 (Marsaglia 2003): uniform with deviation sd.
      const float a = std::sqrt(3.0f) * sd / static_cast<float>(1u << 23);
      for (float& x : v) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        x = a * (static_cast<float>(state >> 40) - static_cast<float>(1u << 23));
      }
      return v;
    }
    std::normal_distribution<float> dist(0.0f, sd);
    for (float& x : v) x = dist(rng);
    return v;
  };
  auto norm = [&](int64_t n) {
    std::uniform_real_distribution<float> dist(0.8f, 1.2f);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = dist(rng);
    return v;
  };
  const int64_t hd = s.dim / s.n_heads;
  const int64_t q = s.n_heads * hd, kv = s.n_kv_heads * hd;
  auto matrix = [&](const std::string& name, int64_t cols, int64_t rows) {
    const bool mixed = s.mixed_type != GgmlType::kF32 &&
                       (name == "output.weight" || name.ends_with(".attn_v.weight") ||
                        name.ends_with(".ffn_down.weight"));
    std::vector<float> v = random(cols, rows);
    if (table && (name.ends_with(".attn_output.weight") || name.ends_with(".ffn_down.weight"))) {
      v.assign(v.size(), 0.0f);  // the residual stream stays the token's embedding
    } else if (table && name == "output.weight") {
      v.assign(v.size(), 0.0f);
      for (auto [a, b] : s.next_tokens) {
        v[static_cast<size_t>(b) * cols + static_cast<size_t>(slot[static_cast<size_t>(a)])] = 10;
      }
    }
    w.add_tensor(name, {cols, rows}, mixed ? s.mixed_type : s.type, v);
  };
  // Embedding rows of unit scale rather than 1/sqrt(dim): they are inputs, not a projection.
  std::vector<float> emb = random(1, int64_t{s.dim} * s.n_vocab);
  if (table) {
    emb.assign(emb.size(), 0.0f);
    for (size_t t = 0; t < slot.size(); ++t) {
      if (slot[t] >= 0) emb[t * static_cast<size_t>(s.dim) + static_cast<size_t>(slot[t])] = 1;
    }
  }
  w.add_tensor("token_embd.weight", {s.dim, s.n_vocab}, s.type, emb);
  w.add_tensor("output_norm.weight", {s.dim}, GgmlType::kF32, norm(s.dim));
  if (!s.tied_output) matrix("output.weight", s.dim, s.n_vocab);
  if (s.rope_freq_factor > 0) {
    const int64_t half = s.dim / s.n_heads / 2;
    w.add_tensor("rope_freqs.weight", {half}, GgmlType::kF32,
                 std::vector<float>(static_cast<size_t>(half), s.rope_freq_factor));
  }
  for (int i = 0; i < s.n_layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    w.add_tensor(p + "attn_norm.weight", {s.dim}, GgmlType::kF32, norm(s.dim));
    matrix(p + "attn_q.weight", s.dim, q);
    matrix(p + "attn_k.weight", s.dim, kv);
    matrix(p + "attn_v.weight", s.dim, kv);
    if (s.arch == "qwen2") {
      w.add_tensor(p + "attn_q.bias", {q}, GgmlType::kF32, random(4, q / 4));
      w.add_tensor(p + "attn_k.bias", {kv}, GgmlType::kF32, random(4, kv / 4));
      w.add_tensor(p + "attn_v.bias", {kv}, GgmlType::kF32, random(4, kv / 4));
    }
    matrix(p + "attn_output.weight", q, s.dim);
    w.add_tensor(p + "ffn_norm.weight", {s.dim}, GgmlType::kF32, norm(s.dim));
    matrix(p + "ffn_gate.weight", s.dim, s.ffn_dim);
    matrix(p + "ffn_up.weight", s.dim, s.ffn_dim);
    matrix(p + "ffn_down.weight", s.ffn_dim, s.dim);
  }
  w.write(path);
}

}  // namespace ys::engine
