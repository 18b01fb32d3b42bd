// The Reverse Transition Kernel sampler (Algorithm 1 of Huang et al. 2024; rtk-math.md "RTK"):
// x ~ N(0, I) at T; for each segment t_k -> t_{k+1}, warm-start an inner chain and run it on
// pi(z) ∝ p_t(z) exp(-||x - e^{-eta} z||^2 / (2 sigma2)); its result is the next x.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "../kernels/score_step.h"
#include "../kernels/segment_potential.h"
#include "curvature.h"
#include "fused_plain_steps.h"
#include "inner_mala.h"
#include "inner_ula.h"
#include "inner_uld.h"
#include "run_context.h"
#include "workspace.h"

namespace rtk {

// Draws the starting batch x ~ N(0, I) (stream Init).
template <class Real, class Exec>
void draw_initial(RunContext<Real, Exec>& ctx, Real* x) {
  fill_normals_batch(ctx.pool, ctx.batch, StreamId{ctx.plan.seed, 0, 0, Purpose::Init}, x);
}

// The warm start's step z = cx x + cs score(x, t_start) + cn xi from t_start to t (rtk-math.md,
// "Warm start"), for the kinds that use the score (not Gaussian).
inline ScoreStep warm_start_step(WarmStart kind, double t_start, double t) {
  // Tweedie: z = e^eta (x + sigma2 score(x, t_k)), the posterior mean E[X_t | X_{t_k} = x],
  // Tweedie's formula over the segment's length eta = t_start - t.
  if (kind == WarmStart::Tweedie) return tweedie_coefficients(t_start - t);
  // One DDIM (probability-flow) step is deterministic, so a chain of them carries the mode
  // weights as the flow does.
  return kind == WarmStart::Ddpm ? ddpm_coefficients(t_start, t) : ddim_coefficients(t_start, t);
}

// score(w.x, t_start) into w.score for a warm start, unless `score_cached` says w.score already
// holds it (the previous MALA chain's).
template <class Real, class Exec>
void warm_start_score(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, int segment, double t_start,
                      bool score_cached) {
  if (score_cached) return;
  ctx.evaluate(w.x.data(), t_start, w.score.data(), nullptr);
  ctx.require_finite(w.score.data(), ctx.values(), "the score", segment, -1, t_start);
}

// The warm start z of segment k from the anchor w.x at t_start (rtk-math.md, "Warm start").
template <class Real, class Exec>
void warm_start(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, WarmStart kind, int segment,
                double t_start, double t, bool score_cached) {
  const Plan& plan = ctx.plan;
  const double eta = t_start - t;
  const StreamId noise{plan.seed, static_cast<uint32_t>(segment), 0, Purpose::WarmStart};
  if (kind == WarmStart::Gaussian) {
    // z ~ N(e^eta x, (e^{2 eta} - 1) I): the Gaussian factor of pi alone.
    const ScoreStep c{std::exp(eta), 0.0, std::sqrt(std::expm1(2.0 * eta))};
    score_step(ctx.pool, ctx.batch, c, w.x.data(), w.x.data(), w.z.data(), noise);
    return;
  }
  warm_start_score(ctx, w, segment, t_start, score_cached);
  score_step(ctx.pool, ctx.batch, warm_start_step(kind, t_start, t), w.x.data(), w.score.data(), w.z.data(), noise);
}

// The first MALA step size of a run: d^{-1/3} / L with L the smoothness bound of g (MALA's
// optimal scaling), or a small multiple of the Gaussian factor's variance when unbounded.
inline double initial_mala_step(double t, double eta, int d) {
  const double bound = potential_smoothness_bound(t, eta);
  const double scale = std::cbrt(static_cast<double>(d));
  if (std::isfinite(bound)) return 1.0 / (bound * scale);
  return 0.01 * std::expm1(2.0 * eta) / scale;
}

// A segment with no inner steps and a DDPM or DDIM warm start (the hybrid schedule's prefix) is
// one plain grid step of x: score at t_start, then the step to t.
inline bool plain_step_segment(const Plan& plan, int k) {
  const WarmStart kind = plan.warm_starts.empty() ? WarmStart::Gaussian : plan.warm_starts.at(k);
  return plan.steps[k] == 0 && (kind == WarmStart::Ddpm || kind == WarmStart::Ddim);
}

template <class Real, class Exec>
void run_rtk(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w) {
  const Plan& plan = ctx.plan;
  const int segments = static_cast<int>(plan.times.size()) - 1;
  const bool mala = plan.sampler == SamplerKind::RtkMala || plan.sampler == SamplerKind::RtkMalaEs;
  const bool exact_energy = plan.sampler == SamplerKind::RtkMala;
  double tau = plan.step_size > 0 ? plan.step_size : 0;
  double curvature = 0;
  bool score_cached = false;
  // The last fused MALA chain's final z (the next anchor) and its score are still only in the
  // tiled chain (mala_chain), not in w.x and w.score: a next fused chain with a noiseless warm
  // start takes them from there; anything else has them moved back to rows first.
  bool chain_tiled = false;
  draw_initial(ctx, w.x.data());
  for (int k = 0; k < segments; ++k) {
    if constexpr (std::is_same_v<Exec, ThreadPool>) {
      const GaussianMixture* m = ctx.built_in_mixture();
      if (m && !score_cached && plain_step_segment(plan, k)) {
        // The plain-step segments from k on, fused; each is its warm start's step.
        int end = k;
        while (end < segments && plain_step_segment(plan, end)) ++end;
        fused_plain_steps(ctx, w, *m, k, end, [&](int j) {
          const double a = plan.times[j], b = plan.times[j + 1];
          const bool ddpm = plan.warm_starts.at(j) == WarmStart::Ddpm;
          return PlainStep{ddpm ? ddpm_coefficients(a, b) : ddim_coefficients(a, b), Purpose::WarmStart, 0, -1};
        });
        k = end;
        if (k == segments) break;
      }
    }
    const double t_start = plan.times[k], t = plan.times[k + 1], eta = t_start - t;
    const int nfe_before = ctx.stats.nfe, energy_before = ctx.stats.energy_evals;
    SegmentStats seg = step_stats(t_start, t, plan.steps[k]);
    ctx.checkpoint(k, segments, 0, seg.steps);
    const WarmStart kind = plan.warm_starts.empty() ? WarmStart::Gaussian : plan.warm_starts.at(k);
    // A noiseless warm start (Tweedie, DDIM) into a fused MALA chain is computed by the chain's
    // start (fused_mala_start), on its way into the tiled layout.
    const ScoreStep step = kind == WarmStart::Gaussian ? ScoreStep{} : warm_start_step(kind, t_start, t);
    const bool warm_in_chain = mala && seg.steps > 0 && kind != WarmStart::Gaussian && step.cn == 0.0 &&
                               fused_mala_chain_runs(ctx, exact_energy);
    if constexpr (std::is_same_v<Exec, ThreadPool>) {
      if (chain_tiled && !warm_in_chain) {
        chain_to_rows(ctx, w, w.x.data(), true);
        chain_tiled = false;
      }
    }
    if (warm_in_chain)
      warm_start_score(ctx, w, k, t_start, score_cached);
    else
      warm_start(ctx, w, kind, k, t_start, t, score_cached);
    const SegmentPotential pot = segment_potential(eta);
    const double bound = potential_smoothness_bound(t, eta);
    if (seg.steps == 0) {
      // The warm start alone (e.g. a DDPM step: the Gaussian-kernel RTK segment).
    } else if (mala) {
      if (!(tau > 0)) tau = initial_mala_step(t, eta, plan.d);
      mala_chain(ctx, w, k, segments, pot, t, seg.steps, exact_energy, tau, seg, warm_in_chain ? &step : nullptr,
                 chain_tiled);
      chain_tiled = fused_mala_chain_runs(ctx, exact_energy);
    } else {
      if (!(curvature > 0) || !std::isfinite(curvature)) curvature = std::isfinite(bound) ? bound : 1.0 / eta;
      curvature = std::min(curvature, bound);
      if (plan.sampler == SamplerKind::RtkUld)
        inner_uld(ctx, w, k, segments, pot, t, seg.steps, curvature, seg);
      else
        inner_ula(ctx, w, k, segments, pot, t, seg.steps, curvature, seg);
    }
    // The chain's state at time t is the next anchor; MALA keeps score(z, t) for a Tweedie start.
    std::swap(w.x, w.z);
    score_cached = mala && seg.steps > 0;
    seg.nfe = ctx.stats.nfe - nfe_before;
    seg.energy_evals = ctx.stats.energy_evals - energy_before;
    ctx.stats.segments.push_back(seg);
  }
  if constexpr (std::is_same_v<Exec, ThreadPool>) {
    if (chain_tiled) chain_to_rows(ctx, w, w.x.data(), false);  // the samples; the score is not needed
  }
}

}  // namespace rtk
