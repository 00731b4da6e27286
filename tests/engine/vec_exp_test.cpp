// The vectorised exp of the CPU backend (cpu/vec_exp.h) and the attention built on it,
// against exact references.
#include "runners/engine/cpu/vec_exp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "runners/engine/graph/backend.h"
#include "runners/engine/graph/model.h"
#include "runners/engine/random_model.h"

namespace ys::engine {
namespace {

// Every 1/1024th step over [-87, 88], plus the edges: relative error within the documented
// bound, and the clamps below -87 and above 88.
TEST(ExpApprox, WithinDocumentedError) {
  double worst = 0;
  for (int i = -87 * 1024; i <= 88 * 1024; ++i) {
    const float x = static_cast<float>(i) / 1024.0f;
    const double want = std::exp(static_cast<double>(x));
    worst = std::max(worst, std::abs(exp_approx(x) - want) / want);
  }
  std::printf("exp_approx: worst relative error %.3g\n", worst);
  EXPECT_LT(worst, kExpApproxMaxRelError);
  EXPECT_GT(worst, 0);  // an approximation: the sweep does see its error
  EXPECT_EQ(exp_approx(0.0f), 1.0f);
  EXPECT_EQ(exp_approx(-1000.0f), exp_approx(-87.0f));
  EXPECT_LT(exp_approx(-1000.0f), 2e-38f);
  EXPECT_EQ(exp_approx(1000.0f), exp_approx(88.0f));
}

// The vector loop (any length, so both the lanes and the tail) gives exp_approx's bits.
TEST(ExpApprox, VectorLanesEqualTheScalarFunction) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-100.0f, 10.0f);
  for (int n : {1, 3, 7, 8, 9, 31, 64, 1000}) {
    std::vector<float> x(static_cast<size_t>(n));
    for (float& v : x) v = u(rng);
    std::vector<float> y = x;
    exp_shifted(y.data(), n, 2.5f);
    for (int i = 0; i < n; ++i) ASSERT_EQ(y[i], exp_approx(x[i] - 2.5f)) << n << " " << i;
  }
}

// CPU attention over a paged store (several blocks, several chunks of 64 positions) equals
// softmax attention computed in double with std::exp. Tolerance: |got - want| <= 4e-6 *
// max|v| per element (exp_approx's relative error per weight, then float sums of up to
// 300 terms; measured worst 4.7e-7 of max|v|).
TEST(CpuAttention, EqualsExactSoftmaxWithinTolerance) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("ys_vec_exp_" + std::to_string(::getpid()) + ".gguf"))
                               .string();
  RandomModelSpec spec;
  spec.dim = 64;
  spec.n_heads = 4;
  spec.n_kv_heads = 2;
  spec.n_ctx = 512;
  write_random_model(path, spec);
  std::unique_ptr<Model> model = Model::load(path);
  std::filesystem::remove(path);
  const ModelConfig& c = model->config();
  ThreadPool pool(2);
  std::unique_ptr<Backend> be = make_cpu_backend(*model, pool);
  const int n = 300, bs = 16, hd = c.head_dim;
  const int q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  std::unique_ptr<KvStore> kv = be->make_kv(n / bs + 1, bs);
  std::vector<int32_t> table;
  for (int b = n / bs; b >= 0; --b) table.push_back(b);  // blocks out of order
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.0f, 3.0f);  // scores spread over tens
  std::vector<float> q(static_cast<size_t>(n) * q_dim), k(static_cast<size_t>(n) * kv_dim),
      v(k.size()), out(q.size());
  for (auto* a : {&q, &k, &v}) {
    for (float& x : *a) x = g(rng);
  }
  std::vector<AttentionRow> rows;
  for (int t = 0; t < n; ++t) rows.push_back({kv.get(), table.data(), t});
  be->attention(0, q.data(), k.data(), v.data(), rows.data(), n, out.data());
  float vmax = 0;
  for (float x : v) vmax = std::max(vmax, std::abs(x));
  double worst = 0;
  const int group = c.n_heads / c.n_kv_heads;
  for (int t = 0; t < n; t += 7) {
    for (int h = 0; h < c.n_heads; ++h) {
      const float* qt = &q[static_cast<size_t>(t) * q_dim + h * hd];
      const size_t off = static_cast<size_t>(h / group) * hd;
      std::vector<double> s(static_cast<size_t>(t) + 1);
      double mx = -INFINITY, sum = 0;
      for (int j = 0; j <= t; ++j) {
        double d = 0;
        for (int i = 0; i < hd; ++i)
          d += double{qt[i]} * k[static_cast<size_t>(j) * kv_dim + off + i];
        s[static_cast<size_t>(j)] = d / std::sqrt(static_cast<double>(hd));
        mx = std::max(mx, s[static_cast<size_t>(j)]);
      }
      for (double& x : s) sum += (x = std::exp(x - mx));
      for (int i = 0; i < hd; ++i) {
        double want = 0;
        for (int j = 0; j <= t; ++j) {
          want += s[static_cast<size_t>(j)] / sum * v[static_cast<size_t>(j) * kv_dim + off + i];
        }
        const double got = out[static_cast<size_t>(t) * q_dim + h * hd + i];
        worst = std::max(worst, std::abs(got - want) / vmax);
      }
    }
  }
  EXPECT_LT(worst, 4e-6) << "worst error / max|v|";
  std::printf("attention: worst error %.3g of max|v|\n", worst);
}

}  // namespace
}  // namespace ys::engine
