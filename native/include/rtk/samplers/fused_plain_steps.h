// Grid steps of x on the CPU with the built-in mixture, each one fused kernel (fused_score_step):
// x moves into the tiled layout (in the proposal buffer, which plain steps do not use), the
// steps run, and x moves back. What DDPM/DDIM runs and the hybrid RTK schedule's plain-step
// segments share: the same bits, statistics, checkpoints and errors as their unfused forms.
// Annealed Langevin's steps at one noise level are the same fused kernel (fused_langevin_steps);
// Heun's steps on the probability-flow ODE are one fused kernel each (fused_heun_steps).
#pragma once
#include <cstdint>

#include "../kernels/fused_heun_step.h"
#include "../kernels/fused_score_step.h"
#include "../kernels/score_step.h"
#include "../kernels/tiled_layout.h"
#include "run_context.h"
#include "workspace.h"

namespace rtk {

// How grid step k (t_k -> t_{k+1}) goes: its coefficients, the purpose of its noise stream
// (segment k, step 0), the `steps` it reports (statistics and checkpoint) and the step a
// non-finite score is named at (-1: the segment's warm start).
struct PlainStep {
  ScoreStep coefficients;
  Purpose noise;
  int steps;
  int error_step;
};

#if !defined(__CUDA_ARCH__)
// Grid steps [k, end): step_at(k) -> PlainStep; the score is evaluated at t_k.
template <class Real, class StepAt>
void fused_plain_steps(RunContext<Real, ThreadPool>& ctx, Workspace<Real, ThreadPool>& w, const GaussianMixture& m,
                       int k, int end, StepAt&& step_at) {
  const Plan& plan = ctx.plan;
  const Batch& batch = ctx.batch;
  const int segments = static_cast<int>(plan.times.size()) - 1;
  Real* x_tiles = w.z_prop.data();
  to_tiles(ctx.pool, batch.n, batch.d, w.x.data(), x_tiles);
  static thread_local GaussianMixture::AtTime at;  // refilled in place each step
  for (; k < end; ++k) {
    const double a = plan.times[k], b = plan.times[k + 1];
    const PlainStep step = step_at(k);
    ctx.checkpoint(k, segments, 0, step.steps);
    m.at_time(a, at);
    ctx.count_evaluation(false);
    const NonFinite bad = fused_score_step(ctx.pool, batch, m, at, step.coefficients, x_tiles,
                                           StreamId{plan.seed, static_cast<uint32_t>(k), 0, step.noise});
    ctx.require_finite(bad, "the score", k, step.error_step, a);
    SegmentStats s = step_stats(a, b, step.steps);
    s.nfe = 1;
    ctx.stats.segments.push_back(s);
  }
  from_tiles(ctx.pool, batch.n, batch.d, x_tiles, w.x.data());
}

// Annealed Langevin's `steps` steps at level k, time t (run_ald, baselines.h), on x already in
// the tiled layout: x' = x + tau score(x, t) + sqrt(2 tau) xi, step s with the noise stream
// (seed, k, s, Noise), each one fused kernel; the same bits, statistics, checkpoints and errors
// as the unfused steps (the score, its check, score_step).
template <class Real>
void fused_langevin_steps(RunContext<Real, ThreadPool>& ctx, const GaussianMixture& m, Real* x_tiles, int k,
                          int levels, double t, double tau, int steps) {
  static thread_local GaussianMixture::AtTime at;  // refilled in place each level
  m.at_time(t, at);
  const ScoreStep c = langevin_coefficients(tau, 1.0);
  for (int step = 0; step < steps; ++step) {
    ctx.checkpoint(k, levels, step, steps);
    ctx.count_evaluation(false);
    const StreamId noise{ctx.plan.seed, static_cast<uint32_t>(k), static_cast<uint32_t>(step), Purpose::Noise};
    ctx.require_finite(fused_score_step(ctx.pool, ctx.batch, m, at, c, x_tiles, noise), "the score", k, step, t);
  }
}

// Heun's steps on the probability-flow ODE over the whole grid (run_pf_heun, baselines.h), x
// moving into the tiled layout (in z_prop) and back: each step with b > 0 one fused Heun step
// (fused_heun_step), a step ending at 0 the Euler step alone (fused_score_step without noise);
// the same bits, statistics, checkpoints and errors as the unfused steps.
template <class Real>
void fused_heun_steps(RunContext<Real, ThreadPool>& ctx, Workspace<Real, ThreadPool>& w, const GaussianMixture& m) {
  const Plan& plan = ctx.plan;
  const Batch& batch = ctx.batch;
  const int steps = static_cast<int>(plan.times.size()) - 1;
  Real* x_tiles = w.z_prop.data();
  to_tiles(ctx.pool, batch.n, batch.d, w.x.data(), x_tiles);
  static thread_local GaussianMixture::AtTime at_a, at_b;  // refilled in place each step
  for (int k = 0; k < steps; ++k) {
    ctx.checkpoint(k, steps, 0, 1);
    const double a = plan.times[k], b = plan.times[k + 1], h = a - b;
    SegmentStats s = step_stats(a, b, 1);
    m.at_time(a, at_a);
    ctx.count_evaluation(false);
    if (b > 0) {
      m.at_time(b, at_b);
      ctx.count_evaluation(false);
      const HeunFound bad = fused_heun_step(ctx.pool, batch, m, at_a, at_b, pf_euler_coefficients(a, b), h, x_tiles);
      ctx.require_finite(bad.at_start, "the score", k, 0, a);
      ctx.require_finite(bad.at_predictor, "the score", k, 1, b);
      s.nfe = 2;
    } else {
      const NonFinite bad = fused_score_step(ctx.pool, batch, m, at_a, pf_euler_coefficients(a, b), x_tiles,
                                             StreamId{plan.seed, static_cast<uint32_t>(k), 0, Purpose::Noise});
      ctx.require_finite(bad, "the score", k, 0, a);
      s.nfe = 1;
    }
    ctx.stats.segments.push_back(s);
  }
  from_tiles(ctx.pool, batch.n, batch.d, x_tiles, w.x.data());
}
#endif

}  // namespace rtk
