// The inner chain of RTK-ULA (rtk-math.md "Inner ULA"): unadjusted Langevin on the segment
// potential g, z' = z - tau grad g(z) + sqrt(2 tau) xi. Without an explicit step size,
// tau = 0.25 / L with L from the same secant estimate as ULD. On the CPU with the built-in
// mixture, the chain runs fused (fused_unadjusted_chain.h).
#pragma once
#include <cmath>
#include <type_traits>
#include <utility>

#include "../kernels/segment_potential.h"
#include "../kernels/score_step.h"
#include "curvature.h"
#include "fused_unadjusted_chain.h"
#include "run_context.h"
#include "workspace.h"

namespace rtk {

template <class Real, class Exec>
void inner_ula(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, int segment, int segments,
               const SegmentPotential& pot, double t, int steps, double& curvature, SegmentStats& seg) {
  const Plan& plan = ctx.plan;
  const Batch& b = ctx.batch;
  const size_t values = ctx.values();
  const bool adapt = !(plan.step_size > 0);
  // Step `step`'s move from the curvature so far, recorded in the segment's statistics.
  const auto move_at = [&](int step) {
    const double tau = plan.step_size > 0 ? plan.step_size : 0.25 / curvature;
    seg.step_size = tau;
    UnadjustedMove move;
    move.kind = UnadjustedMove::Ula;
    move.ula = langevin_coefficients(tau, -1.0);
    move.noise = StreamId{plan.seed, static_cast<uint32_t>(segment), static_cast<uint32_t>(step), Purpose::Noise};
    return move;
  };
  if constexpr (std::is_same_v<Exec, ThreadPool>) {
    if (const GaussianMixture* m = ctx.built_in_mixture()) {
      fused_unadjusted_chain(ctx, w, *m, segment, segments, pot, t, steps, adapt, curvature, nullptr, move_at);
      return;
    }
  }
  for (int step = 0; step < steps; ++step) {
    ctx.checkpoint(segment, segments, step, steps);
    ctx.evaluate(w.z.data(), t, w.score.data(), nullptr);
    ctx.require_finite(w.score.data(), values, "the score", segment, step, t);
    segment_potential_batch(ctx.pool, b, pot, w.x.data(), w.z.data(), w.score.data(),
                            static_cast<const Real*>(nullptr), w.grad_g.data(), static_cast<Real*>(nullptr));
    if (step > 0 && adapt) {
      const double secant =
          mean_secant_curvature(ctx.pool, b, w.z_prop.data(), w.grad_g_prop.data(), w.z.data(), w.grad_g.data());
      if (std::isfinite(secant) && secant > 0) curvature = secant;
    }
    const UnadjustedMove move = move_at(step);
    // Keep this point and its gradient for the next step's secant. z is copied: z_prop must keep
    // its own (tiled) size, since the hybrid schedule's fused plain steps use it for the tiled x.
    // grad_g is recomputed whole every step, so the two gradient buffers trade places instead.
    copy_values(ctx.pool, w.z.data(), values, w.z_prop.data());
    std::swap(w.grad_g, w.grad_g_prop);
    score_step(ctx.pool, b, move.ula, w.z.data(), w.grad_g_prop.data(), w.z.data(), move.noise);
  }
}

}  // namespace rtk
