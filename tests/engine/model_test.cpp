// The forward pass on tiny random models written by the tests, in every tensor type.
#include "runners/engine/graph/model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "runners/engine/batch/generate.h"
#include "runners/engine/batch/sampler.h"
#include "runners/engine/format/gguf_writer.h"
#include "runners/engine/graph/context.h"
#include "runners/engine/random_model.h"
#include "tests/engine/engine_test_util.h"
#include "util/error.h"

namespace ys::engine {
namespace {

namespace fs = std::filesystem;

class ModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ys_model_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Model> make(const RandomModelSpec& spec, const std::string& name = "m") {
    std::string path = (dir_ / (name + ".gguf")).string();
    write_random_model(path, spec);
    return Model::load(path);
  }

  fs::path dir_;
};

using test::batch_logits;
using test::kTokens;

const GgmlType kAllTypes[] = {GgmlType::kF32, GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0,
                              GgmlType::kQ4_0};

TEST_F(ModelTest, BatchedPrefillEqualsTokenByToken) {
  for (const char* arch : {"llama", "qwen2"}) {
    for (GgmlType type : kAllTypes) {
      RandomModelSpec spec;
      spec.arch = arch;
      spec.type = type;
      std::unique_ptr<Model> m = make(spec);
      const int nv = m->config().n_vocab;
      std::vector<float> batched = batch_logits(*m, kTokens);
      ThreadPool pool(1);
      Context ctx(*m, 64, pool);
      for (size_t t = 0; t < kTokens.size(); ++t) {
        const float* l = ctx.eval({kTokens[t]});
        for (int i = 0; i < nv; ++i) {
          ASSERT_EQ(l[i], batched[t * nv + i]) << arch << " " << type_name(type) << " t=" << t;
        }
      }
    }
  }
}

// Several sequences in one forward pass (mixed prefill lengths, then greedy decoding steps
// of all of them together) give exactly the logits of evaluating each alone.
TEST_F(ModelTest, BatchedDecodingEqualsOneAtATime) {
  RandomModelSpec spec;
  spec.type = GgmlType::kQ8_0;
  std::unique_ptr<Model> m = make(spec);
  ASSERT_NO_FATAL_FAILURE(test::expect_batched_decoding_equals_alone(*m, 6));
  // One context twice in a batch is refused.
  ThreadPool pool(1);
  Context ctx(*m, 64, pool);
  EXPECT_THROW(Context::eval_batch({&ctx, &ctx}, {{1}, {2}}), InputError);
}

// RoPE variants that must agree: frequency factors of f on every pair (rope_freqs.weight)
// rotate by the same angles as linear scaling by f; and both differ from no scaling.
TEST_F(ModelTest, RopeFrequencyFactorsMatchLinearScaling) {
  RandomModelSpec spec;
  spec.rope_freq_factor = 2.0f;
  std::vector<float> factors = batch_logits(*make(spec, "factors"), kTokens);
  spec.rope_freq_factor = 0;
  spec.rope_linear_scale = 2.0f;
  std::vector<float> linear = batch_logits(*make(spec, "linear"), kTokens);
  spec.rope_linear_scale = 0;
  std::vector<float> plain = batch_logits(*make(spec, "plain"), kTokens);
  double diff_plain = 0;
  for (size_t i = 0; i < factors.size(); ++i) {
    ASSERT_NEAR(factors[i], linear[i], 1e-4) << i;
    diff_plain = std::max(diff_plain, std::fabs(double{factors[i]} - plain[i]));
  }
  EXPECT_GT(diff_plain, 1e-3);
}

TEST_F(ModelTest, ThreadCountDoesNotChangeResults) {
  RandomModelSpec spec;
  spec.type = GgmlType::kQ8_0;
  spec.dim = 128;
  spec.ffn_dim = 256;
  std::unique_ptr<Model> m = make(spec);
  EXPECT_EQ(batch_logits(*m, kTokens, 1), batch_logits(*m, kTokens, 3));
}

// Each stored type against the same weights in F32. Tolerance, as a fraction of the F32
// logits' RMS: F16 0.5%, BF16 2%, Q8_0 5%, Q4_0 35% (4-bit weights: a coarse but still
// correlated model); about three to ten times the errors measured (docs/ENGINE.md).
TEST_F(ModelTest, StoredTypesTrackF32) {
  RandomModelSpec spec;
  spec.dim = 128;
  spec.ffn_dim = 256;
  std::unique_ptr<Model> ref = make(spec, "f32");
  std::vector<float> want = batch_logits(*ref, kTokens);
  double rms = 0;
  for (float v : want) rms += double{v} * v;
  rms = std::sqrt(rms / static_cast<double>(want.size()));
  const std::pair<GgmlType, double> kTolerance[] = {{GgmlType::kF16, 0.005},
                                                    {GgmlType::kBF16, 0.02},
                                                    {GgmlType::kQ8_0, 0.05},
                                                    {GgmlType::kQ4_0, 0.35}};
  for (auto [type, tol] : kTolerance) {
    spec.type = type;
    std::unique_ptr<Model> m = make(spec, type_name(type));
    std::vector<float> got = batch_logits(*m, kTokens);
    double err = 0;
    for (size_t i = 0; i < got.size(); ++i) err += (double{got[i]} - want[i]) * (got[i] - want[i]);
    err = std::sqrt(err / static_cast<double>(got.size()));
    EXPECT_LT(err / rms, tol) << type_name(type);
    EXPECT_GT(err, 0) << type_name(type) << " should differ from F32 at all";
    RecordProperty(type_name(type) + "_relative_rms_error", std::to_string(err / rms));
  }
}

TEST_F(ModelTest, PrefixReuseEqualsRecomputation) {
  RandomModelSpec spec;
  spec.type = GgmlType::kQ4_0;
  std::unique_ptr<Model> m = make(spec);
  ThreadPool pool(2);
  Context shared(*m, 64, pool);
  std::vector<int32_t> a = {1, 300, 17, 260, 5, 290, 10, 11};
  std::vector<int32_t> b = {1, 300, 17, 260, 5, 111, 42};
  Sampler s1({});
  generate(shared, s1, a, 5, nullptr);
  Sampler s2({});
  std::vector<int32_t> reused = generate(shared, s2, b, 8, nullptr);
  EXPECT_EQ(shared.reuse_prefix(b), static_cast<int>(b.size()) - 1);
  Context fresh(*m, 64, pool);
  Sampler s3({});
  EXPECT_EQ(reused, generate(fresh, s3, b, 8, nullptr));
  // Logits after the shared prefix equal those of a fresh context.
  shared.truncate(shared.reuse_prefix(b));
  const float* l1 = shared.eval({b.back()});
  std::vector<float> r1(l1, l1 + m->config().n_vocab);
  fresh.truncate(0);
  const float* l2 = fresh.eval(b);
  for (int i = 0; i < m->config().n_vocab; ++i) ASSERT_NEAR(r1[i], l2[i], 1e-5);
}

// The loglikelihood against a naive computation: evaluate the whole sequence token by
// token in a fresh context and add up log(exp(l_y) / sum_j exp(l_j)).
TEST_F(ModelTest, LoglikelihoodEqualsNaiveLogSoftmaxSum) {
  RandomModelSpec spec;
  std::unique_ptr<Model> m = make(spec);
  const int nv = m->config().n_vocab;
  ThreadPool pool(1);
  Context ctx(*m, 64, pool);
  std::vector<int32_t> context = {1, 300, 17, 260};
  for (const std::vector<int32_t>& cont :
       {std::vector<int32_t>{5, 290}, std::vector<int32_t>{111}, std::vector<int32_t>{7, 8, 9}}) {
    Loglikelihood got = loglikelihood(ctx, context, cont);
    Context naive(*m, 64, pool);
    double want = 0;
    bool greedy = true;
    std::vector<int32_t> all = context;
    all.insert(all.end(), cont.begin(), cont.end());
    for (size_t i = 0; i + 1 < all.size(); ++i) {
      const float* l = naive.eval({all[i]});
      if (i + 1 < context.size()) continue;
      double z = 0;
      int best = 0;
      for (int j = 0; j < nv; ++j) {
        z += std::exp(double{l[j]});
        if (l[j] > l[best]) best = j;
      }
      want += std::log(std::exp(double{l[all[i + 1]]}) / z);
      greedy = greedy && best == all[i + 1];
    }
    EXPECT_NEAR(got.logprob, want, 1e-4 * std::max(1.0, std::fabs(want)));
    EXPECT_EQ(got.greedy, greedy);
    EXPECT_LT(got.logprob, 0);
  }
  // A greedy continuation is reported as such.
  Sampler greedy({});
  Context g(*m, 64, pool);
  std::vector<int32_t> best = generate(g, greedy, context, 3, nullptr);
  Loglikelihood r = loglikelihood(ctx, context, best);
  EXPECT_TRUE(r.greedy);
}

// Corrupted model files: loading either fails with InputError or gives a model whose
// forward pass runs (values may be garbage, the process must not crash).
TEST_F(ModelTest, CorruptModelsFailCleanly) {
  RandomModelSpec spec;
  spec.n_vocab = 259;
  spec.dim = 32;
  spec.ffn_dim = 32;
  std::string path = (dir_ / "good.gguf").string();
  write_random_model(path, spec);
  std::ifstream in(path, std::ios::binary);
  std::vector<char> good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The header (metadata and tensor infos) ends before the first tensor's data.
  const size_t header = Model::load(path)->file().data_offset();
  std::mt19937 rng(7);
  int loaded = 0, rejected = 0;
  for (int round = 0; round < 150; ++round) {
    std::vector<char> bad = good;
    for (int k = 0; k < 3; ++k) bad[rng() % header] = static_cast<char>(rng());
    std::string bad_path = (dir_ / "bad.gguf").string();
    std::ofstream(bad_path, std::ios::binary | std::ios::trunc)
        .write(bad.data(), static_cast<std::streamsize>(bad.size()));
    try {
      std::unique_ptr<Model> m = Model::load(bad_path);
      ThreadPool pool(1);
      Context ctx(*m, 8, pool);
      ctx.eval({1, 2, static_cast<int32_t>(m->config().n_vocab - 1)});
      ++loaded;
    } catch (const InputError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(loaded, 0);  // many flips hit token strings and scores, which stay loadable
}

TEST_F(ModelTest, RejectsBadModels) {
  RandomModelSpec spec;
  std::string path = (dir_ / "m.gguf").string();
  write_random_model(path, spec);
  std::unique_ptr<Model> m = Model::load(path);
  ThreadPool pool(1);
  Context ctx(*m, 4, pool);
  EXPECT_THROW(ctx.eval({1, 2, 3, 4, 5}), InputError);
  EXPECT_THROW(ctx.eval({spec.n_vocab}), InputError);

  GgufWriter w;
  w.set_string("general.architecture", "gptj");
  w.write(path);
  try {
    Model::load(path);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported architecture 'gptj'"), std::string::npos);
  }
  // A matrix whose shape disagrees with the hyper-parameters is named.
  GgufWriter bad;
  bad.set_string("general.architecture", "llama");
  bad.set_u32("llama.embedding_length", 32);
  bad.set_u32("llama.block_count", 1);
  bad.set_u32("llama.attention.head_count", 2);
  bad.set_u32("llama.feed_forward_length", 32);
  bad.set_u32("llama.context_length", 16);
  bad.add_tensor("token_embd.weight", {32, 4}, GgmlType::kF32, std::vector<float>(128));
  bad.add_tensor("output_norm.weight", {32}, GgmlType::kF32, std::vector<float>(32));
  bad.add_tensor("blk.0.attn_norm.weight", {32}, GgmlType::kF32, std::vector<float>(32));
  bad.add_tensor("blk.0.ffn_norm.weight", {32}, GgmlType::kF32, std::vector<float>(32));
  bad.add_tensor("blk.0.attn_q.weight", {32, 16}, GgmlType::kF32, std::vector<float>(512));
  bad.write(path);
  try {
    Model::load(path);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'blk.0.attn_q.weight' has shape [32, 16]"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ys::engine
