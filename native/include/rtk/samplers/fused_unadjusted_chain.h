// The inner chains of RTK-ULA and RTK-ULD on the CPU with the built-in mixture: each step one
// fused pass (fused_unadjusted_step), on the chain's state in the tiled layout. The same bits,
// statistics, checkpoints and errors as the unfused loop of unadjusted_chain.h, which calls it.
#pragma once
#include "../kernels/fused_unadjusted_step.h"
#include "../kernels/tiled_layout.h"
#include "curvature.h"
#include "run_context.h"
#include "workspace.h"

namespace rtk {

#if !defined(__CUDA_ARCH__)
// The fused chain's state: z, grad g and the anchor tiled in the proposal buffers (which the
// unadjusted chains do not otherwise use), ULD's velocity tiled in aux.
template <class Real>
TiledUnadjustedChain<Real> tiled_unadjusted_chain(Workspace<Real, ThreadPool>& w, bool uld) {
  return TiledUnadjustedChain<Real>{w.z_prop.data(), uld ? w.aux.data() : nullptr, w.grad_g_prop.data(),
                                    w.score_prop.data()};
}

// `steps` steps of the chain from w.z (anchor w.x) at time t, its final z back into w.z; ULD's
// chain (`velocity` not null) starts with v drawn from that stream. Step s's pass makes step
// s - 1's move (move_at(s - 1): that step's move from the curvature then) and evaluates the
// gradient at its end; with `adapt`, the pass's mean secant replaces `curvature` as in the
// unfused step; a last pass makes the last step's move.
template <class Real, class MoveAt>
void fused_unadjusted_chain(RunContext<Real, ThreadPool>& ctx, Workspace<Real, ThreadPool>& w,
                            const GaussianMixture& m, int segment, int segments, const SegmentPotential& pot, double t,
                            int steps, bool adapt, double& curvature, const StreamId* velocity, MoveAt&& move_at) {
  const Batch& b = ctx.batch;
  ThreadPool& pool = ctx.pool;
  const TiledUnadjustedChain<Real> c = tiled_unadjusted_chain(w, velocity != nullptr);
  to_tiles(pool, b.n, b.d, w.z.data(), c.z);
  to_tiles(pool, b.n, b.d, w.x.data(), w.score_prop.data());  // c.anchor
  if (velocity) fill_normals_tiles(pool, b, *velocity, c.v);
  static thread_local GaussianMixture::AtTime at;  // refilled in place each segment
  m.at_time(t, at);
  UnadjustedMove move;  // the first pass only evaluates
  for (int step = 0; step < steps; ++step) {
    ctx.checkpoint(segment, segments, step, steps);
    ctx.count_evaluation(false);
    const UnadjustedPass pass = fused_unadjusted_step(pool, b, m, at, pot, move, true, c);
    ctx.require_finite(pass.bad, "the score", segment, step, t);
    if (step > 0 && adapt) update_curvature(pass.secants.mean(), curvature);
    move = move_at(step);
  }
  if (steps > 0) fused_unadjusted_step(pool, b, m, at, pot, move, false, c);
  from_tiles(pool, b.n, b.d, c.z, w.z.data());
}
#endif

}  // namespace rtk
