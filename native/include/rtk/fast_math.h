// Branch-free elementary functions on the ranges this library needs, written with IEEE
// additions, multiplications, divisions and square roots only: loops over them vectorise, and
// every ISA (and the GPU, compiled without contraction) gives the same bits, which glibc's
// ISA-dispatched libm does not promise. Each works on a scalar double or, lane by lane, on a
// GCC vector of doubles F with the matching vector of uint64 U.
#pragma once
#include <cstdint>
#include <cstring>

#include "host_device.h"

namespace rtk {

// exp(x) for x <= 0: Cody–Waite reduction x = k ln2 + r, |r| <= ln2/2, the degree-13 Taylor
// polynomial of e^r (truncation < 1e-17 relative), scaled by 2^k built from exponent bits.
// Inputs below -708 give e^-708. Accurate to 1 ulp.
template <class F, class U>
RTK_HD inline F exp_nonpositive_lanes(F x) {
  constexpr double shifter = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  constexpr double log2e = 1.4426950408889634074;
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // ln 2 with 21 trailing zero bits
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  x = x < -708.0 ? F{} - 708.0 : x;
  const F shifted = x * log2e + shifter;
  U bits;
  memcpy(&bits, &shifted, sizeof bits);
  const F k = shifted - shifter;
  const F r = (x - k * ln2_hi) - k * ln2_lo;
  F p = F{} + 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  constexpr uint64_t shifter_bits = 0x4338000000000000ull;
  const U scale_bits = (bits - shifter_bits + 1023u) << 52;
  F scale;
  memcpy(&scale, &scale_bits, sizeof scale);
  return p * scale;
}

RTK_HD inline double exp_nonpositive(double x) { return exp_nonpositive_lanes<double, uint64_t>(x); }

// ln(u) for a positive normal u (Box–Muller's uniforms, the mixture's sum of weights):
// u = 2^e m with m in [sqrt(1/2), sqrt(2)), and ln m = 2 atanh(s), s = (m - 1)/(m + 1),
// |s| <= 0.1716, by its series to s^21 (truncation < 1e-18). Accurate to about 2 ulp.
template <class F, class U>
RTK_HD inline F log_lanes(F u) {
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  constexpr uint64_t mantissa = 0x000FFFFFFFFFFFFFull, one = 0x3FF0000000000000ull;
  constexpr uint64_t int_bias = 0x4330000000000000ull;  // 2^52: bits(2^52 + k) = bits(2^52) + k
  U bits;
  memcpy(&bits, &u, sizeof bits);
  const U mbits = (bits & mantissa) | one;
  const U ebits = (bits >> 52) | int_bias;
  F m, e;
  memcpy(&m, &mbits, sizeof m);
  memcpy(&e, &ebits, sizeof e);
  e = e - (4503599627370496.0 + 1023.0);
  const auto big = m > 1.4142135623730950488;
  m = big ? m * 0.5 : m;
  e = big ? e + 1.0 : e;
  const F s = (m - 1.0) / (m + 1.0), s2 = s * s;
  F p = F{} + 1.0 / 21.0;
  p = p * s2 + 1.0 / 19.0;
  p = p * s2 + 1.0 / 17.0;
  p = p * s2 + 1.0 / 15.0;
  p = p * s2 + 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  const F log_m = 2.0 * s + 2.0 * s * s2 * p;
  return e * ln2_hi + (e * ln2_lo + log_m);
}

// sin(2 pi u) and cos(2 pi u) for u in [0, 1]: the quadrant q = round(4u) is taken exactly,
// theta = (pi/2)(4u - q) lies in [-pi/4, pi/4], where Taylor polynomials to theta^15 (sin)
// and theta^16 (cos) are accurate to < 1e-16; the quadrant rotates the pair.
template <class F>
RTK_HD inline void sincos_2pi_lanes(F u, F& sin_out, F& cos_out) {
  constexpr double shifter = 6755399441055744.0;
  const F four_u = u * 4.0;
  const F q = (four_u + shifter) - shifter;
  const F theta = (four_u - q) * 1.5707963267948966192;
  const F t2 = theta * theta;
  F sp = F{} - 1.0 / 1307674368000.0;  // -1/15!
  sp = sp * t2 + 1.0 / 6227020800.0;
  sp = sp * t2 - 1.0 / 39916800.0;
  sp = sp * t2 + 1.0 / 362880.0;
  sp = sp * t2 - 1.0 / 5040.0;
  sp = sp * t2 + 1.0 / 120.0;
  sp = sp * t2 - 1.0 / 6.0;
  const F sin_t = theta + theta * t2 * sp;
  F cp = F{} + 1.0 / 20922789888000.0;  // 1/16!
  cp = cp * t2 - 1.0 / 87178291200.0;
  cp = cp * t2 + 1.0 / 479001600.0;
  cp = cp * t2 - 1.0 / 3628800.0;
  cp = cp * t2 + 1.0 / 40320.0;
  cp = cp * t2 - 1.0 / 720.0;
  cp = cp * t2 + 1.0 / 24.0;
  cp = cp * t2 - 0.5;
  const F cos_t = 1.0 + t2 * cp;
  // q in {0, 1, 2, 3, 4}: (sin, cos) = (s, c), (c, -s), (-s, -c), (-c, s), (s, c).
  const auto q1 = q == 1.0, q2 = q == 2.0, q3 = q == 3.0;
  sin_out = q1 ? cos_t : q2 ? -sin_t : q3 ? -cos_t : sin_t;
  cos_out = q1 ? -sin_t : q2 ? -cos_t : q3 ? sin_t : cos_t;
}

}  // namespace rtk
