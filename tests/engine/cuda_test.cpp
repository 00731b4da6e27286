// ys_cuda_tests (CTest label `cuda`): every CUDA kernel against the CPU backend on random
// inputs, and whole-model decoding on the GPU against the CPU, token for token. Without a
// GPU at run time it prints one line and every test is skipped (not failed).
//
// Tolerances, per output element (S = sum over the reduced dimension of |w| * |x|, in
// double from the same dequantized weights):
//   matvec (decode, n <= 8, f32 activations):        1e-4 * S + 1e-5 of the double reference
//   cuBLAS GEMM (prefill, bf16/f16 activations):     1e-2 * S (operands rounded to 8 bits)
//   F32 GEMM:                                        1e-4 * S
//   CPU backend (Q8_0 activations for quantized types) vs GPU: 2e-2 * S
//   embedding, KV block copy: exact; RMSNorm, RoPE, SwiGLU, adds: 1e-5 relative + 1e-6
//   attention: 1e-4 absolute (outputs are convex mixes of values of order 1)
//   log-softmax: 1e-5 absolute; argmax: exact (lowest id on ties).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "runners/engine/batch/batch_decoder.h"
#include "runners/engine/batch/generate.h"
#include "runners/engine/batch/kv_blocks.h"
#include "runners/engine/batch/sampler.h"
#include "runners/engine/cpu/quant.h"
#include "runners/engine/cuda/cuda_backend.h"
#include "runners/engine/graph/context.h"
#include "runners/engine/graph/model.h"
#include "runners/engine/random_model.h"
#include "tests/engine/test_data.h"

namespace ys::engine {
namespace {

namespace fs = std::filesystem;

#define REQUIRE_GPU()                                 \
  do {                                                \
    std::string why_;                                 \
    if (!cuda_available(&why_)) GTEST_SKIP() << why_; \
  } while (0)

std::vector<float> randn(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Device buffer `slot` of `b` holding `host`.
float* on_device(Backend& b, int slot, const std::vector<float>& host) {
  float* p = b.scratch(slot, host.size());
  b.upload(p, host.data(), host.size());
  return p;
}

std::vector<float> from_device(Backend& b, const float* p, size_t n) {
  const float* h = b.to_host(p, n);
  return {h, h + n};
}

// A random model of `type` written once per type, loaded with its CPU and CUDA backends.
struct Fixture {
  std::string path;
  std::unique_ptr<Model> model;
  ThreadPool pool{2};
  std::unique_ptr<Backend> cpu, gpu;
};

std::unique_ptr<Fixture> load_random(GgmlType type, const std::string& arch = "llama") {
  auto f = std::make_unique<Fixture>();
  RandomModelSpec s;
  s.arch = arch;
  s.type = type;
  s.dim = 256;
  s.n_heads = 4;  // head size 64
  s.n_kv_heads = 2;
  s.ffn_dim = 512;
  s.n_layers = 2;
  s.n_ctx = 1024;
  s.rope_linear_scale = 2.0f;
  s.seed = 11;
  f->path = (fs::temp_directory_path() / ("ys_cuda_test_" + type_name(type) + "_" + arch + "_" +
                                          std::to_string(::getpid()) + ".gguf"))
                .string();
  write_random_model(f->path, s);
  f->model = Model::load(f->path);
  f->cpu = make_cpu_backend(*f->model, f->pool);
  f->gpu = make_cuda_backend(*f->model);
  return f;
}

const GgmlType kTypes[] = {GgmlType::kF32,  GgmlType::kF16,  GgmlType::kBF16, GgmlType::kQ8_0,
                           GgmlType::kQ4_0, GgmlType::kQ4_K, GgmlType::kQ6_K};

class CudaKernels : public ::testing::TestWithParam<GgmlType> {
 protected:
  void SetUp() override {
    REQUIRE_GPU();
    f_ = load_random(GetParam());
  }
  void TearDown() override {
    if (f_) fs::remove(f_->path);
  }
  std::unique_ptr<Fixture> f_;
};

TEST_P(CudaKernels, MatmulMatchesDoubleReferenceAndCpu) {
  const WeightMatrix& w = f_->model->layers()[0].w_up;  // [512, 256]
  std::vector<float> wf(static_cast<size_t>(w.rows * w.cols));
  const size_t rb = row_bytes(w.type, w.cols);
  for (int64_t r = 0; r < w.rows; ++r)
    dequantize_row(w.type, w.data + r * rb, &wf[static_cast<size_t>(r * w.cols)], w.cols);
  for (int n : {1, 3, 8, 20}) {
    std::vector<float> x = randn(static_cast<size_t>(n * w.cols), 100 + n);
    float* xd = on_device(*f_->gpu, 0, x);
    float* yd = f_->gpu->scratch(1, static_cast<size_t>(n * w.rows));
    f_->gpu->matmul(w, xd, n, yd);
    std::vector<float> got = from_device(*f_->gpu, yd, static_cast<size_t>(n * w.rows));
    std::vector<float> cpu(static_cast<size_t>(n * w.rows));
    f_->cpu->matmul(w, x.data(), n, cpu.data());
    const bool gemm = n > 8;
    const double tol = !gemm || w.type == GgmlType::kF32 ? 1e-4 : 1e-2;
    for (int t = 0; t < n; ++t) {
      for (int64_t r = 0; r < w.rows; ++r) {
        double ref = 0, mag = 0;
        for (int64_t c = 0; c < w.cols; ++c) {
          double p = static_cast<double>(wf[static_cast<size_t>(r * w.cols + c)]) *
                     x[static_cast<size_t>(t * w.cols + c)];
          ref += p;
          mag += std::fabs(p);
        }
        const size_t i = static_cast<size_t>(t * w.rows + r);
        ASSERT_NEAR(got[i], ref, tol * mag + 1e-5)
            << type_name(w.type) << " n=" << n << " t=" << t << " r=" << r;
        ASSERT_NEAR(got[i], cpu[i], 2e-2 * mag + 1e-5) << type_name(w.type) << " vs cpu";
      }
    }
  }
}

TEST_P(CudaKernels, EmbeddingEqualsCpu) {
  const WeightMatrix& e = f_->model->token_embedding();
  std::vector<int32_t> ids = {0, 5, 319, 7, 7, 200};
  const size_t n = ids.size() * static_cast<size_t>(e.cols);
  float* xd = f_->gpu->scratch(0, n);
  f_->gpu->embedding(e, ids.data(), static_cast<int>(ids.size()), xd);
  std::vector<float> got = from_device(*f_->gpu, xd, n), want(n);
  f_->cpu->embedding(e, ids.data(), static_cast<int>(ids.size()), want.data());
  for (size_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i], 1e-6 * std::fabs(want[i])) << i;
}

INSTANTIATE_TEST_SUITE_P(Types, CudaKernels, ::testing::ValuesIn(kTypes),
                         [](const auto& info) { return type_name(info.param); });

class CudaOps : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_GPU();
    f_ = load_random(GgmlType::kF32);
    neox_ = load_random(GgmlType::kF32, "qwen2");
  }
  void TearDown() override {
    if (f_) fs::remove(f_->path);
    if (neox_) fs::remove(neox_->path);
  }
  std::unique_ptr<Fixture> f_, neox_;
};

