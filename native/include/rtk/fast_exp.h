// exp(x) for x <= 0, branch-free so that loops over it vectorise: Cody–Waite reduction
// x = k ln2 + r, |r| <= ln2/2, and the degree-13 Taylor polynomial of e^r (truncation error
// < 1e-17 relative), scaled by 2^k built from the exponent bits. Inputs below -708 give
// e^-708. Plain IEEE additions and multiplications only, so every ISA gives the same bits.
#pragma once
#include <cstdint>
#include <cstring>

#include "host_device.h"

namespace rtk {

// The same arithmetic for a scalar (F = double, U = uint64_t) or, lane by lane, for a GCC
// vector of doubles (F) with the matching vector of uint64 (U).
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

}  // namespace rtk
