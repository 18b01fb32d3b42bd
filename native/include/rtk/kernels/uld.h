// Underdamped Langevin with a frozen gradient, stepped exactly (Algorithm 3 of Huang et al.
// 2024; rtk-math.md "Inner ULD"): with e = e^{-gamma tau},
//   z' = z + (1-e)/gamma v - (tau - (1-e)/gamma)/gamma grad g(z) + xi_z
//   v' = e v - (1-e)/gamma grad g(z) + xi_v
// and (xi_z, xi_v) per coordinate jointly Gaussian, drawn through a 2x2 Cholesky factor.
#pragma once
#include <cmath>

#include "../batch.h"
#include "../host_device.h"
#include "../philox.h"
#include "../philox_lanes.h"
#include "../row_columns.h"
#include "../thread_pool.h"

namespace rtk {

struct UldCoefficients {
  double e;        // e^{-gamma tau}
  double c_v;      // (1 - e) / gamma: weight of v in z', and of -grad g in v'
  double c_grad;   // (tau - (1 - e)/gamma) / gamma: weight of -grad g in z'
  double l_zz;     // Cholesky factor of Cov(xi_z, xi_v): xi_z = l_zz n1
  double l_vz;     //   xi_v = l_vz n1 + l_vv n2
  double l_vv;
};

// gamma^2 Var xi_z = 2x - 3 + 4e^{-x} - e^{-2x} with x = gamma tau. For small x the closed form
// cancels catastrophically (the leading term is (2/3) x^3), so sum the series
// sum_{k>=3} (-1)^k (4 - 2^k) x^k / k! there.
inline double uld_position_variance_scaled(double x) {
  if (x > 0.5) return 2.0 * x + 4.0 * std::expm1(-x) - std::expm1(-2.0 * x);
  double sum = 0, power = x * x, factorial = 2.0;
  for (int k = 3; k <= 30; ++k) {
    power *= x;
    factorial *= k;
    const double sign = (k % 2 == 0) ? 1.0 : -1.0;
    sum += sign * (4.0 - std::ldexp(1.0, k)) * power / factorial;
  }
  return sum;
}

// gamma^2 c_grad = x - (1 - e^{-x}) with x = gamma tau: the same cancellation for small x (the
// leading term is x^2 / 2), so sum the series sum_{k>=2} (-x)^k / k! there.
inline double uld_drift_scaled(double x) {
  if (x > 0.5) return x + std::expm1(-x);
  double sum = 0, term = 1.0;
  for (int k = 1; k <= 30; ++k) {
    term *= -x / k;
    if (k >= 2) sum += term;
  }
  return sum;
}

inline UldCoefficients uld_coefficients(double gamma, double tau) {
  const double x = gamma * tau;
  const double one_minus_e = -std::expm1(-x);
  const double var_z = uld_position_variance_scaled(x) / (gamma * gamma);
  const double var_v = -std::expm1(-2.0 * x);
  const double cov = one_minus_e * one_minus_e / gamma;
  UldCoefficients c;
  c.e = std::exp(-x);
  c.c_v = one_minus_e / gamma;
  c.c_grad = uld_drift_scaled(x) / (gamma * gamma);
  c.l_zz = std::sqrt(var_z);
  c.l_vz = var_z > 0 ? cov / c.l_zz : 0.0;
  const double conditional = var_v - c.l_vz * c.l_vz;
  c.l_vv = conditional > 0 ? std::sqrt(conditional) : 0.0;
  return c;
}

// Coordinates [4 block, 4 block + 4) of one particle's exact step, in place (a GPU thread's
// unit of work). n1 comes from `noise`, n2 from `noise2`.
template <class Real>
RTK_HD inline void uld_step_block(const UldCoefficients& c, Real* z, Real* v, const Real* grad_g, int d,
                                  const StreamId& noise, const StreamId& noise2, uint64_t particle, int block) {
  double n1[4], n2[4];
  normal4(philox_block(noise, particle, static_cast<uint32_t>(block)), n1);
  normal4(philox_block(noise2, particle, static_cast<uint32_t>(block)), n2);
  const int end = block * 4 + 4 < d ? block * 4 + 4 : d;
  for (int i = block * 4; i < end; ++i) {
    const double a = n1[i - block * 4], b = n2[i - block * 4];
    const double zi = z[i], vi = v[i], gi = grad_g[i];
    z[i] = static_cast<Real>(zi + c.c_v * vi - c.c_grad * gi + c.l_zz * a);
    v[i] = static_cast<Real>(c.e * vi - c.c_v * gi + c.l_vz * a + c.l_vv * b);
  }
}

// One particle's exact step, in place.
template <class Real>
RTK_HD inline void uld_step_particle(const UldCoefficients& c, Real* z, Real* v, const Real* grad_g, int d,
                                     const StreamId& noise, const StreamId& noise2, uint64_t particle) {
  for (int block = 0; block * 4 < d; ++block) uld_step_block(c, z, v, grad_g, d, noise, noise2, particle, block);
}

#if !defined(__CUDA_ARCH__)
// Coordinates [begin, end) of kLanes rows of z and v stepped in place with the normals n1 and n2
// (n1[i - begin]: tiles of the rows' coordinate i): uld_step_block's arithmetic row by row, the
// normals turned into rows first (rows_of_tiles), then a loop over the values (for_buffered_values).
template <class Real>
inline void uld_step_rows(const UldCoefficients& c, Real* z, Real* v, const Real* grad_g, int d, const Lanes* n1,
                          const Lanes* n2, int begin, int end) {
  static_assert(kNormalGroup <= kRowBufferWidth, "a group of normals fits a row buffer");
  const int w = end - begin;
  RowBuffer rows1, rows2;
  rows_of_tiles(n1, w, rows1);
  rows_of_tiles(n2, w, rows2);
  for_buffered_values(kLanes, d, begin, w, [&](size_t at, int k) {
    const double a = rows1[k], b = rows2[k];
    const double zi = z[at], vi = v[at], gi = grad_g[at];
    z[at] = static_cast<Real>(zi + c.c_v * vi - c.c_grad * gi + c.l_zz * a);
    v[at] = static_cast<Real>(c.e * vi - c.c_v * gi + c.l_vz * a + c.l_vv * b);
  });
}

template <class Real>
void uld_step(ThreadPool& pool, const Batch& b, const UldCoefficients& c, Real* z, Real* v, const Real* grad_g,
              const StreamId& noise, const StreamId& noise2) {
  const size_t d = static_cast<size_t>(b.d);
  pool.parallel_for(b.n, [&](size_t begin, size_t end) {
    // Whole tiles with their noise drawn at once, the same bits as uld_step_particle row by row,
    // both streams' Philox words a tile ahead where they fit (for_tiles_with_normals;
    // bench/kernels, n = 20,000, 1 thread: uld_step 2.77 -> 2.59 ns per particle and dimension).
    const StreamId streams[2] = {noise, noise2};
    size_t p = for_tiles_with_normals(streams, b.particle_offset, begin, end, b.d,
                                      [&](size_t row, const Lanes(&xi)[2][kNormalGroup], int first, int last) {
                                        uld_step_rows(c, z + row * d, v + row * d, grad_g + row * d, b.d, xi[0],
                                                      xi[1], first, last);
                                      });
    for (; p < end; ++p)
      uld_step_particle(c, z + p * d, v + p * d, grad_g + p * d, b.d, noise, noise2, b.particle_offset + p);
  });
}

#endif  // the CPU paths

}  // namespace rtk
