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

// The *_each forms take B independent arguments at once and interleave their operations step by
// step: B dependency chains (the polynomials are long serial chains) side by side in the
// instruction stream, which the out-of-order core overlaps and the compiler does not reorder
// by itself (measured: 12 exponentials of the mixture tile 2.4x faster than one after the
// other). Each value's operations and their order are those of the single form, so the bits
// are the same whatever B.

// exp(x) for x <= 0: Cody–Waite reduction x = k ln2 + r, |r| <= ln2/2, the degree-13 Taylor
// polynomial of e^r (truncation < 1e-17 relative), scaled by 2^k built from exponent bits.
// Inputs below -708 give e^-708. Accurate to 1 ulp. In place on x[0..B).
template <class F, class U, int B>
RTK_HD inline void exp_nonpositive_each(F* x) {
  constexpr double shifter = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  constexpr double log2e = 1.4426950408889634074;
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // ln 2 with 21 trailing zero bits
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  // 1/13!, 1/12!, ..., 1/2!, 1, 1: Horner's coefficients, highest degree first.
  constexpr double taylor[14] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                                 1.0 / 362880.0,     1.0 / 40320.0,     1.0 / 5040.0,     1.0 / 720.0,
                                 1.0 / 120.0,        1.0 / 24.0,        1.0 / 6.0,        0.5,
                                 1.0,                1.0};
  F r[B], p[B];
  U bits[B];
  for (int b = 0; b < B; ++b) {
    const F clamped = x[b] < -708.0 ? F{} - 708.0 : x[b];
    const F shifted = clamped * log2e + shifter;
    memcpy(&bits[b], &shifted, sizeof bits[b]);
    const F k = shifted - shifter;
    r[b] = (clamped - k * ln2_hi) - k * ln2_lo;
    p[b] = F{} + taylor[0];
  }
  for (int c = 1; c < 14; ++c)
    for (int b = 0; b < B; ++b) p[b] = p[b] * r[b] + taylor[c];
  constexpr uint64_t shifter_bits = 0x4338000000000000ull;
  for (int b = 0; b < B; ++b) {
    const U scale_bits = (bits[b] - shifter_bits + 1023u) << 52;
    F scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    x[b] = p[b] * scale;
  }
}

template <class F, class U>
RTK_HD inline F exp_nonpositive_lanes(F x) {
  exp_nonpositive_each<F, U, 1>(&x);
  return x;
}

RTK_HD inline double exp_nonpositive(double x) { return exp_nonpositive_lanes<double, uint64_t>(x); }

// ln(u) for a positive normal u (Box–Muller's uniforms, the mixture's sum of weights):
// u = 2^e m with m in [sqrt(1/2), sqrt(2)), and ln m = 2 atanh(s), s = (m - 1)/(m + 1),
// |s| <= 0.1716, by its series to s^21 (truncation < 1e-18). Accurate to about 2 ulp. In place
// on u[0..B).
template <class F, class U, int B>
RTK_HD inline void log_each(F* u) {
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  constexpr uint64_t mantissa = 0x000FFFFFFFFFFFFFull, one = 0x3FF0000000000000ull;
  constexpr uint64_t int_bias = 0x4330000000000000ull;  // 2^52: bits(2^52 + k) = bits(2^52) + k
  // 1/21, 1/19, ..., 1/3: the series' coefficients, highest degree first.
  constexpr double atanh_series[10] = {1.0 / 21.0, 1.0 / 19.0, 1.0 / 17.0, 1.0 / 15.0, 1.0 / 13.0,
                                       1.0 / 11.0, 1.0 / 9.0,  1.0 / 7.0,  1.0 / 5.0,  1.0 / 3.0};
  F s[B], s2[B], e[B], p[B];
  for (int b = 0; b < B; ++b) {
    U bits;
    memcpy(&bits, &u[b], sizeof bits);
    const U mbits = (bits & mantissa) | one;
    const U ebits = (bits >> 52) | int_bias;
    F m;
    memcpy(&m, &mbits, sizeof m);
    memcpy(&e[b], &ebits, sizeof e[b]);
    e[b] = e[b] - (4503599627370496.0 + 1023.0);
    const auto big = m > 1.4142135623730950488;
    m = big ? m * 0.5 : m;
    e[b] = big ? e[b] + 1.0 : e[b];
    s[b] = (m - 1.0) / (m + 1.0);
    s2[b] = s[b] * s[b];
    p[b] = F{} + atanh_series[0];
  }
  for (int c = 1; c < 10; ++c)
    for (int b = 0; b < B; ++b) p[b] = p[b] * s2[b] + atanh_series[c];
  for (int b = 0; b < B; ++b) {
    const F log_m = 2.0 * s[b] + 2.0 * s[b] * s2[b] * p[b];
    u[b] = e[b] * ln2_hi + (e[b] * ln2_lo + log_m);
  }
}

