// The k-quant tensor types Q4_K, Q5_K and Q6_K: the decoder against blocks built byte by byte
// from the format description (not from our encoder), quantization round trips, integer dot
// products and matmuls against the F32 product of the dequantized weights, the AVX2 kernels
// against the portable ones, and random models mixing Q4_K/Q5_K with Q6_K (as llama.cpp's
// Q4_K_M / Q5_K_M files do) through load, `engine info`, generation and batched decoding.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "runners/engine/batch/generate.h"
#include "runners/engine/batch/sampler.h"
#include "runners/engine/commands.h"
#include "runners/engine/cpu/matmul.h"
#include "runners/engine/cpu/quant.h"
#include "runners/engine/format/gguf_writer.h"
#include "runners/engine/graph/context.h"
#include "runners/engine/graph/model.h"
#include "runners/engine/random_model.h"
#include "tests/engine/engine_test_util.h"
#include "util/error.h"

namespace ys::engine {
namespace {

namespace fs = std::filesystem;

const GgmlType kKTypes[] = {GgmlType::kQ4_K, GgmlType::kQ5_K, GgmlType::kQ6_K};

using test::random_values;

std::vector<float> dequantized(GgmlType type, const std::vector<uint8_t>& bytes, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  dequantize_row(type, bytes.data(), out.data(), n);
  return out;
}

TEST(KQuant, TypeTable) {
  EXPECT_EQ(block_elements(GgmlType::kQ4_K), 256);
  EXPECT_EQ(block_bytes(GgmlType::kQ4_K), 144u);
  EXPECT_EQ(block_bytes(GgmlType::kQ5_K), 176u);
  EXPECT_EQ(block_bytes(GgmlType::kQ6_K), 210u);
  EXPECT_EQ(row_bytes(GgmlType::kQ6_K, 768), 630u);
  EXPECT_TRUE(is_supported_type(12));
  EXPECT_TRUE(is_supported_type(13));
  EXPECT_TRUE(is_supported_type(14));
  EXPECT_FALSE(is_supported_type(11));  // Q3_K
  EXPECT_EQ(type_name(GgmlType::kQ4_K), "Q4_K");
  EXPECT_EQ(type_name(GgmlType::kQ5_K), "Q5_K");
  EXPECT_EQ(type_name(GgmlType::kQ6_K), "Q6_K");
}

// Sub-block scales and mins (6 bits each) chosen so that every one of the packed fields
// matters, the top two bits of s_4..7 and m_4..7 included.
const int kScale[8] = {1, 2, 63, 10, 17, 33, 48, 63};
const int kMin[8] = {0, 5, 7, 63, 20, 35, 50, 1};

// scales[12] of Q4_K/Q5_K, packed as the format describes: bytes 0-3 hold s_0..3 in their low
// 6 bits and the top 2 bits of s_4..7 above; bytes 4-7 the same for the mins; bytes 8-11 the
// low nibble of s_4..7 and, in the high nibble, the low nibble of m_4..7.
std::vector<uint8_t> packed_scales() {
  std::vector<uint8_t> s(12);
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<uint8_t>(kScale[j] | ((kScale[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<uint8_t>(kMin[j] | ((kMin[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<uint8_t>((kScale[j + 4] & 15) | ((kMin[j + 4] & 15) << 4));
  }
  return s;
}

// Q4_K: {f16 d = 0.5, f16 dmin = 0.25, scales[12], qs[128]}. Value 64c + l (l < 32) is the
// low nibble of qs[32c + l], value 64c + 32 + l its high nibble; value v belongs to
// sub-block v / 32 and is d * s * q - dmin * m. All products are exact in float.
TEST(KQuant, Q4KHandBuiltBlock) {
  std::vector<uint8_t> blk = {0x00, 0x38, 0x00, 0x34};  // 0.5, 0.25 as little-endian halves
  for (uint8_t b : packed_scales()) blk.push_back(b);
  for (int i = 0; i < 128; ++i) blk.push_back(static_cast<uint8_t>(i * 7 + 3));
  ASSERT_EQ(blk.size(), 144u);
  std::vector<float> y = dequantized(GgmlType::kQ4_K, blk, 256);
  for (int v = 0; v < 256; ++v) {
    const int c = v / 64, r = v % 64;
    const uint8_t byte = blk[16 + 32 * c + r % 32];
    const int q = r < 32 ? byte & 15 : byte >> 4;
    const int j = v / 32;
    ASSERT_EQ(y[v], 0.5f * static_cast<float>(kScale[j] * q) - 0.25f * static_cast<float>(kMin[j]))
        << "value " << v;
  }
  // Spot values worked out by hand: qs[0] = 3 (low nibble 3, high 0); sub-block 0 has s 1,
  // m 0; sub-block 1 (value 32 = high nibble of qs[0]) s 2, m 5. qs[127] = 0x7c (127*7+3 =
  // 892 = 0x37c): value 255 is its high nibble 7 in sub-block 7 (s 63, m 1).
  EXPECT_EQ(y[0], 1.5f);
  EXPECT_EQ(y[32], 0.5f * 2 * 0 - 0.25f * 5);
  EXPECT_EQ(y[255], 0.5f * 63 * 7 - 0.25f * 1);
  // Value 160 (c 2, r 32: sub-block 5, s 33 = 0b100001, m 35 = 0b100011, both with top
  // bits in bytes 1 and 5): high nibble of qs[64] = (64*7+3) mod 256 = 195 = 0xc3, 12.
  EXPECT_EQ(y[160], 0.5f * 33 * 12 - 0.25f * 35);
}

// Q5_K: {d, dmin, scales[12], qh[32], qs[128]}: as Q4_K plus a fifth bit, bit 2c of qh[l] for
// value 64c + l and bit 2c + 1 for value 64c + 32 + l.
TEST(KQuant, Q5KHandBuiltBlock) {
  std::vector<uint8_t> blk = {0x00, 0x38, 0x00, 0x34};
  for (uint8_t b : packed_scales()) blk.push_back(b);
  for (int i = 0; i < 32; ++i) blk.push_back(static_cast<uint8_t>(i * 37 + 11));  // qh
  for (int i = 0; i < 128; ++i) blk.push_back(static_cast<uint8_t>(i * 7 + 3));
  ASSERT_EQ(blk.size(), 176u);
  std::vector<float> y = dequantized(GgmlType::kQ5_K, blk, 256);
  for (int v = 0; v < 256; ++v) {
    const int c = v / 64, r = v % 64, l = r % 32;
    const uint8_t byte = blk[48 + 32 * c + l];
    int q = r < 32 ? byte & 15 : byte >> 4;
    q += ((blk[16 + l] >> (2 * c + (r < 32 ? 0 : 1))) & 1) * 16;
    const int j = v / 32;
    ASSERT_EQ(y[v], 0.5f * static_cast<float>(kScale[j] * q) - 0.25f * static_cast<float>(kMin[j]))
        << "value " << v;
  }
  // qh[0] = 11 = 0b1011: value 0 gets bit 0 (16 + 3 = 19), value 32 bit 1 (16 + 0),
  // value 64 bit 2 (0 + low nibble of qs[32] = 227 & 15 = 3), value 96 bit 3 (16 + 14).
  EXPECT_EQ(y[0], 0.5f * 1 * 19);
  EXPECT_EQ(y[32], 0.5f * 2 * 16 - 0.25f * 5);
  EXPECT_EQ(y[64], 0.5f * 63 * 3 - 0.25f * 7);
  EXPECT_EQ(y[96], 0.5f * 10 * 30 - 0.25f * 63);
}

// Q6_K: {ql[128], qh[64], int8 scales[16], f16 d = 0.125}. In half h (values 128h..128h+127),
// for k = 0..3 and l < 32, value 128h + 32k + l has low bits ql[64h + 32(k & 1) + l] (low
// nibble for k < 2, high for k >= 2), top bits (qh[32h + l] >> 2k) & 3, q = 6 bits - 32, and
// is d * scales[v / 16] * q.
TEST(KQuant, Q6KHandBuiltBlock) {
  std::vector<uint8_t> blk;
  for (int i = 0; i < 128; ++i) blk.push_back(static_cast<uint8_t>(i * 13 + 5));  // ql
  for (int i = 0; i < 64; ++i) blk.push_back(static_cast<uint8_t>(i * 29 + 1));   // qh
  const int8_t scales[16] = {1, -1, 2, -3, 5, -8, 13, -21, 34, -55, 89, 127, -128, 0, 7, -7};
  for (int8_t s : scales) blk.push_back(static_cast<uint8_t>(s));
  blk.push_back(0x00);  // d = 0.125 = half 0x3000, little-endian
  blk.push_back(0x30);
  ASSERT_EQ(blk.size(), 210u);
  std::vector<float> y = dequantized(GgmlType::kQ6_K, blk, 256);
  for (int v = 0; v < 256; ++v) {
    const int h = v / 128, k = (v % 128) / 32, l = v % 32;
    const uint8_t low = blk[64 * h + 32 * (k & 1) + l];
    const int q =
        ((k < 2 ? low & 15 : low >> 4) | (((blk[128 + 32 * h + l] >> (2 * k)) & 3) << 4)) - 32;
    ASSERT_EQ(y[v], 0.125f * static_cast<float>(scales[v / 16] * q)) << "value " << v;
  }
  // ql[0] = 5, qh[0] = 1: value 0 = 0.125 * 1 * ((5 | 1 << 4) - 32) = 0.125 * -11;
  // value 64 (k = 2): high nibble of ql[0] = 0, top bits (1 >> 4) & 3 = 0: q = -32, scale
  // scales[4] = 5. Value 255 (h 1, k 3, l 31): ql[64+32+31] = 127*13+5 = 1656 -> 0x78, high
  // nibble 7; qh[32+31] = 63*29+1 = 1828 -> 0x24, (0x24 >> 6) & 3 = 0: q = 7 - 32 = -25,
  // scale scales[15] = -7.
  EXPECT_EQ(y[0], 0.125f * -11);
  EXPECT_EQ(y[64], 0.125f * 5 * -32);
  EXPECT_EQ(y[255], 0.125f * -7 * -25);
}

// Quantize then dequantize Gaussian rows: relative RMS error (error RMS / value RMS) within
// bounds about 1.5 times the values measured (Q4_K 0.079, Q5_K 0.038, Q6_K 0.019; our
// simple min/max quantizer, not llama.cpp's error-minimising search).
TEST(KQuant, RoundTripRelativeRmsError) {
  const int64_t n = 256 * 32;
  std::vector<float> x = random_values(n, 11);
  const std::pair<GgmlType, double> kBound[] = {
      {GgmlType::kQ4_K, 0.12}, {GgmlType::kQ5_K, 0.06}, {GgmlType::kQ6_K, 0.03}};
  for (auto [type, bound] : kBound) {
    std::vector<uint8_t> q = quantize_row(type, x.data(), n);
    ASSERT_EQ(q.size(), row_bytes(type, n));
    std::vector<float> y = dequantized(type, q, n);
    double err = 0, ref = 0;
    for (int64_t i = 0; i < n; ++i) {
      err += (double{y[i]} - x[i]) * (y[i] - x[i]);
      ref += double{x[i]} * x[i];
    }
    double rel = std::sqrt(err / ref);
    EXPECT_LT(rel, bound) << type_name(type);
    EXPECT_GT(rel, 0) << type_name(type);
    RecordProperty(type_name(type) + "_relative_rms", std::to_string(rel));
    std::printf("%s round-trip relative RMS error %.4f\n", type_name(type).c_str(), rel);
  }
  // A zero row and a constant row encode without NaNs.
  for (GgmlType type : kKTypes) {
    for (float c : {0.0f, -0.75f, 3.0f}) {
      std::vector<float> flat(256, c);
      std::vector<float> y = dequantized(type, quantize_row(type, flat.data(), 256), 256);
      for (float v : y)
        ASSERT_NEAR(v, c, 0.02 + std::fabs(c) * 0.02) << type_name(type) << " " << c;
    }
  }
}

// Bound on |vec_dot - dot(dequantized w, x)|: the activations' Q8_0 rounding, at most
// d_x / 2 per element (d_x = amax / 127, plus its F16 rounding), times |w|.
double q8_activation_bound(const std::vector<float>& wd, const float* x, int64_t n) {
  double bound = 1e-4;
  for (int64_t b = 0; b < n / 32; ++b) {
    double wl1 = 0, amax = 0;
    for (int64_t j = b * 32; j < b * 32 + 32; ++j) {
      wl1 += std::fabs(wd[j]);
      amax = std::max(amax, static_cast<double>(std::fabs(x[j])));
    }
    bound += wl1 * (amax / 127 * 0.5 * 1.01 + amax * 1e-3);
  }
  return bound;
}

TEST(KQuant, VecDotMatchesDequantizedDot) {
  for (int64_t n : {256, 256 * 5}) {
    std::vector<float> w = random_values(n, 2);
    std::vector<float> x = random_values(n, 3);
    std::vector<uint8_t> xq(row_bytes(GgmlType::kQ8_0, n));
    quantize_q8_0(x.data(), xq.data(), n);
    for (GgmlType type : kKTypes) {
      std::vector<uint8_t> row = quantize_row(type, w.data(), n);
      std::vector<float> wd = dequantized(type, row, n);
      double ref = 0;
      for (int64_t i = 0; i < n; ++i) ref += double{wd[i]} * x[i];
      const double bound = q8_activation_bound(wd, x.data(), n);
      EXPECT_NEAR(vec_dot_reference(type, row.data(), x.data(), xq.data(), n), ref, bound)
          << type_name(type) << " portable n=" << n;
      EXPECT_NEAR(vec_dot(type, row.data(), x.data(), xq.data(), n), ref, bound)
          << type_name(type) << " dispatched n=" << n;
    }
  }
}

// The dispatched kernel (AVX2 where the CPU has it) equals the portable one up to the order
// of float additions (integer block sums are exact in both): within 1e-5 of sum |w x|. The
// four-vector kernel equals the single one bit for bit.
TEST(KQuant, VecDotEqualsReferenceAndX4EqualsSingle) {
  for (int64_t n : {256, 512, 4096 + 256}) {
    std::vector<float> w = random_values(n, 4, 3.0f);
    // Weights with large |values| too, so that the Q6_K scales reach +-127 and the quants the
    // ends of their range.
    for (int64_t i = 0; i < n; i += 37) w[i] *= 8;
    std::vector<float> x = random_values(n, 5);
    for (GgmlType type : kKTypes) {
      std::vector<uint8_t> row = quantize_row(type, w.data(), n);
      std::vector<std::vector<float>> xs(4, x);
      std::vector<std::vector<uint8_t>> qs(4);
      const float* xp[4];
      const uint8_t* qp[4];
      for (int k = 0; k < 4; ++k) {
        for (size_t i = 0; i < xs[k].size(); ++i) xs[k][i] *= (k % 2 ? -1.0f : 1.0f) * (k + 1);
        if (k == 3) xs[k][7] = 100;  // an activation block with one dominating element
        qs[k].resize(row_bytes(GgmlType::kQ8_0, n));
        quantize_q8_0(xs[k].data(), qs[k].data(), n);
        xp[k] = xs[k].data();
        qp[k] = qs[k].data();
      }
      std::vector<float> wd = dequantized(type, row, n);
      float out[4];
      vec_dot_x4(type, row.data(), xp, qp, n, out);
      for (int k = 0; k < 4; ++k) {
        double l1 = 0;
        for (int64_t i = 0; i < n; ++i) l1 += std::fabs(double{wd[i]} * xs[k][i]);
        float want = vec_dot_reference(type, row.data(), xp[k], qp[k], n);
        float got = vec_dot(type, row.data(), xp[k], qp[k], n);
        EXPECT_NEAR(got, want, 1e-5 * l1) << type_name(type) << " n=" << n << " k=" << k;
        EXPECT_EQ(out[k], got) << type_name(type) << " x4 slot " << k << " n=" << n;
      }
    }
  }
}

// matmul of a k-quant matrix (one and several threads, token counts that use the
// four-token kernels and the single one) against the double-precision product of the
// dequantized weights with the F32 activations, within the activation quantization bound.
TEST(KQuant, MatmulMatchesF32OfDequantizedWeights) {
  const int64_t cols = 512, rows = 40, n_tokens = 7;
  std::vector<float> w = random_values(cols * rows, 6);
  std::vector<float> x = random_values(cols * n_tokens, 7);
  for (GgmlType type : kKTypes) {
    std::vector<uint8_t> bytes = quantize_row(type, w.data(), cols * rows);
    std::vector<float> wd = dequantized(type, bytes, cols * rows);
    WeightMatrix m{type, bytes.data(), cols, rows};
    std::vector<float> y1(static_cast<size_t>(rows * n_tokens)), y3(y1.size());
    std::vector<uint8_t> scratch;
    ThreadPool one(1), three(3);
    matmul(m, x.data(), n_tokens, y1.data(), one, scratch);
    matmul(m, x.data(), n_tokens, y3.data(), three, scratch);
    EXPECT_EQ(y1, y3) << type_name(type);
    for (int64_t t = 0; t < n_tokens; ++t) {
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<float> wrow(wd.begin() + r * cols, wd.begin() + (r + 1) * cols);
        double ref = 0;
        for (int64_t c = 0; c < cols; ++c) ref += double{wrow[c]} * x[t * cols + c];
        ASSERT_NEAR(y1[t * rows + r], ref, q8_activation_bound(wrow, x.data() + t * cols, cols))
            << type_name(type) << " token " << t << " row " << r;
      }
    }
  }
}

class KQuantModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ys_kquant_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static RandomModelSpec spec(GgmlType type, GgmlType mixed) {
    RandomModelSpec s;
    s.type = type;
    s.mixed_type = mixed;
    s.dim = 256;
    s.ffn_dim = 512;
    s.n_heads = 4;
    s.n_kv_heads = 2;
    return s;
  }

  std::string write(const RandomModelSpec& s, const std::string& name) {
    std::string path = (dir_ / (name + ".gguf")).string();
    write_random_model(path, s);
    return path;
  }

  fs::path dir_;
};

using test::batch_logits;
using test::kTokens;

// Q4_K_M-like (Q4_K with output, attn_v and ffn_down in Q6_K), Q5_K_M-like, and all-Q6_K
// models against the same weights in F32 (dim 256, 2 layers): relative RMS logit error below
// about 1.7 times the values measured (0.161, 0.085, 0.047; the Q8_0 activations add to the
// weights' error, as for Q8_0 and Q4_0 in model_test.cpp).
TEST_F(KQuantModelTest, MixedModelsLoadRunAndTrackF32) {
  std::unique_ptr<Model> ref = Model::load(write(spec(GgmlType::kF32, GgmlType::kF32), "f32"));
  std::vector<float> want = batch_logits(*ref, kTokens);
  double rms = 0;
  for (float v : want) rms += double{v} * v;
  rms = std::sqrt(rms / static_cast<double>(want.size()));
  struct Case {
    GgmlType type, mixed;
    const char* name;
    double tol;
  };
  for (const Case& c : {Case{GgmlType::kQ4_K, GgmlType::kQ6_K, "q4_k_m", 0.27},
                        Case{GgmlType::kQ5_K, GgmlType::kQ6_K, "q5_k_m", 0.15},
                        Case{GgmlType::kQ6_K, GgmlType::kF32, "q6_k", 0.08}}) {
    std::string path = write(spec(c.type, c.mixed), c.name);
    std::unique_ptr<Model> m = Model::load(path);
    EXPECT_EQ(m->file().tensor("blk.0.attn_q.weight").type, c.type);
    EXPECT_EQ(m->file().tensor("token_embd.weight").type, c.type);
    if (c.mixed != GgmlType::kF32) {
      EXPECT_EQ(m->file().tensor("output.weight").type, c.mixed);
      EXPECT_EQ(m->file().tensor("blk.1.attn_v.weight").type, c.mixed);
      EXPECT_EQ(m->file().tensor("blk.1.ffn_down.weight").type, c.mixed);
    }
    std::vector<float> got = batch_logits(*m, kTokens);
    double err = 0;
    for (size_t i = 0; i < got.size(); ++i) err += (double{got[i]} - want[i]) * (got[i] - want[i]);
    err = std::sqrt(err / static_cast<double>(got.size())) / rms;
    EXPECT_LT(err, c.tol) << c.name;
    EXPECT_GT(err, 0) << c.name;
    std::printf("%s relative RMS logit error %.4f\n", c.name, err);

    // `engine info` names the types; generation runs, batched prefill or not alike.
    std::string info = model_info(path, 64);
    EXPECT_NE(info.find("blk.0.attn_q.weight  " + type_name(c.type) + "  [256 x 256]  " +
                        std::to_string(row_bytes(c.type, 256) * 256) + " bytes"),
              std::string::npos)
        << info;
    if (c.mixed != GgmlType::kF32) {
      EXPECT_NE(info.find("output.weight  Q6_K  [256 x 320]  67200 bytes"), std::string::npos)
          << info;
    }
    ThreadPool pool(2);
    Sampler greedy({});
    Context a(*m, 64, pool), b(*m, 64, pool);
    std::vector<int32_t> prompt = {1, 300, 17, 260};
    std::vector<int32_t> out = generate(a, greedy, prompt, 12, nullptr);
    EXPECT_EQ(out.size(), 12u);
    EXPECT_EQ(generate(b, greedy, prompt, 12, nullptr, false), out) << c.name;
    GenerateOptions go;
    go.prompt = "ab cd";
    go.max_tokens = 5;
    go.n_ctx = 64;
    EXPECT_NO_THROW(generate_text(path, go)) << c.name;
  }
}

// Five sequences decoded together (the four-token kernels included) give exactly the logits
// of decoding each alone, in a Q4_K_M-like model.
TEST_F(KQuantModelTest, BatchedDecodingEqualsOneAtATime) {
  std::unique_ptr<Model> m = Model::load(write(spec(GgmlType::kQ4_K, GgmlType::kQ6_K), "q4_k_m"));
  ASSERT_NO_FATAL_FAILURE(test::expect_batched_decoding_equals_alone(*m, 5));
  const int nv = m->config().n_vocab;
  ThreadPool pool(1);
  // Batched prefill equals token by token.
  std::vector<float> batched = batch_logits(*m, kTokens);
  Context ctx(*m, 64, pool);
  for (size_t t = 0; t < kTokens.size(); ++t) {
    const float* l = ctx.eval({kTokens[t]});
    for (int i = 0; i < nv; ++i) ASSERT_EQ(l[i], batched[t * nv + i]) << "t=" << t;
  }
}

void expect_load_error(const std::string& path, const std::string& needle) {
  try {
    Model::load(path);
    FAIL() << "no error for " << path;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST_F(KQuantModelTest, TruncatedTensorAndRaggedRowsAreNamedErrors) {
  // The last tensor of an all-Q4_K model is blk.1.ffn_down.weight; cut the file inside it.
  std::string path = write(spec(GgmlType::kQ4_K, GgmlType::kF32), "cut");
  ASSERT_EQ(Model::load(path)->file().tensors().back().name, "blk.1.ffn_down.weight");
  fs::resize_file(path, fs::file_size(path) - 1000);
  expect_load_error(path, "tensor 'blk.1.ffn_down.weight': data");

  // Rows of 128 values are not whole 256-value super-blocks.
  for (GgmlType type : kKTypes) {
    GgufWriter w;
    w.set_string("general.architecture", "llama");
    w.add_raw_tensor("blk.0.attn_q.weight", {128, 4}, static_cast<uint32_t>(type),
                     std::vector<uint8_t>(2 * block_bytes(type)));
    std::string ragged = (dir_ / "ragged.gguf").string();
    w.write(ragged);
    expect_load_error(ragged,
                      "tensor 'blk.0.attn_q.weight': row of 128 elements is not a whole "
                      "number of " +
                          type_name(type) + " blocks (of 256)");
  }
  // The random-model writer refuses such dimensions too.
  RandomModelSpec small = spec(GgmlType::kQ4_K, GgmlType::kQ6_K);
  small.dim = 128;
  EXPECT_THROW(write(small, "small"), InputError);
}

}  // namespace
}  // namespace ys::engine
