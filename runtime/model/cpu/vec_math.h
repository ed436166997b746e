// Vectorized float32 math for the ISA kernel translation units: exp, tanh,
// sigmoid, the GELUs, and the epilogue activations.
//
// Accuracy targets a few ulp against a float64 reference, including the
// tails that naive formulas lose to cancellation: gelu(tanh) is evaluated as
// x * sigmoid(2u) instead of 0.5x(1 + tanh(u)), gelu(erf) through erfc with
// relative error ~1e-7 (Numerical Recipes' erfcc), tanh near 0 by its series.
// NaN propagates everywhere. Included only after simd.h.
#pragma once

#include "simd.h"

namespace aotc_cpu::AOTC_CPU_ISA_NS {

/// e^x: Cephes' expf polynomial after range reduction by ln 2; results
/// underflow gracefully to subnormals and 0, overflow to +inf.
AOTC_CPU_INLINE VF vexp(VF x) {
  x = vclamp(x, vset1(-104.0f), vset1(89.0f));
  const VF n = vround(x * vset1(1.44269504088896341f));
  VF r = vfma(n, vset1(-0.693359375f), x);
  r = vfma(n, vset1(2.12194440e-4f), r);
  VF p = vset1(1.9875691500e-4f);
  p = vfma(p, r, vset1(1.3981999507e-3f));
  p = vfma(p, r, vset1(8.3334519073e-3f));
  p = vfma(p, r, vset1(4.1665795894e-2f));
  p = vfma(p, r, vset1(1.6666665459e-1f));
  p = vfma(p, r, vset1(5.0000001201e-1f));
  const VF y = vfma(p, r * r, r + vset1(1.0f));
  // 2^n in two factors so n in [-150, 128] neither wraps nor flushes early.
  const VF n1 = vround(n * vset1(0.5f));
  const VF n2 = n - n1;
  return y * vexp2_int(n1) * vexp2_int(n2);
}

AOTC_CPU_INLINE VF vsigmoid(VF x) { return vset1(1.0f) / (vset1(1.0f) + vexp(vzero() - x)); }

AOTC_CPU_INLINE VF vtanh(VF x) {
  const VF ax = vabs(x);
  // |x| < 0.625: Cephes' odd polynomial (no cancellation near 0).
  const VF z = x * x;
  VF p = vset1(-5.70498872745e-3f);
  p = vfma(p, z, vset1(2.06390887954e-2f));
  p = vfma(p, z, vset1(-5.37397155531e-2f));
  p = vfma(p, z, vset1(1.33314422036e-1f));
  p = vfma(p, z, vset1(-3.33332819422e-1f));
  const VF small = vfma(p * z, x, x);
  // Otherwise 1 - 2 / (e^{2|x|} + 1), with x's sign.
  const VF e = vexp(ax + ax);
  const VF big_abs = vset1(1.0f) - vset1(2.0f) / (e + vset1(1.0f));
  const VF big = vselect(vlt(x, vzero()), vzero() - big_abs, big_abs);
  return vselect(vlt(ax, vset1(0.625f)), small, big);
}

/// erfc(z) for z >= 0 given z and z^2 (Numerical Recipes' erfcc, relative
/// error < 1.2e-7 before float rounding; the rounding of z^2, which exp
/// magnifies by z^2, is the caller's to keep small).
AOTC_CPU_INLINE VF verfc_nonneg(VF z, VF z2) {
  const VF t = vset1(1.0f) / vfma(vset1(0.5f), z, vset1(1.0f));
  VF p = vset1(0.17087277f);
  p = vfma(p, t, vset1(-0.82215223f));
  p = vfma(p, t, vset1(1.48851587f));
  p = vfma(p, t, vset1(-1.13520398f));
  p = vfma(p, t, vset1(0.27886807f));
  p = vfma(p, t, vset1(-0.18628806f));
  p = vfma(p, t, vset1(0.09678418f));
  p = vfma(p, t, vset1(0.37409196f));
  p = vfma(p, t, vset1(1.00002368f));
  p = vfma(p, t, vset1(-1.26551223f));
  return t * vexp(p - z2);
}

/// 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2).
AOTC_CPU_INLINE VF vgelu_erf(VF x) {
  // z^2 = x^2 / 2 with one rounding (squaring x / sqrt 2 would add another).
  const VF c = verfc_nonneg(vabs(x) * vset1(0.70710678118654752f), vset1(0.5f) * (x * x));
  const VF e = vselect(vge(x, vzero()), vset1(2.0f) - c, c);
  return vset1(0.5f) * x * e;
}

/// 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), as x * sigmoid(2u).
AOTC_CPU_INLINE VF vgelu_tanh(VF x) {
  const VF u = vset1(0.79788456080286536f) * vfma(vset1(0.044715f) * x, x * x, x);
  return x / (vset1(1.0f) + vexp(vzero() - (u + u)));
}

AOTC_CPU_INLINE VF vsilu(VF x) { return x / (vset1(1.0f) + vexp(vzero() - x)); }

/// An epilogue activation, by value of `act` (a switch the branch predictor
/// resolves; callers run it over whole rows).
AOTC_CPU_INLINE VF apply_activation(VF v, Activation act, float alpha, float beta) {
  switch (act) {
    case Activation::kNone: return v;
    case Activation::kRelu: return vmax(vzero(), v);
    case Activation::kGeluTanh: return vgelu_tanh(v);
    case Activation::kGeluErf: return vgelu_erf(v);
    case Activation::kSilu: return vsilu(v);
    case Activation::kSigmoid: return vsigmoid(v);
    case Activation::kTanh: return vtanh(v);
    case Activation::kHardtanh: return vclamp(v, vset1(alpha), vset1(beta));
    case Activation::kLeakyRelu: return vselect(vgt(v, vzero()), v, v * vset1(alpha));
  }
  return v;
}

}  // namespace aotc_cpu::AOTC_CPU_ISA_NS
