// The standard samplers RTK is compared with (rtk-math.md, "Baselines"), on a time grid
// t_0 = T > ... > t_K: DDPM (exponential-integrator Euler–Maruyama of the reverse SDE), DDIM
// (the exponential probability-flow step), Heun on the probability-flow ODE, and annealed
// Langevin dynamics; each optionally followed by a Tweedie denoise at t_K.
#pragma once
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "../kernels/score_step.h"
#include "fused_plain_steps.h"
#include "rtk.h"
#include "run_context.h"
#include "workspace.h"

namespace rtk {

namespace detail {

template <class Real, class Exec>
void score_at(RunContext<Real, Exec>& ctx, const Real* x, double t, Real* out, int segment, int step) {
  ctx.evaluate(x, t, out, nullptr);
  ctx.require_finite(out, ctx.values(), "the score", segment, step, t);
}

template <class Real, class Exec>
void plain_step(RunContext<Real, Exec>& ctx, const ScoreStep& c, Real* x, const Real* s, int segment, int step) {
  score_step(ctx.pool, ctx.batch, c, x, s, x,
             StreamId{ctx.plan.seed, static_cast<uint32_t>(segment), static_cast<uint32_t>(step), Purpose::Noise});
}

// Tweedie's denoise at the grid's last time (1 NFE), when asked for and t_K > 0.
template <class Real, class Exec>
void final_denoise(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w) {
  const Plan& plan = ctx.plan;
  const double t = plan.times.back();
  if (!plan.final_denoise || !(t > 0)) return;
  const int k = static_cast<int>(plan.times.size()) - 1;
  ctx.checkpoint(k, k + 1, 0, 1);
  const int before = ctx.stats.nfe;
  score_at(ctx, w.x.data(), t, w.score.data(), k, 0);
  plain_step(ctx, tweedie_coefficients(t), w.x.data(), w.score.data(), k, 0);
  SegmentStats s = step_stats(t, 0.0, 1);
  s.nfe = ctx.stats.nfe - before;
  ctx.stats.segments.push_back(s);
}

}  // namespace detail

// DDPM or DDIM: one score evaluation per grid step. On the CPU with the built-in mixture each
// step is one fused kernel.
template <class Real, class Exec>
void run_ddpm_ddim(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, bool stochastic) {
  const Plan& plan = ctx.plan;
  const int steps = static_cast<int>(plan.times.size()) - 1;
  draw_initial(ctx, w.x.data());
  bool fused = false;
  if constexpr (std::is_same_v<Exec, ThreadPool>) {
    if (const GaussianMixture* m = ctx.built_in_mixture()) {
      fused_plain_steps(ctx, w, *m, 0, steps, [&](int k) {
        const double a = plan.times[k], b = plan.times[k + 1];
        return PlainStep{stochastic ? ddpm_coefficients(a, b) : ddim_coefficients(a, b), Purpose::Noise, 1, 0};
      });
      fused = true;
    }
  }
  for (int k = 0; k < steps && !fused; ++k) {
    ctx.checkpoint(k, steps, 0, 1);
    const double a = plan.times[k], b = plan.times[k + 1];
    detail::score_at(ctx, w.x.data(), a, w.score.data(), k, 0);
    detail::plain_step(ctx, stochastic ? ddpm_coefficients(a, b) : ddim_coefficients(a, b), w.x.data(),
                       w.score.data(), k, 0);
    SegmentStats s = step_stats(a, b, 1);
    s.nfe = 1;
    ctx.stats.segments.push_back(s);
  }
  detail::final_denoise(ctx, w);
}

// Heun (2nd order) on dx/dt = -x - score(x, t): 2 NFE per step, Euler for a step ending at 0.
// On the CPU with the built-in mixture each step is one fused kernel.
template <class Real, class Exec>
void run_pf_heun(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w) {
  const Plan& plan = ctx.plan;
  const int steps = static_cast<int>(plan.times.size()) - 1;
  draw_initial(ctx, w.x.data());
  bool fused = false;
  if constexpr (std::is_same_v<Exec, ThreadPool>) {
    if (const GaussianMixture* m = ctx.built_in_mixture()) {
      fused_heun_steps(ctx, w, *m);
      fused = true;
    }
  }
  for (int k = 0; k < steps && !fused; ++k) {
    ctx.checkpoint(k, steps, 0, 1);
    const double a = plan.times[k], b = plan.times[k + 1], h = a - b;
    detail::score_at(ctx, w.x.data(), a, w.score.data(), k, 0);
    SegmentStats s = step_stats(a, b, 1);
    if (b > 0) {
      score_step(ctx.pool, ctx.batch, pf_euler_coefficients(a, b), w.x.data(), w.score.data(), w.aux.data(),
                 StreamId{plan.seed, static_cast<uint32_t>(k), 0, Purpose::Noise});
      detail::score_at(ctx, w.aux.data(), b, w.aux_score.data(), k, 1);
      heun_update(ctx.pool, h, w.x.data(), w.score.data(), w.aux.data(), w.aux_score.data(), ctx.values());
      s.nfe = 2;
    } else {
      detail::plain_step(ctx, pf_euler_coefficients(a, b), w.x.data(), w.score.data(), k, 0);
      s.nfe = 1;
    }
    ctx.stats.segments.push_back(s);
  }
  detail::final_denoise(ctx, w);
}

// Annealed Langevin: plan.steps[k] ULA steps on p_{t_k} at every grid time t_k > 0 with
// tau_k = ald_step_scale * (1 - e^{-2 t_k}). On the CPU with the built-in mixture x stays in the
// tiled layout (in z_prop) through the levels and each step is one fused kernel.
template <class Real, class Exec>
void run_ald(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w) {
  const Plan& plan = ctx.plan;
  const int levels = static_cast<int>(plan.times.size());
  draw_initial(ctx, w.x.data());
  [[maybe_unused]] const GaussianMixture* m = nullptr;
  Real* x_tiles = nullptr;
  if constexpr (std::is_same_v<Exec, ThreadPool>) {
    m = ctx.built_in_mixture();
    if (m) {
      x_tiles = w.z_prop.data();
      to_tiles(ctx.pool, ctx.batch.n, ctx.batch.d, w.x.data(), x_tiles);
    }
  }
  for (int k = 0; k < levels; ++k) {
    const double t = plan.times[k];
    SegmentStats s = step_stats(t, t, plan.steps[k]);
    const double tau = plan.ald_step_scale * -std::expm1(-2.0 * t);
    s.step_size = tau;
    const int before = ctx.stats.nfe;
    const int steps = tau > 0 ? plan.steps[k] : 0;
    if constexpr (std::is_same_v<Exec, ThreadPool>) {
      if (x_tiles) fused_langevin_steps(ctx, *m, x_tiles, k, levels, t, tau, steps);
    }
    for (int step = 0; step < steps && !x_tiles; ++step) {
      ctx.checkpoint(k, levels, step, plan.steps[k]);
      detail::score_at(ctx, w.x.data(), t, w.score.data(), k, step);
      detail::plain_step(ctx, langevin_coefficients(tau, 1.0), w.x.data(), w.score.data(), k, step);
    }
    s.nfe = ctx.stats.nfe - before;
    ctx.stats.segments.push_back(s);
  }
  if constexpr (std::is_same_v<Exec, ThreadPool>) {
    if (x_tiles) from_tiles(ctx.pool, ctx.batch.n, ctx.batch.d, x_tiles, w.x.data());
  }
  detail::final_denoise(ctx, w);
}

}  // namespace rtk
