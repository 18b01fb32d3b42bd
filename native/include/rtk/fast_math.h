// Branch-free elementary functions on the ranges this library needs, written with IEEE
// additions, multiplications, divisions and square roots only: loops over them vectorise, and
// every ISA (and the GPU, compiled without contraction) gives the same bits, which glibc's
// ISA-dispatched libm does not promise. Each works on a scalar double or, lane by lane, on a
// GCC vector of doubles F with the matching vector of uint64 U.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "host_device.h"

namespace rtk {

// The *_each forms take B independent arguments at once and interleave their operations step by
// step: B dependency chains (the polynomials are long serial chains) side by side in the
// instruction stream, which the out-of-order core overlaps (measured: 12 exponentials of the
// mixture tile 2.4x faster than one after the other). GCC 12 may still emit a completely
// unrolled loop of such steps one chain after another; box_muller_each, where it did, keeps its
// loop rolled (RTK_INTERLEAVED_LOOP). Each value's operations and their order are those of the
// single form, so the bits are the same whatever B.

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
// |s| <= 0.1716, by its series to s^21 (truncation < 1e-18). Accurate to about 2 ulp. In
// stages, so that callers can interleave it with other chains: log_reduce, p = the first
// coefficient, then p = p s^2 + coefficient c for c = 1 .. kLogTerms - 1, then log_finish.
constexpr int kLogTerms = 10;

// The series' coefficients 1/21, 1/19, ..., 1/3, highest degree first (a local constant of
// each caller, which GCC keeps in registers or on the stack and nvcc folds).
struct AtanhSeries {
  double c[kLogTerms] = {1.0 / 21.0, 1.0 / 19.0, 1.0 / 17.0, 1.0 / 15.0, 1.0 / 13.0,
                         1.0 / 11.0, 1.0 / 9.0,  1.0 / 7.0,  1.0 / 5.0,  1.0 / 3.0};
};

// Sets s, s^2 and the exponent e of u.
template <class F, class U>
RTK_HD inline void log_reduce(F u, F& s, F& s2, F& e) {
  constexpr uint64_t mantissa = 0x000FFFFFFFFFFFFFull, one = 0x3FF0000000000000ull;
  constexpr uint64_t int_bias = 0x4330000000000000ull;  // 2^52: bits(2^52 + k) = bits(2^52) + k
  U bits;
  memcpy(&bits, &u, sizeof bits);
  const U mbits = (bits & mantissa) | one;
  const U ebits = (bits >> 52) | int_bias;
  F m;
  memcpy(&m, &mbits, sizeof m);
  memcpy(&e, &ebits, sizeof e);
  e = e - (4503599627370496.0 + 1023.0);
  const auto big = m > 1.4142135623730950488;
  m = big ? m * 0.5 : m;
  e = big ? e + 1.0 : e;
  s = (m - 1.0) / (m + 1.0);
  s2 = s * s;
}

template <class F>
RTK_HD inline F log_finish(F s, F s2, F e, F p) {
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  const F log_m = 2.0 * s + 2.0 * s * s2 * p;
  return e * ln2_hi + (e * ln2_lo + log_m);
}

// ln(u) in place on u[0..B), the B series side by side.
template <class F, class U, int B>
RTK_HD inline void log_each(F* u) {
  constexpr AtanhSeries series;
  F s[B], s2[B], e[B], p[B];
  for (int b = 0; b < B; ++b) {
    log_reduce<F, U>(u[b], s[b], s2[b], e[b]);
    p[b] = F{} + series.c[0];
  }
  for (int c = 1; c < kLogTerms; ++c)
    for (int b = 0; b < B; ++b) p[b] = p[b] * s2[b] + series.c[c];
  for (int b = 0; b < B; ++b) u[b] = log_finish(s[b], s2[b], e[b], p[b]);
}

template <class F, class U>
RTK_HD inline F log_lanes(F u) {
  log_each<F, U, 1>(&u);
  return u;
}

// sin(2 pi u) and cos(2 pi u) for u in [0, 1]: the quadrant q = round(4u) is taken exactly,
// theta = (pi/2)(4u - q) lies in [-pi/4, pi/4], where Taylor polynomials to theta^15 (sin)
// and theta^16 (cos) are accurate to < 1e-16; the quadrant rotates the pair. In stages like
// ln: sincos_2pi_reduce, Horner's steps over theta^2 (sp: kSinTerms coefficients, cp:
// kCosTerms), sincos_2pi_finish.
constexpr int kSinTerms = 7, kCosTerms = 8;

// -1/15!, 1/13!, ..., -1/3! and 1/16!, -1/14!, ..., -1/2!: highest degree first.
struct SinCosSeries {
  double sin[kSinTerms] = {-1.0 / 1307674368000.0, 1.0 / 6227020800.0, -1.0 / 39916800.0, 1.0 / 362880.0,
                           -1.0 / 5040.0,          1.0 / 120.0,        -1.0 / 6.0};
  double cos[kCosTerms] = {1.0 / 20922789888000.0, -1.0 / 87178291200.0, 1.0 / 479001600.0,
                           -1.0 / 3628800.0,       1.0 / 40320.0,        -1.0 / 720.0,
                           1.0 / 24.0,             -0.5};
};

// Sets the quadrant q, theta and theta^2 of u.
template <class F>
RTK_HD inline void sincos_2pi_reduce(F u, F& q, F& theta, F& t2) {
  constexpr double shifter = 6755399441055744.0;
  const F four_u = u * 4.0;
  q = (four_u + shifter) - shifter;
  theta = (four_u - q) * 1.5707963267948966192;
  t2 = theta * theta;
}

template <class F>
RTK_HD inline void sincos_2pi_finish(F q, F theta, F t2, F sp, F cp, F& sin_out, F& cos_out) {
  const F sin_t = theta + theta * t2 * sp;
  const F cos_t = 1.0 + t2 * cp;
  // q in {0, 1, 2, 3, 4}: (sin, cos) = (s, c), (c, -s), (-s, -c), (-c, s), (s, c).
  const auto q1 = q == 1.0, q2 = q == 2.0, q3 = q == 3.0;
  sin_out = q1 ? cos_t : q2 ? -sin_t : q3 ? -cos_t : sin_t;
  cos_out = q1 ? -sin_t : q2 ? -cos_t : q3 ? sin_t : cos_t;
}

// sin(2 pi u[b]) and cos(2 pi u[b]) for u[0..B), the B pairs of polynomials side by side.
template <class F, int B>
RTK_HD inline void sincos_2pi_each(const F* u, F* sin_out, F* cos_out) {
  constexpr SinCosSeries series;
  F q[B], theta[B], t2[B], sp[B], cp[B];
  for (int b = 0; b < B; ++b) {
    sincos_2pi_reduce(u[b], q[b], theta[b], t2[b]);
    sp[b] = F{} + series.sin[0];
    cp[b] = F{} + series.cos[0];
  }
  for (int c = 1; c < kCosTerms; ++c)
    for (int b = 0; b < B; ++b) {
      if (c < kSinTerms) sp[b] = sp[b] * t2[b] + series.sin[c];
      cp[b] = cp[b] * t2[b] + series.cos[c];
    }
  for (int b = 0; b < B; ++b) sincos_2pi_finish(q[b], theta[b], t2[b], sp[b], cp[b], sin_out[b], cos_out[b]);
}

template <class F>
RTK_HD inline void sincos_2pi_lanes(F u, F& sin_out, F& cos_out) {
  sincos_2pi_each<F, 1>(&u, &sin_out, &cos_out);
}

// The square root of x (a double, or each lane of a GCC vector of doubles): IEEE, correctly rounded.
template <class F>
RTK_HD inline F sqrt_each_lane(F x) {
  if constexpr (sizeof(F) == sizeof(double)) {
    return sqrt(x);
  } else {
    for (int lane = 0; lane < static_cast<int>(sizeof(F) / sizeof(double)); ++lane) x[lane] = sqrt(x[lane]);
    return x;
  }
}

// B Box–Muller pairs (philox.h, normal4): out[2b] = r cos(2 pi angle[b]) and out[2b + 1] =
// r sin(2 pi angle[b]) with r = sqrt(-2 ln radius[b]), for uniforms radius[b], angle[b] in (0, 1).
// The B logs' series and the B sines' and cosines' polynomials run step by step in one loop:
// 3B chains side by side instead of the logs' B and then the sines' and cosines' 2B (measured
// apart, five pairs of 8 lanes: 204 -> 164 cycles). Each value's operations are those of
// log_each and sincos_2pi_each, so the bits are theirs whatever B.
template <class F, class U, int B>
RTK_HD inline void box_muller_each(const F* radius, const F* angle, F* out) {
  static_assert(kLogTerms >= kCosTerms && kCosTerms >= kSinTerms, "the loop runs to the longest series");
  constexpr AtanhSeries log_series;
  constexpr SinCosSeries sincos_series;
  F s[B], s2[B], e[B], p[B], q[B], theta[B], t2[B], sp[B], cp[B];
  for (int b = 0; b < B; ++b) {
    log_reduce<F, U>(radius[b], s[b], s2[b], e[b]);
    p[b] = F{} + log_series.c[0];
    sincos_2pi_reduce(angle[b], q[b], theta[b], t2[b]);
    sp[b] = F{} + sincos_series.sin[0];
    cp[b] = F{} + sincos_series.cos[0];
  }
  RTK_INTERLEAVED_LOOP
  for (int c = 1; c < kLogTerms; ++c)
    for (int b = 0; b < B; ++b) {
      p[b] = p[b] * s2[b] + log_series.c[c];
      if (c < kSinTerms) sp[b] = sp[b] * t2[b] + sincos_series.sin[c];
      if (c < kCosTerms) cp[b] = cp[b] * t2[b] + sincos_series.cos[c];
    }
  for (int b = 0; b < B; ++b) {
    F sin_a, cos_a;
    sincos_2pi_finish(q[b], theta[b], t2[b], sp[b], cp[b], sin_a, cos_a);
    const F r = sqrt_each_lane(-2.0 * log_finish(s[b], s2[b], e[b], p[b]));
    out[2 * b] = r * cos_a;
    out[2 * b + 1] = r * sin_a;
  }
}

}  // namespace rtk