void expect_close(const std::vector<float>& got, const std::vector<float>& want, double rel,
                  double abs, const char* what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], rel * std::fabs(want[i]) + abs) << what << " at " << i;
  }
}

TEST_F(CudaOps, ElementwiseKernelsMatchCpu) {
  Backend &g = *f_->gpu, &c = *f_->cpu;
  const ModelConfig& cfg = f_->model->config();
  const int n = 5, dim = cfg.dim;
  const size_t nd = static_cast<size_t>(n * dim);
  std::vector<float> x = randn(nd, 1, 3.0f), y = randn(nd, 2);
  const float* w = f_->model->layers()[0].attn_norm.data();
  // RMSNorm
  std::vector<float> want(nd);
  c.rms_norm(x.data(), w, n, dim, cfg.rms_eps, want.data());
  float* xd = on_device(g, 0, x);
  float* od = g.scratch(1, nd);
  g.rms_norm(xd, w, n, dim, cfg.rms_eps, od);
  expect_close(from_device(g, od, nd), want, 1e-5, 1e-6, "rms_norm");
  // add, SwiGLU
  std::vector<float> sum = x;
  c.add(sum.data(), y.data(), nd);
  float* yd = on_device(g, 2, y);
  g.add(xd, yd, nd);
  expect_close(from_device(g, xd, nd), sum, 1e-6, 1e-6, "add");
  std::vector<float> gate = x;
  c.swiglu(gate.data(), y.data(), nd);
  xd = on_device(g, 0, x);
  g.swiglu(xd, yd, nd);
  expect_close(from_device(g, xd, nd), gate, 1e-5, 1e-6, "swiglu");
  // bias
  std::vector<float> biased = x;
  c.add_bias(biased.data(), w, n, dim);
  xd = on_device(g, 0, x);
  g.add_bias(xd, w, n, dim);
  expect_close(from_device(g, xd, nd), biased, 1e-6, 1e-6, "add_bias");
}

