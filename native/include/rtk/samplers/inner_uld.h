// The inner chain of RTK-ULD (Algorithm 3): underdamped Langevin on the segment potential g,
// each step the exact Gaussian transition with grad g frozen at the step's start. Without an
// explicit step size / friction, L (the smoothness of g) is estimated from secants of the
// gradients the chain evaluates anyway, gamma = 2 sqrt(L) (critical damping of the stiffest
// direction) and tau = c / sqrt(L) with c = min(0.5, 3 / steps): every chain integrates for
// about the same time, 3 / sqrt(L), and a longer chain spends its NFE on smaller steps, since the
// frozen-gradient step inflates the stationary variance by O(c^2) (measured on the paper's
// target: ~9% at c = 0.3). On bench/suite.js, 3 / steps instead of 9 / steps moved RTK-ULD from
// 6/15 to 11/15 goal checks passed, with every marginal-accuracy margin positive. The first step
// of a segment, taken before any secant of this segment exists, uses c <= 0.1.
#pragma once
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "../kernels/segment_potential.h"
#include "../kernels/uld.h"
#include "curvature.h"
#include "run_context.h"
#include "workspace.h"

namespace rtk {

template <class Real, class Exec>
void inner_uld(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, int segment, int segments,
               const SegmentPotential& pot, double t, int steps, double& curvature, SegmentStats& seg) {
  const Plan& plan = ctx.plan;
  const Batch& b = ctx.batch;
  const size_t values = ctx.values();
  Real* v = w.aux.data();
  Exec& pool = ctx.pool;
  fill_normals_batch(pool, b, StreamId{plan.seed, static_cast<uint32_t>(segment), 0, Purpose::Velocity}, v);
  for (int step = 0; step < steps; ++step) {
    ctx.checkpoint(segment, segments, step, steps);
    ctx.evaluate(w.z.data(), t, w.score.data(), nullptr);
    ctx.require_finite(w.score.data(), values, "the score", segment, step, t);
    segment_potential_batch(pool, b, pot, w.x.data(), w.z.data(), w.score.data(), static_cast<const Real*>(nullptr),
                            w.grad_g.data(), static_cast<Real*>(nullptr));
    if (step > 0 && !(plan.step_size > 0 && plan.friction > 0)) {
      const double secant =
          mean_secant_curvature(pool, b, w.z_prop.data(), w.grad_g_prop.data(), w.z.data(), w.grad_g.data());
      if (std::isfinite(secant) && secant > 0) curvature = secant;
    }
    const double c = std::min(0.5, 3.0 / steps);
    const double tau = plan.step_size > 0 ? plan.step_size : (step == 0 ? std::min(c, 0.1) : c) / std::sqrt(curvature);
    const double gamma = plan.friction > 0 ? plan.friction : 2.0 * std::sqrt(curvature);
    const uint32_t s = static_cast<uint32_t>(step), k = static_cast<uint32_t>(segment);
    // Keep this point and its gradient for the next step's secant: z is stepped in place, so it
    // is copied; grad_g is recomputed whole every step, so the two gradient buffers trade places
    // instead (neither is a tiled buffer of a fused kernel, so their sizes may trade too).
    copy_values(pool, w.z.data(), values, w.z_prop.data());
    std::swap(w.grad_g, w.grad_g_prop);
    uld_step(pool, b, uld_coefficients(gamma, tau), w.z.data(), v, w.grad_g_prop.data(),
             StreamId{plan.seed, k, s, Purpose::Noise}, StreamId{plan.seed, k, s, Purpose::Noise2});
    seg.step_size = tau;
    seg.friction = gamma;
  }
}

}  // namespace rtk
