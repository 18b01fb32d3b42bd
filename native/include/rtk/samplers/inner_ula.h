// The inner chain of RTK-ULA (rtk-math.md "Inner ULA"): unadjusted Langevin on the segment
// potential g, z' = z - tau grad g(z) + sqrt(2 tau) xi. Without an explicit step size,
// tau = 0.25 / L with L from the same secant estimate as ULD. The chain itself (the score,
// grad g, the secants, the moves; fused on the CPU with the built-in mixture) is
// unadjusted_chain.h.
#pragma once
#include <cstdint>

#include "../kernels/segment_potential.h"
#include "../kernels/score_step.h"
#include "run_context.h"
#include "unadjusted_chain.h"
#include "workspace.h"

namespace rtk {

template <class Real, class Exec>
void inner_ula(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, int segment, int segments,
               const SegmentPotential& pot, double t, int steps, double& curvature, SegmentStats& seg) {
  const Plan& plan = ctx.plan;
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
  unadjusted_chain(ctx, w, segment, segments, pot, t, steps, adapt, curvature, nullptr, move_at);
}

}  // namespace rtk