TEST_F(CudaOps, RopeMatchesCpuWithScalingAndNeox) {
  for (Fixture* f : {f_.get(), neox_.get()}) {
    const ModelConfig& cfg = f->model->config();
    std::vector<int32_t> pos = {0, 1, 17, 900, 901};
    const size_t n = pos.size() * static_cast<size_t>(cfg.n_heads * cfg.head_dim);
    std::vector<float> x = randn(n, 3), want = x;
    f->cpu->rope(want.data(), pos.data(), static_cast<int>(pos.size()), cfg.n_heads);
    float* xd = on_device(*f->gpu, 0, x);
    f->gpu->rope(xd, pos.data(), static_cast<int>(pos.size()), cfg.n_heads);
    expect_close(from_device(*f->gpu, xd, n), want, 1e-5, 1e-6,
                 cfg.rope_neox ? "rope neox" : "rope");
  }
}

// Attention over paged caches holding the same random keys and values on both backends:
// decode (one row per sequence, several split-K chunks) and prefill (tiles of rows).
TEST_F(CudaOps, PagedAttentionMatchesCpu) {
  Backend &g = *f_->gpu, &c = *f_->cpu;
  const ModelConfig& cfg = f_->model->config();
  const int bs = 16, n_blocks = 120, kv_dim = cfg.n_kv_heads * cfg.head_dim,
            q_dim = cfg.n_heads * cfg.head_dim;
  auto kc = c.make_kv(n_blocks, bs), kg = g.make_kv(n_blocks, bs);
  const size_t total = kc->offset(n_blocks, 0, 0);
  std::vector<float> kh = randn(total, 4), vh = randn(total, 5);
  std::copy(kh.begin(), kh.end(), kc->k);
  std::copy(vh.begin(), vh.end(), kc->v);
  g.upload(kg->k, kh.data(), total);
  g.upload(kg->v, vh.data(), total);
  // Block tables: shuffled block ids, two sequences sharing their first blocks.
  std::vector<int32_t> perm(n_blocks);
  for (int i = 0; i < n_blocks; ++i) perm[static_cast<size_t>(i)] = i;
  std::shuffle(perm.begin(), perm.end(), std::mt19937(6));
  std::vector<int32_t> t0(perm.begin(), perm.begin() + 60), t1(perm.begin(), perm.begin() + 10);
  t1.insert(t1.end(), perm.begin() + 60, perm.begin() + 110);
  for (int layer : {0, 1}) {
    struct Case {
      std::vector<std::pair<const std::vector<int32_t>*, int>> rows;
      const char* what;
    };
    std::vector<std::pair<const std::vector<int32_t>*, int>> prefill;
    for (int p = 100; p < 140; ++p) prefill.push_back({&t0, p});
    for (int p = 0; p < 5; ++p) prefill.push_back({&t1, p});
    const Case cases[] = {{{{&t0, 900}, {&t1, 3}, {&t1, 700}}, "decode"}, {prefill, "prefill"}};
    for (const Case& cs : cases) {
      const int n = static_cast<int>(cs.rows.size());
      std::vector<AttentionRow> rc, rg;
      for (auto& [table, p] : cs.rows) {
        rc.push_back({kc.get(), table->data(), p});
        rg.push_back({kg.get(), table->data(), p});
      }
      std::vector<float> q = randn(static_cast<size_t>(n * q_dim), 7),
                         k = randn(static_cast<size_t>(n * kv_dim), 8),
                         v = randn(static_cast<size_t>(n * kv_dim), 9);
      std::vector<float> want(static_cast<size_t>(n * q_dim));
      c.attention(layer, q.data(), k.data(), v.data(), rc.data(), n, want.data());
      float* qd = on_device(g, 0, q);
      float* kd = on_device(g, 1, k);
      float* vd = on_device(g, 2, v);
      float* od = g.scratch(3, want.size());
      g.attention(layer, qd, kd, vd, rg.data(), n, od);
      expect_close(from_device(g, od, want.size()), want, 0, 1e-4, cs.what);
    }
  }
  // The caches agree after the stores, and a block copy is exact.
  c.copy_kv_block(*kc, t0[3], perm[119]);
  g.copy_kv_block(*kg, t0[3], perm[119]);
  std::vector<float> kgot = from_device(g, kg->k, total);
  for (size_t i = 0; i < total; ++i) ASSERT_EQ(kgot[i], kc->k[i]) << i;
}

