// The llama architecture family (Llama 2/3, Mistral, Qwen2) loaded from a GGUF file:
// hyper-parameters and views of the weights in the mapping.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runners/engine/cpu/matmul.h"
#include "runners/engine/format/gguf.h"

namespace ys::engine {

struct ModelConfig {
  std::string arch;  // general.architecture: "llama" or "qwen2"
  int n_vocab = 0;
  int dim = 0;  // embedding length
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;  // grouped-query attention: n_heads / n_kv_heads query heads share one
  int head_dim = 0;
  int ffn_dim = 0;
  int n_ctx_train = 0;
  int rope_dims = 0;  // leading dimensions of each head that RoPE rotates
  float rope_base = 10000.0f;
  float rope_scale = 1.0f;  // linear scaling: positions are divided by this factor
  bool rope_neox = false;   // pairs (i, i + rope_dims/2) (Qwen2) instead of (2i, 2i+1)
  // Per-pair divisors of the RoPE frequencies (tensor rope_freqs.weight, Llama 3.1 and
  // later); empty when the model has none.
  std::vector<float> rope_freq_factors;
  float rms_eps = 1e-5f;
};

struct LayerWeights {
  std::vector<float> attn_norm, ffn_norm;
  std::vector<float> bq, bk, bv;  // empty unless the model has QKV biases (Qwen2)
  WeightMatrix wq, wk, wv, wo;
  WeightMatrix w_gate, w_up, w_down;
};

class Model {
 public:
  // Loads the model in `path` (mapped, not copied). Throws InputError naming the file and
  // the key or tensor at fault: an unsupported architecture, a missing tensor, or a tensor
  // whose shape disagrees with the hyper-parameters.
  static std::unique_ptr<Model> load(const std::string& path);

  const ModelConfig& config() const { return config_; }
  const GgufFile& file() const { return *file_; }
  const std::vector<LayerWeights>& layers() const { return layers_; }
  const WeightMatrix& token_embedding() const { return token_embd_; }
  const WeightMatrix& output() const { return output_; }
  const std::vector<float>& output_norm() const { return output_norm_; }

  // Bytes of weights read to compute one token (every matrix once).
  size_t weight_bytes() const;

 private:
  Model() = default;
  std::unique_ptr<GgufFile> file_;
  ModelConfig config_;
  std::vector<LayerWeights> layers_;
  WeightMatrix token_embd_, output_;
  std::vector<float> output_norm_;
};

}  // namespace ys::engine
