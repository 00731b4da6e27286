#include "runners/engine/graph/model.h"

#include "runners/engine/cpu/quant.h"
#include "util/error.h"

namespace ys::engine {
namespace {

struct Loader {
  const GgufFile& f;

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(f.path() + ": " + what);
  }

  std::string shape(const std::vector<int64_t>& ne) const {
    std::string s = "[";
    for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
  }

  const GgufTensor& expect(const std::string& name, const std::vector<int64_t>& ne) const {
    const GgufTensor& t = f.tensor(name);
    if (t.ne != ne) {
      fail("tensor '" + name + "' has shape " + shape(t.ne) + ", expected " + shape(ne));
    }
    return t;
  }

  WeightMatrix matrix(const std::string& name, int64_t cols, int64_t rows) const {
    const GgufTensor& t = expect(name, {cols, rows});
    return {t.type, t.data, cols, rows};
  }

  std::vector<float> vec(const std::string& name, int64_t n) const {
    const GgufTensor& t = expect(name, {n});
    std::vector<float> v(static_cast<size_t>(n));
    dequantize_row(t.type, t.data, v.data(), n);
    return v;
  }

  int positive(const std::string& key) const {
    int64_t v = f.get_int(key);
    if (v <= 0 || v > (int64_t{1} << 30))
      fail("key '" + key + "' = " + std::to_string(v) + " is invalid");
    return static_cast<int>(v);
  }
};

}  // namespace

std::unique_ptr<Model> Model::load(const std::string& path) {
  std::unique_ptr<Model> m(new Model);
  m->file_ = std::make_unique<GgufFile>(path);
  const GgufFile& f = *m->file_;
  Loader ld{f};
  ModelConfig& c = m->config_;
  c.arch = f.get_string("general.architecture");
  if (c.arch != "llama" && c.arch != "qwen2") {
    ld.fail("unsupported architecture '" + c.arch + "' (supported: llama, qwen2)");
  }
  const std::string a = c.arch + ".";
  c.dim = ld.positive(a + "embedding_length");
  c.n_layers = ld.positive(a + "block_count");
  c.n_heads = ld.positive(a + "attention.head_count");
  c.n_kv_heads = f.find(a + "attention.head_count_kv") ? ld.positive(a + "attention.head_count_kv")
                                                       : c.n_heads;
  c.ffn_dim = ld.positive(a + "feed_forward_length");
  c.n_ctx_train = ld.positive(a + "context_length");
  if (c.dim % c.n_heads != 0 || c.n_heads % c.n_kv_heads != 0) {
    ld.fail("head counts " + std::to_string(c.n_heads) + "/" + std::to_string(c.n_kv_heads) +
            " do not divide the embedding length " + std::to_string(c.dim));
  }
  c.head_dim = c.dim / c.n_heads;
  c.rope_dims = static_cast<int>(f.get_int(a + "rope.dimension_count", c.head_dim));
  if (c.rope_dims <= 0 || c.rope_dims > c.head_dim || c.rope_dims % 2 != 0) {
    ld.fail("rope.dimension_count " + std::to_string(c.rope_dims) + " is invalid");
  }
  c.rope_base = static_cast<float>(f.get_float(a + "rope.freq_base", 10000.0));
  std::string scaling = f.get_string(a + "rope.scaling.type", "none");
  if (scaling == "linear") {
    c.rope_scale = static_cast<float>(f.get_float(a + "rope.scaling.factor", 1.0));
  } else if (scaling != "none") {
    ld.fail("unsupported rope.scaling.type '" + scaling + "'");
  }
  c.rope_neox = c.arch == "qwen2";
  if (f.find_tensor("rope_freqs.weight")) {
    c.rope_freq_factors = ld.vec("rope_freqs.weight", c.rope_dims / 2);
    for (float v : c.rope_freq_factors) {
      if (!(v > 0)) ld.fail("tensor 'rope_freqs.weight' holds a factor that is not positive");
    }
  }
  c.rms_eps = static_cast<float>(f.get_float(a + "attention.layer_norm_rms_epsilon", 1e-5));

  const GgufTensor& emb = f.tensor("token_embd.weight");
  if (emb.ne.size() != 2 || emb.ne[0] != c.dim) {
    ld.fail("tensor 'token_embd.weight' has shape " + ld.shape(emb.ne) + ", expected [" +
            std::to_string(c.dim) + ", n_vocab]");
  }
  c.n_vocab = static_cast<int>(emb.ne[1]);
  m->token_embd_ = {emb.type, emb.data, c.dim, c.n_vocab};
  m->output_norm_ = ld.vec("output_norm.weight", c.dim);
  m->output_ = f.find_tensor("output.weight") ? ld.matrix("output.weight", c.dim, c.n_vocab)
                                              : m->token_embd_;  // tied embeddings

  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.n_kv_heads} * c.head_dim;
  for (int i = 0; i < c.n_layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    LayerWeights l;
    l.attn_norm = ld.vec(p + "attn_norm.weight", c.dim);
    l.ffn_norm = ld.vec(p + "ffn_norm.weight", c.dim);
    l.wq = ld.matrix(p + "attn_q.weight", c.dim, q_dim);
    l.wk = ld.matrix(p + "attn_k.weight", c.dim, kv_dim);
    l.wv = ld.matrix(p + "attn_v.weight", c.dim, kv_dim);
    l.wo = ld.matrix(p + "attn_output.weight", q_dim, c.dim);
    if (f.find_tensor(p + "attn_q.bias")) {
      l.bq = ld.vec(p + "attn_q.bias", q_dim);
      l.bk = ld.vec(p + "attn_k.bias", kv_dim);
      l.bv = ld.vec(p + "attn_v.bias", kv_dim);
    }
    l.w_gate = ld.matrix(p + "ffn_gate.weight", c.dim, c.ffn_dim);
    l.w_up = ld.matrix(p + "ffn_up.weight", c.dim, c.ffn_dim);
    l.w_down = ld.matrix(p + "ffn_down.weight", c.ffn_dim, c.dim);
    m->layers_.push_back(std::move(l));
  }
  return m;
}

size_t Model::weight_bytes() const {
  auto bytes = [](const WeightMatrix& w) { return row_bytes(w.type, w.cols) * w.rows; };
  size_t n = bytes(output_) + row_bytes(token_embd_.type, token_embd_.cols);
  for (const LayerWeights& l : layers_) {
    for (const WeightMatrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) {
      n += bytes(*w);
    }
  }
  return n;
}

}  // namespace ys::engine
