#include "runners/engine/cpu/quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/engine/engine_test_util.h"

namespace ys::engine {
namespace {

using test::random_values;

TEST(Quant, HalfKnownValues) {
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(70000.0f), 0x7c00);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -26)), 0x0000);
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie rounds to even
  EXPECT_EQ(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_FLOAT_EQ(f16_to_f32(0x3555), 0.333251953125f);
  EXPECT_FLOAT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(NAN))));
}

TEST(Quant, EveryFiniteHalfRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    if (((h >> 10) & 0x1f) == 0x1f) continue;  // inf and NaN
    ASSERT_EQ(f32_to_f16(f16_to_f32(static_cast<uint16_t>(h))), h) << h;
  }
}

TEST(Quant, Bf16) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_FLOAT_EQ(bf16_to_f32(0x4049), 3.140625f);
  EXPECT_EQ(f32_to_bf16(3.14159265f), 0x4049);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
}

// Quantize then dequantize: each element within the format's step. Q8_0: d/2 with
// d = amax/127 (plus F16 rounding of d); Q4_0: d/2 with d = amax/8, except the clamped
// top code, which errs by at most d.
TEST(Quant, RoundTripErrorWithinOneStep) {
  std::vector<float> x = random_values(32 * 64, 1);
  for (GgmlType type :
       {GgmlType::kF32, GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0, GgmlType::kQ4_0}) {
    std::vector<uint8_t> q = quantize_row(type, x.data(), static_cast<int64_t>(x.size()));
    ASSERT_EQ(q.size(), row_bytes(type, static_cast<int64_t>(x.size())));
    std::vector<float> y(x.size());
    dequantize_row(type, q.data(), y.data(), static_cast<int64_t>(x.size()));
    for (size_t b = 0; b < x.size() / 32; ++b) {
      float amax = 0;
      for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
      for (size_t j = 0; j < 32; ++j) {
        size_t i = b * 32 + j;
        float tol = 0;
        switch (type) {
          case GgmlType::kF32:
            tol = 0;
            break;
          case GgmlType::kF16:
            tol = std::fabs(x[i]) * 0x1p-11f + 1e-7f;
            break;
          case GgmlType::kBF16:
            tol = std::fabs(x[i]) * 0x1p-8f;
            break;
          case GgmlType::kQ8_0:
            tol = amax / 127 * 0.5f * 1.01f + amax * 1e-3f;
            break;
          case GgmlType::kQ4_0:
            tol = amax / 8 * 1.01f;
            break;
          case GgmlType::kQ4_K:  // not in this list: kquant_test.cpp
          case GgmlType::kQ5_K:
          case GgmlType::kQ6_K:
            break;
        }
        ASSERT_LE(std::fabs(y[i] - x[i]), tol) << type_name(type) << " element " << i;
      }
    }
  }
}

// vec_dot against the dot product of the dequantized row with the F32 activations: for
// F types exact up to float summation order; for Q types within the activation's Q8_0
// quantization error, sum over blocks of |w|_1 * d_x / 2.
TEST(Quant, VecDotMatchesDequantizedDot) {
  const int64_t n = 32 * 16;
  std::vector<float> w = random_values(n, 2);
  std::vector<float> x = random_values(n, 3);
  std::vector<uint8_t> xq(row_bytes(GgmlType::kQ8_0, n));
  quantize_q8_0(x.data(), xq.data(), n);
  for (GgmlType type :
       {GgmlType::kF32, GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0, GgmlType::kQ4_0}) {
    std::vector<uint8_t> row = quantize_row(type, w.data(), n);
    std::vector<float> wd(static_cast<size_t>(n));
    dequantize_row(type, row.data(), wd.data(), n);
    double ref = 0, bound = 1e-4;
    for (int64_t b = 0; b < n / 32; ++b) {
      double wl1 = 0, amax = 0;
      for (int64_t j = b * 32; j < b * 32 + 32; ++j) {
        ref += static_cast<double>(wd[j]) * x[j];
        wl1 += std::fabs(wd[j]);
        amax = std::max(amax, static_cast<double>(std::fabs(x[j])));
      }
      if (uses_q8_activations(type)) bound += wl1 * (amax / 127 * 0.5 * 1.01 + amax * 1e-3);
    }
    float got = vec_dot(type, row.data(), x.data(), xq.data(), n);
    EXPECT_NEAR(got, ref, bound) << type_name(type);
  }
}

// The dispatched kernel (SIMD where the CPU has it) against the portable one, on lengths
// with and without a remainder after the SIMD width.
TEST(Quant, VecDotEqualsReference) {
  for (int64_t n : {32, 96, 1024, 4096 + 32}) {
    std::vector<float> w = random_values(n, 4, 3.0f);
    std::vector<float> x = random_values(n, 5);
    std::vector<uint8_t> xq(row_bytes(GgmlType::kQ8_0, n));
    quantize_q8_0(x.data(), xq.data(), n);
    for (GgmlType type :
         {GgmlType::kF32, GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0, GgmlType::kQ4_0}) {
      std::vector<uint8_t> row = quantize_row(type, w.data(), n);
      float want = vec_dot_reference(type, row.data(), x.data(), xq.data(), n);
      float got = vec_dot(type, row.data(), x.data(), xq.data(), n);
      double l1 = 0;
      for (int64_t i = 0; i < n; ++i) l1 += std::fabs(w[i] * x[i]);
      EXPECT_NEAR(got, want, 1e-5 * l1) << type_name(type) << " n=" << n;
      // Four vectors at once: the same x in slot 2, others scaled copies.
      std::vector<std::vector<float>> xs(4, x);
      std::vector<std::vector<uint8_t>> qs(4);
      const float* xp[4];
      const uint8_t* qp[4];
      for (int k = 0; k < 4; ++k) {
        for (float& v : xs[k]) v *= static_cast<float>(k + 1) / 3;
        qs[k].resize(xq.size());
        quantize_q8_0(xs[k].data(), qs[k].data(), n);
        xp[k] = xs[k].data();
        qp[k] = qs[k].data();
      }
      float out[4];
      vec_dot_x4(type, row.data(), xp, qp, n, out);
      for (int k = 0; k < 4; ++k) {
        float ref = vec_dot_reference(type, row.data(), xp[k], qp[k], n);
        EXPECT_NEAR(out[k], ref, 1e-5 * l1 * (k + 1)) << type_name(type) << " x4 slot " << k;
        // Bit-identical to the single-vector kernel: a token's result must not depend on
        // how many tokens or sequences share a pass.
        EXPECT_EQ(out[k], vec_dot(type, row.data(), xp[k], qp[k], n))
            << type_name(type) << " x4 slot " << k << " n=" << n;
      }
    }
  }
}

TEST(Quant, TypeTable) {
  EXPECT_EQ(row_bytes(GgmlType::kQ8_0, 64), 68u);
  EXPECT_EQ(row_bytes(GgmlType::kQ4_0, 64), 36u);
  EXPECT_EQ(row_bytes(GgmlType::kBF16, 3), 6u);
  EXPECT_TRUE(is_supported_type(30));
  EXPECT_FALSE(is_supported_type(3));  // Q4_1: not supported
  EXPECT_TRUE(uses_q8_activations(GgmlType::kQ4_K));
  EXPECT_EQ(type_name(GgmlType::kQ4_0), "Q4_0");
}

}  // namespace
}  // namespace ys::engine
