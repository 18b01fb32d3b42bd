// The inner chain of RTK-ULA and RTK-ULD (rtk-math.md "Inner ULA", "Inner ULD"), whichever move
// its steps make: each step the score at z, its check, grad g, the secant curvature against the
// previous step's point and gradient (with `adapt`, it replaces `curvature`: update_curvature),
// then move_at(step), that step's move from the curvature so far: ULA's step (ula_step) or ULD's
// exact transition (uld_step). On the CPU with the built-in mixture the chain runs fused
// (fused_unadjusted_chain.h).
#pragma once
#include <type_traits>
#include <utility>

#include "../kernels/score_step.h"
#include "../kernels/segment_potential.h"
#include "../kernels/uld.h"
#include "curvature.h"
#include "fused_unadjusted_chain.h"
#include "run_context.h"
#include "workspace.h"

namespace rtk {

// `steps` steps of the chain from w.z (anchor w.x) at time t, in place; ULD's chain (`velocity`
// not null) starts with v drawn from that stream (in w.aux).
template <class Real, class Exec, class MoveAt>
void unadjusted_chain(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, int segment, int segments,
                      const SegmentPotential& pot, double t, int steps, bool adapt, double& curvature,
                      const StreamId* velocity, MoveAt&& move_at) {
  if constexpr (std::is_same_v<Exec, ThreadPool>) {
    if (const GaussianMixture* m = ctx.built_in_mixture()) {
      fused_unadjusted_chain(ctx, w, *m, segment, segments, pot, t, steps, adapt, curvature, velocity, move_at);
      return;
    }
  }
  const Batch& b = ctx.batch;
  const size_t values = ctx.values();
  Exec& pool = ctx.pool;
  Real* v = w.aux.data();
  if (velocity) fill_normals_batch(pool, b, *velocity, v);
  for (int step = 0; step < steps; ++step) {
    ctx.checkpoint(segment, segments, step, steps);
    ctx.evaluate(w.z.data(), t, w.score.data(), nullptr);
    ctx.require_finite(w.score.data(), values, "the score", segment, step, t);
    segment_potential_batch(pool, b, pot, w.x.data(), w.z.data(), w.score.data(), static_cast<const Real*>(nullptr),
                            w.grad_g.data(), static_cast<Real*>(nullptr));
    if (step > 0 && adapt)
      update_curvature(
          mean_secant_curvature(pool, b, w.z_prop.data(), w.grad_g_prop.data(), w.z.data(), w.grad_g.data()),
          curvature);
    const UnadjustedMove move = move_at(step);
    // Keep this point and its gradient for the next step's secant. z is copied: it is stepped in
    // place, and z_prop must keep its own (tiled) size, since the hybrid schedule's fused plain
    // steps use it for the tiled x. grad_g is recomputed whole every step, so the two gradient
    // buffers trade places instead.
    copy_values(pool, w.z.data(), values, w.z_prop.data());
    std::swap(w.grad_g, w.grad_g_prop);
    if (move.kind == UnadjustedMove::Uld)
      uld_step(pool, b, move.uld, w.z.data(), v, w.grad_g_prop.data(), move.noise, move.noise2);
    else
      score_step(pool, b, move.ula, w.z.data(), w.grad_g_prop.data(), w.z.data(), move.noise);  // ula_step
  }
}

}  // namespace rtk