TEST_F(CudaOps, ArgmaxLogSoftmaxAndSamplingOnDevice) {
  Backend& g = *f_->gpu;
  const int rows = 4, nv = 50000;
  std::vector<float> l = randn(static_cast<size_t>(rows * nv), 10, 2.0f);
  l[123] = 30.0f;  // row 0: one clear maximum
  l[static_cast<size_t>(nv) + 5] = l[static_cast<size_t>(nv) + 6000] = 30.0f;  // row 1: a tie
  float* ld = on_device(g, 0, l);
  std::vector<int32_t> am = cuda_argmax(g, ld, rows, nv);
  std::vector<int32_t> ids;
  for (int r = 0; r < rows; ++r) {
    EXPECT_EQ(am[static_cast<size_t>(r)], argmax(&l[static_cast<size_t>(r * nv)], nv));
    ids.push_back(r * 7 + 1);
  }
  EXPECT_EQ(am[0], 123);
  EXPECT_EQ(am[1], 5);  // the lower id of the tie
  std::vector<double> ls = cuda_log_softmax_at(g, ld, rows, nv, ids);
  for (int r = 0; r < rows; ++r) {
    EXPECT_NEAR(ls[static_cast<size_t>(r)],
                log_softmax_at(&l[static_cast<size_t>(r * nv)], nv, ids[static_cast<size_t>(r)]),
                1e-5);
  }
  // top-k 1 is greedy (rows without ties); otherwise every token drawn is among the k best.
  std::vector<float> u = {0.0f, 0.3f, 0.7f, 0.999f};
  std::vector<int32_t> k1 = cuda_sample(g, ld, rows, nv, 0.8f, 1, 1.0f, u);
  for (int r : {0, 2, 3}) EXPECT_EQ(k1[static_cast<size_t>(r)], am[static_cast<size_t>(r)]);
  std::vector<int32_t> s = cuda_sample(g, ld, rows, nv, 1.0f, 40, 0.9f, u);
  for (int r = 0; r < rows; ++r) {
    std::vector<float> row(l.begin() + r * nv, l.begin() + (r + 1) * nv);
    std::vector<float> sorted = row;
    std::nth_element(sorted.begin(), sorted.begin() + 39, sorted.end(), std::greater<float>());
    EXPECT_GE(row[static_cast<size_t>(s[static_cast<size_t>(r)])], sorted[39]) << "row " << r;
  }
  // A temperature that leaves one token all the probability draws it whatever u is.
  EXPECT_EQ(cuda_sample(g, ld, 1, nv, 1e-3f, 0, 1.0f, {0.5f})[0], 123);
  EXPECT_GT(cuda_copy_bandwidth(g), 1e9);
}

class CudaStories : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_GPU();
    path_ = test::shared_file("models/stories260K.gguf");
    if (path_.empty()) {
      if (test::in_ci()) FAIL() << "missing shared data models/stories260K.gguf";
      GTEST_SKIP() << "shared data models/stories260K.gguf not present";
    }
    model_ = Model::load(path_);
    gpu_ = make_cuda_backend(*model_);
  }
  std::string path_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Backend> gpu_;
};

TEST_F(CudaStories, GreedyDecodingEqualsCpuTokenForToken) {
  ThreadPool pool(2);
  const std::vector<std::vector<int32_t>> prompts = {
      {1, 403, 407, 261, 378, 429, 285, 440, 401}, {1, 378}, {1, 429, 285, 440, 401, 300, 17}};
  for (const auto& prompt : prompts) {
    Context cpu(*model_, 256, pool), gpu(*model_, 256, *gpu_);
    Sampler a({}), b({});
    auto want = generate(cpu, a, prompt, 200, nullptr);
    auto got = generate(gpu, b, prompt, 200, nullptr);
    EXPECT_EQ(got, want);
  }
}

TEST_F(CudaStories, BatchedAndPrefixSharedDecodingEqualOneAtATime) {
  std::vector<std::vector<int32_t>> prompts;
  for (int32_t tail : {290, 111, 42, 319, 7, 260, 5, 17, 300}) {
    prompts.push_back({1, 403, 407, 261, 378, 429, 285, 440, 401, 300, 17, 260, 5, tail});
  }
  prompts.push_back({1, 378});
  BatchDecodeOptions o;
  o.block_size = 4;
  o.max_batch = 1;
  o.share_prefixes = false;
  auto alone = decode_greedy_batched(*model_, *gpu_, prompts, 30, o);
  o.max_batch = 4;
  auto batched = decode_greedy_batched(*model_, *gpu_, prompts, 30, o);
  o.share_prefixes = true;
  BatchDecodeStats st;
  auto shared = decode_greedy_batched(*model_, *gpu_, prompts, 30, o, &st);
  EXPECT_EQ(batched, alone);
  EXPECT_EQ(shared, alone);
  EXPECT_GT(st.shared_tokens, 0);
  ThreadPool pool(2);
  auto cpu = make_cpu_backend(*model_, pool);
  o.max_batch = 1;
  o.share_prefixes = false;
  EXPECT_EQ(decode_greedy_batched(*model_, *cpu, prompts, 30, o), alone);
}

}  // namespace
}  // namespace ys::engine

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string why;
  if (!ys::engine::cuda_available(&why)) {
    std::printf("ys_cuda_tests: no GPU (%s): every CUDA test is skipped\n", why.c_str());
  }
  return RUN_ALL_TESTS();
}
