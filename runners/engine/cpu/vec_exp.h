// A vectorised exp for the CPU backend's softmax: a polynomial over several lanes in place
// of one libm call per attention score.
#pragma once

namespace ys::engine {

// Largest relative error of exp_approx (and exp_shifted) against the exact exp for inputs
// in [-87, 88], measured over a dense sweep by ExpApprox.WithinDocumentedError (7.9e-8 seen
// there, about one float ulp); inputs below -87 give exp(-87) (about 1.6e-38, below any
// softmax weight that can count), inputs above 88 give exp(88).
inline constexpr float kExpApproxMaxRelError = 1.5e-7f;

// exp(x) by the same arithmetic as exp_shifted's lanes: range reduction to
// x = k ln 2 + r with |r| <= ln 2 / 2 and a degree-7 polynomial in r (the coefficients of
// Cephes' expf, S. L. Moshier), scaled by 2^k built in the exponent bits.
float exp_approx(float x);

// x[i] = exp_approx(x[i] - shift) for i < n. The loop is compiled for AVX2 (8 lanes) and for
// the baseline (SSE2, 4 lanes), picked at load time; both do the same float operations
// (no fused multiply-adds), so results do not depend on the CPU.
void exp_shifted(float* x, int n, float shift);

}  // namespace ys::engine
