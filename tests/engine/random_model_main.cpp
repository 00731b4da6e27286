// ys_random_model OUT.gguf TYPE [SHAPE]: writes a random llama model for benchmarks
// (bench/cuda_check.sh). TYPE: F16, BF16, Q8_0, Q4_0, Q4_K or Q6_K. SHAPE: llama3-8b (the
// default: dim 4096, 32 layers, 32/8 heads, ffn 14336, vocabulary 128256), 125m (ys_engine_bench's
// CPU model: dim 768, 12 layers, 12/4 heads, ffn 2048, vocabulary 32000) or tiny.
#include <cstdio>
#include <string>

#include "runners/engine/cpu/quant.h"
#include "runners/engine/random_model.h"
#include "util/error.h"

int main(int argc, char** argv) {
  using namespace ys::engine;
  if (argc < 3) {
    std::fprintf(stderr, "usage: ys_random_model OUT.gguf TYPE [llama3-8b|125m|tiny]\n");
    return 2;
  }
  try {
    RandomModelSpec s;
    const std::string type = argv[2], shape = argc > 3 ? argv[3] : "llama3-8b";
    bool found = false;
    for (GgmlType t : {GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0, GgmlType::kQ4_0,
                       GgmlType::kQ4_K, GgmlType::kQ6_K}) {
      if (type_name(t) == type) {
        s.type = t;
        found = true;
      }
    }
    if (!found) throw ys::InputError("unknown type '" + type + "'");
    if (shape == "llama3-8b") {
      s.n_vocab = 128256;
      s.dim = 4096;
      s.n_layers = 32;
      s.n_heads = 32;
      s.n_kv_heads = 8;
      s.ffn_dim = 14336;
      s.n_ctx = 8192;
    } else if (shape == "125m") {
      s.n_vocab = 32000;
      s.dim = 768;
      s.n_layers = 12;
      s.n_heads = 12;
      s.n_kv_heads = 4;
      s.ffn_dim = 2048;
      s.n_ctx = 2048;
    } else if (shape == "tiny") {
      s.dim = 256;
      s.ffn_dim = 512;
      s.n_ctx = 4096;
    } else {
      throw ys::InputError("unknown shape '" + shape + "'");
    }
    s.fast = true;
    write_random_model(argv[1], s);
    std::printf("%s: %s %s, %.2fB parameters\n", argv[1], shape.c_str(), type.c_str(),
                static_cast<double>(random_model_parameters(s)) / 1e9);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
