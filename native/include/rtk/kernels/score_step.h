// The Gaussian step shared by every score-driven update:  x' = cx x + cs s + cn xi,
// xi ~ N(0, I) from the Noise stream. DDPM, DDIM, Tweedie denoising, the Euler predictor of
// the probability-flow ODE and the Langevin/ULA/MALA proposal are all this step with
// different coefficients (rtk-math.md, "Baselines" and "Inner MALA").
#pragma once
#include <cmath>

#include "../batch.h"
#include "../host_device.h"
#include "../philox.h"
#include "../philox_lanes.h"
#include "../row_columns.h"
#include "../thread_pool.h"

namespace rtk {

struct ScoreStep {
  double cx = 1;  // weight of x
  double cs = 0;  // weight of the score (or of -grad g)
  double cn = 0;  // standard deviation of the added noise
};

// DDPM exponential-integrator Euler–Maruyama from time a to b < a, h = a - b:
// x' = e^h x + 2 (e^h - 1) score(x, a) + sqrt(e^{2h} - 1) xi   (rtk-math.md, Baselines).
inline ScoreStep ddpm_coefficients(double a, double b) {
  const double h = a - b;
  return ScoreStep{std::exp(h), 2.0 * std::expm1(h), std::sqrt(std::expm1(2.0 * h))};
}

// DDIM / probability-flow exponential step from a to b:  x' = e^{-b} x0hat + sqrt(1-e^{-2b}) epshat
// with x0hat = e^a (x + (1 - e^{-2a}) s) and epshat = -sqrt(1 - e^{-2a}) s   (rtk-math.md).
inline ScoreStep ddim_coefficients(double a, double b) {
  const double var_a = -std::expm1(-2.0 * a), var_b = -std::expm1(-2.0 * b);
  const double ratio = std::exp(a - b);
  return ScoreStep{ratio, ratio * var_a - std::sqrt(var_b * var_a), 0.0};
}

// Tweedie's posterior mean E[X_0 | X_t = x] = e^t (x + (1 - e^{-2t}) score(x, t)).
inline ScoreStep tweedie_coefficients(double t) {
  const double scale = std::exp(t);
  return ScoreStep{scale, scale * -std::expm1(-2.0 * t), 0.0};
}

// Euler step of the probability-flow ODE dx/dt = -x - score(x, t) from a to b < a.
inline ScoreStep pf_euler_coefficients(double a, double b) {
  const double h = a - b;
  return ScoreStep{1.0 + h, h, 0.0};
}

// Unadjusted Langevin step on a potential g: z' = z - tau grad g(z) + sqrt(2 tau) xi (with
// s = grad g), or on a log-density with s = score and cs = +tau (pass sign = +1).
inline ScoreStep langevin_coefficients(double tau, double sign) {
  return ScoreStep{1.0, sign * tau, std::sqrt(2.0 * tau)};
}

// Coordinates [4 block, 4 block + 4) of one particle (a GPU thread's unit of work).
template <class Real>
RTK_HD inline void score_step_block(const ScoreStep& c, const Real* x, const Real* s, Real* out, int d,
                                    const StreamId& noise, uint64_t particle, int block) {
  const int end = block * 4 + 4 < d ? block * 4 + 4 : d;
  if (c.cn == 0.0) {
    for (int i = block * 4; i < end; ++i) out[i] = static_cast<Real>(c.cx * x[i] + c.cs * s[i]);
    return;
  }
  double four[4];
  normal4(philox_block(noise, particle, static_cast<uint32_t>(block)), four);
  for (int i = block * 4; i < end; ++i)
    out[i] = static_cast<Real>(c.cx * x[i] + c.cs * s[i] + c.cn * four[i - block * 4]);
}

template <class Real>
RTK_HD inline void score_step_particle(const ScoreStep& c, const Real* x, const Real* s, Real* out,
                                       int d, const StreamId& noise, uint64_t particle) {
  for (int block = 0; block * 4 < d; ++block) score_step_block(c, x, s, out, d, noise, particle, block);
}

#if !defined(__CUDA_ARCH__)
// Coordinates [begin, end) of kLanes rows from x, s and the normals xi (xi[i - begin]: tiles of
// the rows' coordinate i), stepped into out: score_step_block's arithmetic row by row, the
// normals turned into rows first (rows_of_tiles), then a loop over the values (for_buffered_values).
template <class Real>
inline void score_step_rows(const ScoreStep& c, const Real* x, const Real* s, Real* out, int d, const Lanes* xi,
                            int begin, int end) {
  static_assert(kNormalGroup <= kRowBufferWidth, "a group of normals fits a row buffer");
  const int w = end - begin;
  RowBuffer noise;
  rows_of_tiles(xi, w, noise);
  for_buffered_values(kLanes, d, begin, w, [&](size_t at, int k) {
    out[at] = static_cast<Real>(c.cx * x[at] + c.cs * s[at] + c.cn * noise[k]);
  });
}

// The batched step; out may alias x.
template <class Real>
void score_step(ThreadPool& pool, const Batch& b, const ScoreStep& c, const Real* x, const Real* s,
                Real* out, const StreamId& noise) {
  const size_t d = static_cast<size_t>(b.d);
  pool.parallel_for(b.n, [&](size_t begin, size_t end) {
    if (c.cn == 0.0) {
      // Without noise (DDIM, Tweedie, the probability-flow Euler step) the rows' values are one
      // flat range, in one loop that vectorises: score_step_block's arithmetic value by value
      // (bench/kernels, score_step (ddim), 1 thread: 4.6x faster at n = 20,000, 7.7x at 2,000,
      // than row by row).
      for (size_t i = begin * d; i < end * d; ++i) out[i] = static_cast<Real>(c.cx * x[i] + c.cs * s[i]);
      return;
    }
    // Whole tiles with their noise drawn at once, the same bits as score_step_particle row by
    // row, each tile's Philox words a tile ahead where they fit (for_tiles_with_normals;
    // bench/kernels, n = 20,000, 1 thread: score_step (ddpm) 1.53 -> 1.41 ns per particle and
    // dimension, ula_step 1.52 -> 1.42).
    const StreamId streams[1] = {noise};
    size_t p = for_tiles_with_normals(streams, b.particle_offset, begin, end, b.d,
                                      [&](size_t row, const Lanes(&xi)[1][kNormalGroup], int first, int last) {
                                        score_step_rows(c, x + row * d, s + row * d, out + row * d, b.d, xi[0],
                                                        first, last);
                                      });
    for (; p < end; ++p)
      score_step_particle(c, x + p * d, s + p * d, out + p * d, b.d, noise, b.particle_offset + p);
  });
}

#endif  // the CPU paths

}  // namespace rtk