template <class F, class U>
RTK_HD inline F log_lanes(F u) {
  log_each<F, U, 1>(&u);
  return u;
}

// sin(2 pi u) and cos(2 pi u) for u in [0, 1]: the quadrant q = round(4u) is taken exactly,
// theta = (pi/2)(4u - q) lies in [-pi/4, pi/4], where Taylor polynomials to theta^15 (sin)
// and theta^16 (cos) are accurate to < 1e-16; the quadrant rotates the pair. For u[0..B).
template <class F, int B>
RTK_HD inline void sincos_2pi_each(const F* u, F* sin_out, F* cos_out) {
  constexpr double shifter = 6755399441055744.0;
  // -1/15!, 1/13!, ..., -1/3! and 1/16!, -1/14!, ..., -1/2!: highest degree first.
  constexpr double sin_series[7] = {-1.0 / 1307674368000.0, 1.0 / 6227020800.0, -1.0 / 39916800.0, 1.0 / 362880.0,
                                    -1.0 / 5040.0,          1.0 / 120.0,        -1.0 / 6.0};
  constexpr double cos_series[8] = {1.0 / 20922789888000.0, -1.0 / 87178291200.0, 1.0 / 479001600.0,
                                    -1.0 / 3628800.0,       1.0 / 40320.0,        -1.0 / 720.0,
                                    1.0 / 24.0,             -0.5};
  F q[B], theta[B], t2[B], sp[B], cp[B];
  for (int b = 0; b < B; ++b) {
    const F four_u = u[b] * 4.0;
    q[b] = (four_u + shifter) - shifter;
    theta[b] = (four_u - q[b]) * 1.5707963267948966192;
    t2[b] = theta[b] * theta[b];
    sp[b] = F{} + sin_series[0];
    cp[b] = F{} + cos_series[0];
  }
  for (int c = 1; c < 7; ++c)
    for (int b = 0; b < B; ++b) sp[b] = sp[b] * t2[b] + sin_series[c];
  for (int c = 1; c < 8; ++c)
    for (int b = 0; b < B; ++b) cp[b] = cp[b] * t2[b] + cos_series[c];
  for (int b = 0; b < B; ++b) {
    const F sin_t = theta[b] + theta[b] * t2[b] * sp[b];
    const F cos_t = 1.0 + t2[b] * cp[b];
    // q in {0, 1, 2, 3, 4}: (sin, cos) = (s, c), (c, -s), (-s, -c), (-c, s), (s, c).
    const auto q1 = q[b] == 1.0, q2 = q[b] == 2.0, q3 = q[b] == 3.0;
    sin_out[b] = q1 ? cos_t : q2 ? -sin_t : q3 ? -cos_t : sin_t;
    cos_out[b] = q1 ? -sin_t : q2 ? -cos_t : q3 ? sin_t : cos_t;
  }
}

template <class F>
RTK_HD inline void sincos_2pi_lanes(F u, F& sin_out, F& cos_out) {
  sincos_2pi_each<F, 1>(&u, &sin_out, &cos_out);
}

}  // namespace rtk
