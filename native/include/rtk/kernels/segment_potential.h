// The RTK segment target (Algorithm 1; rtk-math.md "RTK"): for anchor x, eta and t,
//   g(z)      = energy(z, t) + ||x - e^{-eta} z||^2 / (2 sigma2),   sigma2 = 1 - e^{-2 eta}
//   grad g(z) = -score(z, t) + e^{-eta} (e^{-eta} z - x) / sigma2
#pragma once
#include <cmath>

#include "../batch.h"
#include "../host_device.h"
#include "../thread_pool.h"

namespace rtk {

struct SegmentPotential {
  double decay;   // e^{-eta}
  double sigma2;  // 1 - e^{-2 eta}
};

inline SegmentPotential segment_potential(double eta) {
  return SegmentPotential{std::exp(-eta), -std::expm1(-2.0 * eta)};
}

// One coordinate of grad g from r = e^{-eta} z - x and the score there: -score + e^{-eta} r /
// sigma2, for a double or lane by lane for a GCC vector of doubles (the fused kernels).
template <class F>
RTK_HD inline F segment_gradient(const SegmentPotential& s, F r, F score) {
  return -score + s.decay * r / s.sigma2;
}

// One particle: grad_g from score; g from energy when both are non-null.
template <class Real>
RTK_HD inline void segment_potential_particle(const SegmentPotential& s, const Real* anchor, const Real* z,
                                              const Real* score, const Real* energy, Real* grad_g, Real* g,
                                              int d) {
  double quad = 0;
  for (int i = 0; i < d; ++i) {
    const double r = s.decay * z[i] - anchor[i];
    quad += r * r;
    grad_g[i] = static_cast<Real>(segment_gradient(s, r, static_cast<double>(score[i])));
  }
  if (g && energy) *g = static_cast<Real>(static_cast<double>(*energy) + quad / (2.0 * s.sigma2));
}

// Batched: energy and g may be null together (score-only samplers).
template <class Real>
void segment_potential_batch(ThreadPool& pool, const Batch& b, const SegmentPotential& s, const Real* anchor,
                             const Real* z, const Real* score, const Real* energy, Real* grad_g, Real* g) {
  const size_t d = static_cast<size_t>(b.d);
  pool.parallel_for(b.n, [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; ++p)
      segment_potential_particle(s, anchor + p * d, z + p * d, score + p * d, energy ? energy + p : nullptr,
                                 grad_g + p * d, g ? g + p : nullptr, b.d);
  });
}

}  // namespace rtk
