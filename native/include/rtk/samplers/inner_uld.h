// The inner chain of RTK-ULD (Algorithm 3): underdamped Langevin on the segment potential g,
// each step the exact Gaussian transition with grad g frozen at the step's start. Without an
// explicit step size / friction, L (the smoothness of g) is estimated from secants of the
// gradients the chain evaluates anyway, gamma = 2 sqrt(L) (critical damping of the stiffest
// direction) and tau = c / sqrt(L) with c = min(0.5, 3 / steps): every chain integrates for
// about the same time, 3 / sqrt(L), and a longer chain spends its NFE on smaller steps, since the
// frozen-gradient step inflates the stationary variance by O(c^2) (measured on the paper's
// target: ~9% at c = 0.3). On bench/suite.js, 3 / steps instead of 9 / steps moved RTK-ULD from
// 6/15 to 11/15 goal checks passed, with every marginal-accuracy margin positive. The first step
// of a segment, taken before any secant of this segment exists, uses c <= 0.1. The chain itself
// (the score, grad g, the secants, the moves; fused on the CPU with the built-in mixture) is
// unadjusted_chain.h.
#pragma once
#include <algorithm>
#include <cmath>

#include "../kernels/segment_potential.h"
#include "../kernels/uld.h"
#include "run_context.h"
#include "unadjusted_chain.h"
#include "workspace.h"

namespace rtk {

template <class Real, class Exec>
void inner_uld(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, int segment, int segments,
               const SegmentPotential& pot, double t, int steps, double& curvature, SegmentStats& seg) {
  const Plan& plan = ctx.plan;
  const bool adapt = !(plan.step_size > 0 && plan.friction > 0);
  const uint32_t k = static_cast<uint32_t>(segment);
  // Step `step`'s move from the curvature so far, recorded in the segment's statistics.
  const auto move_at = [&](int step) {
    const double c = std::min(0.5, 3.0 / steps);
    const double tau = plan.step_size > 0 ? plan.step_size : (step == 0 ? std::min(c, 0.1) : c) / std::sqrt(curvature);
    const double gamma = plan.friction > 0 ? plan.friction : 2.0 * std::sqrt(curvature);
    seg.step_size = tau;
    seg.friction = gamma;
    const uint32_t s = static_cast<uint32_t>(step);
    UnadjustedMove move;
    move.kind = UnadjustedMove::Uld;
    move.uld = uld_coefficients(gamma, tau);
    move.noise = StreamId{plan.seed, k, s, Purpose::Noise};
    move.noise2 = StreamId{plan.seed, k, s, Purpose::Noise2};
    return move;
  };
  const StreamId velocity{plan.seed, k, 0, Purpose::Velocity};
  unadjusted_chain(ctx, w, segment, segments, pot, t, steps, adapt, curvature, &velocity, move_at);
}

}  // namespace rtk
