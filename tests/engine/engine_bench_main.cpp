// Engine throughput table (not a test): stories260K and generated random models of about
// 100M parameters in F16, Q8_0, Q4_K_M-like (Q4_K with output, attn_v, ffn_down in Q6_K) and
// Q6_K, prompt and generation tokens/s with 1 and 2 threads.
// Usage: ys_engine_bench [--quick]
//        ys_engine_bench --prefill N: prompt tokens/s of one N-token prompt on a random model
//        of dim 256, 2 layers, 4 heads of 64 (attention dominates: docs/PERFORMANCE.md).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "runners/engine/bench.h"
#include "runners/engine/random_model.h"

using namespace ys::engine;

namespace {

int bench_prefill(int n) {
  RandomModelSpec spec;
  spec.n_vocab = 32000;
  spec.dim = 256;
  spec.n_layers = 2;
  spec.n_heads = spec.n_kv_heads = 4;
  spec.ffn_dim = 512;
  spec.n_ctx = n + 16;
  spec.type = GgmlType::kF16;
  const std::string path =
      (std::filesystem::temp_directory_path() / "ys_bench_prefill.gguf").string();
  write_random_model(path, spec);
  std::unique_ptr<Model> m = Model::load(path);
  std::printf("| prompt tokens | threads | prompt tok/s |\n| --- | --- | --- |\n");
  for (int threads : {1, 2}) {
    BenchOptions o;
    o.threads = threads;
    o.prompt_tokens = n;
    o.gen_tokens = 1;
    o.repeats = 2;
    std::printf("| %d | %d | %.1f |\n", n, threads, bench_model(*m, o).prompt_tokens_per_s);
    std::fflush(stdout);
  }
  std::filesystem::remove(path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::strcmp(argv[1], "--prefill") == 0) return bench_prefill(std::atoi(argv[2]));
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> models;  // label, path
  std::string stories = std::string(YS_SHARED_DIR) + "/models/stories260K.gguf";
  if (fs::exists(stories)) models.emplace_back("stories260K F32", stories);
  RandomModelSpec spec;
  spec.n_vocab = 32000;
  spec.dim = quick ? 256 : 768;
  spec.n_layers = quick ? 2 : 12;
  spec.n_heads = 12;
  spec.n_kv_heads = 4;
  spec.ffn_dim = quick ? 512 : 2048;
  spec.n_ctx = 512;
  if (quick) spec.n_heads = spec.n_kv_heads = 4;
  const struct {
    GgmlType type, mixed;
    const char* name;
  } kTypes[] = {{GgmlType::kF16, GgmlType::kF32, "F16"},
                {GgmlType::kQ8_0, GgmlType::kF32, "Q8_0"},
                {GgmlType::kQ4_K, GgmlType::kQ6_K, "Q4_K_M"},
                {GgmlType::kQ6_K, GgmlType::kF32, "Q6_K"}};
  for (const auto& t : kTypes) {
    spec.type = t.type;
    spec.mixed_type = t.mixed;
    std::string path =
        (fs::temp_directory_path() / (std::string("ys_bench_") + t.name + ".gguf")).string();
    write_random_model(path, spec);
    char label[64];
    std::snprintf(label, sizeof(label), "random %.0fM %s",
                  static_cast<double>(random_model_parameters(spec)) / 1e6, t.name);
    models.emplace_back(label, path);
  }
  double bw1 = measure_read_bandwidth(1), bw2 = measure_read_bandwidth(2);
  std::printf("read bandwidth: %.1f GB/s (1 thread), %.1f GB/s (2 threads)\n", bw1 / 1e9,
              bw2 / 1e9);
  std::printf("| model | threads | prompt tok/s | gen tok/s | weights MB | gen bound tok/s |\n");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  for (const auto& [label, path] : models) {
    std::unique_ptr<Model> m = Model::load(path);
    for (int threads : {1, 2}) {
      BenchOptions o;
      o.threads = threads;
      o.prompt_tokens = quick ? 32 : 128;
      o.gen_tokens = quick ? 8 : 32;
      o.repeats = quick ? 1 : 2;
      BenchResult r = bench_model(*m, o);
      double bound = (threads == 1 ? bw1 : bw2) / static_cast<double>(r.weight_bytes);
      std::printf("| %s | %d | %.1f | %.1f | %.1f | %.0f |\n", label.c_str(), threads,
                  r.prompt_tokens_per_s, r.gen_tokens_per_s,
                  static_cast<double>(r.weight_bytes) / 1e6, bound);
      std::fflush(stdout);
    }
  }
  for (const auto& [label, path] : models) {
    if (path.find("ys_bench_") != std::string::npos) fs::remove(path);
  }
  return 0;
}
