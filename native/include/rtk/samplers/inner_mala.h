// The inner chain of RTK-MALA (Algorithm 2), with an exact energy oracle or score-only energy
// differences (trapezoid / Simpson), optionally projected, and its step size adapted on the
// batch's mean acceptance probability when the plan does not fix it.
#pragma once
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "../kernels/fused_mala_start.h"
#include "../kernels/fused_mala_step.h"
#include "../kernels/mala.h"
#include "../kernels/segment_potential.h"
#include "../kernels/ula.h"
#include "run_context.h"
#include "workspace.h"

namespace rtk {

// One multiplicative Robbins–Monro update of tau towards the target acceptance rate.
inline double adapt_step_size(double tau, double accept_rate, double target) {
  const double factor = std::exp(3.0 * (accept_rate - target));
  return tau * std::min(2.0, std::max(0.1, factor));
}

// One MALA step on any oracle and executor: the proposal, the score (and energy, or the Simpson
// midpoint's score) at it, the segment potential and the MH test, each a batched kernel.
template <class Real, class Exec>
MalaAcceptInfo mala_step(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, const SegmentPotential& pot, double t,
                         const MalaAcceptParams& p, bool exact_energy, const StreamId& noise, const StreamId& accept) {
  const Batch& b = ctx.batch;
  Real* g = exact_energy ? w.g.data() : nullptr;
  Real* g_prop = exact_energy ? w.g_prop.data() : nullptr;
  const Real* energy = exact_energy ? w.energy.data() : nullptr;
  ula_step(ctx.pool, b, p.tau, w.z.data(), w.grad_g.data(), w.z_prop.data(), noise);
  ctx.evaluate(w.z_prop.data(), t, w.score_prop.data(), exact_energy ? w.energy.data() : nullptr);
  segment_potential_batch(ctx.pool, b, pot, w.x.data(), w.z_prop.data(), w.score_prop.data(), energy,
                          w.grad_g_prop.data(), g_prop);
  if (p.delta == EnergyDelta::Simpson) {
    midpoint(ctx.pool, w.z.data(), w.z_prop.data(), ctx.values(), w.aux.data());
    ctx.evaluate(w.aux.data(), t, w.aux_score.data(), nullptr);
    segment_potential_batch(ctx.pool, b, pot, w.x.data(), w.aux.data(), w.aux_score.data(),
                            static_cast<const Real*>(nullptr), w.aux_score.data(), static_cast<Real*>(nullptr));
  }
  MalaArrays<Real> a{w.z.data(), w.grad_g.data(), g, w.score.data(), w.z_prop.data(), w.grad_g_prop.data(),
                     g_prop, w.score_prop.data(), w.aux_score.data()};
  return mala_accept(ctx.pool, b, p, a, accept, static_cast<uint8_t*>(nullptr));
}

// The loop of an inner chain: `steps` times, honour cancellation and progress, take one step
// (one_step(params, noise stream, accept stream) -> MalaAcceptInfo) and adapt tau on its mean
// acceptance probability unless the plan fixes it. Returns the number of accepted proposals.
template <class Real, class Exec, class Step>
size_t mala_steps(RunContext<Real, Exec>& ctx, int segment, int segments, int steps, EnergyDelta delta, double& tau,
                  SegmentStats& seg, Step&& one_step) {
  const Plan& plan = ctx.plan;
  size_t accepted = 0;
  for (int step = 0; step < steps; ++step) {
    ctx.checkpoint(segment, segments, step, steps);
    const uint32_t s = static_cast<uint32_t>(step);
    const StreamId noise{plan.seed, static_cast<uint32_t>(segment), s, Purpose::Noise};
    const StreamId accept{plan.seed, static_cast<uint32_t>(segment), s, Purpose::Accept};
    const MalaAcceptInfo info = one_step(MalaAcceptParams{tau, plan.projection_radius, delta}, noise, accept);
    accepted += info.accepted;
    seg.step_size = tau;
    if (!(plan.step_size > 0)) tau = adapt_step_size(tau, info.mean_accept_prob, plan.target_accept);
  }
  return accepted;
}

// The share of a segment's proposals accepted (-1 without steps).
inline double accept_rate(size_t accepted, size_t n, int steps) {
  return steps > 0 ? static_cast<double>(accepted) / (static_cast<double>(n) * steps) : -1;
}

// Stops the run when the chain's start has a non-finite score (or energy, when used): no MH test
// would reject it.
template <class Real, class Exec>
void require_finite_start(RunContext<Real, Exec>& ctx, const Workspace<Real, Exec>& w, bool exact_energy, int segment,
                          double t) {
  ctx.require_finite(w.score.data(), ctx.values(), "the score at the chain's start", segment, -1, t);
  if (exact_energy) ctx.require_finite(w.energy.data(), ctx.plan.n, "the energy at the chain's start", segment, -1, t);
}

#if !defined(__CUDA_ARCH__)
// The CPU's fused chain with the built-in mixture keeps its state in the tiled layout, in the
// proposal buffers, which the fused step does not otherwise need (g with the exact energy only).
template <class Real>
TiledChain<Real> tiled_chain(Workspace<Real, ThreadPool>& w) {
  return TiledChain<Real>{w.z_prop.data(), w.g_prop.data(), w.score_prop.data(), w.aux.data()};
}

// The fused chain's steps at the parameters `at` of p_t, with the energy difference `delta`,
// each one fused kernel (with the evaluations the unfused step counts: the score and energy at
// the proposal, or its score, and for Simpson's rule the score at the midpoint). The chain's
// state stays in the tiled layout (chain_to_rows moves it back).
template <class Real>
size_t fused_mala_steps(RunContext<Real, ThreadPool>& ctx, Workspace<Real, ThreadPool>& w, const GaussianMixture& m,
                        const GaussianMixture::AtTime& at, int segment, int segments, const SegmentPotential& pot,
                        int steps, EnergyDelta delta, double& tau, SegmentStats& seg) {
  const Batch& b = ctx.batch;
  ThreadPool& pool = ctx.pool;
  const TiledChain<Real> tiles = tiled_chain(w);
  return mala_steps(ctx, segment, segments, steps, delta, tau, seg,
                    [&](const MalaAcceptParams& p, const StreamId& noise, const StreamId& accept) {
                      ctx.count_evaluation(delta == EnergyDelta::Exact);
                      if (delta == EnergyDelta::Simpson) ctx.count_evaluation(false);
                      return fused_mala_step(pool, b, m, at, pot, p, tiles, noise, accept);
                    });
}

// A fused chain's final z into the rows `x` and, with `score`, its score into w.score.
template <class Real>
void chain_to_rows(RunContext<Real, ThreadPool>& ctx, Workspace<Real, ThreadPool>& w, Real* x, bool score) {
  const TiledChain<Real> c = tiled_chain(w);
  from_tiles(ctx.pool, ctx.batch.n, ctx.batch.d, c.z, x);
  if (score) from_tiles(ctx.pool, ctx.batch.n, ctx.batch.d, c.score, w.score.data());
}

// inner_mala's fused chain, score-only (the exact energy's chains start fused, in
// fused_mala_chain), whose start (z and its score) is in rows: it moves into the tiled layout,
// then the steps (which compute grad g from z and the score themselves).
template <class Real>
size_t fused_inner_mala(RunContext<Real, ThreadPool>& ctx, Workspace<Real, ThreadPool>& w, const GaussianMixture& m,
                        int segment, int segments, const SegmentPotential& pot, double t, int steps, EnergyDelta delta,
                        double& tau, SegmentStats& seg) {
  const Batch& b = ctx.batch;
  ThreadPool& pool = ctx.pool;
  const TiledChain<Real> tiles = tiled_chain(w);
  to_tiles(pool, b.n, b.d, w.z.data(), tiles.z);
  to_tiles(pool, b.n, b.d, w.score.data(), tiles.score);
  to_tiles(pool, b.n, b.d, w.x.data(), w.aux.data());
  // p_t's component parameters, refilled in place (no allocation per segment).
  static thread_local GaussianMixture::AtTime at;
  m.at_time(t, at);
  const size_t accepted = fused_mala_steps(ctx, w, m, at, segment, segments, pot, steps, delta, tau, seg);
  chain_to_rows(ctx, w, w.z.data(), true);
  return accepted;
}

// mala_chain's fused chain: its start is evaluated on the way into the tiled layout
// (fused_mala_start), then the steps; its final state stays tiled (chain_to_rows). With `warm`
// set, w.z is not yet the warm start: the start computes it from the anchor and its score (a
// noiseless warm start, *warm), in w.x and w.score, or, with `anchor_tiled`, where the previous
// chain left them (its final z and score, still tiled).
template <class Real>
size_t fused_mala_chain(RunContext<Real, ThreadPool>& ctx, Workspace<Real, ThreadPool>& w, const GaussianMixture& m,
                        int segment, int segments, const SegmentPotential& pot, double t, int steps, double& tau,
                        SegmentStats& seg, const ScoreStep* warm, bool anchor_tiled) {
  const Batch& b = ctx.batch;
  static thread_local GaussianMixture::AtTime at;
  m.at_time(t, at);
  ctx.count_evaluation(true);
  // The previous chain's final z becomes the tiled anchor; its tiles for z are overwritten.
  if (anchor_tiled) std::swap(w.aux, w.z_prop);
  const StartFrom<Real> from = !warm          ? StartFrom<Real>{w.z.data(), nullptr, ScoreStep{}}
                               : anchor_tiled ? StartFrom<Real>{nullptr, nullptr, *warm}
                                              : StartFrom<Real>{nullptr, w.score.data(), *warm};
  if (fused_mala_start(ctx.pool, b, m, at, pot, from, w.x.data(), w.aux.data(), tiled_chain(w), w.energy.data())) {
    // Name the first non-finite value in row order, as the unfused start does.
    from_tiles(ctx.pool, b.n, b.d, tiled_chain(w).score, w.score.data());
    require_finite_start(ctx, w, true, segment, t);
  }
  return fused_mala_steps(ctx, w, m, at, segment, segments, pot, steps, EnergyDelta::Exact, tau, seg);
}
#endif

// Runs `steps` MALA steps on the segment potential of anchor w.x at time t; z and score (and the
// energy, when exact) hold the chain's start. Returns the statistics of the segment. On the CPU
// with the built-in mixture, score-only steps are fused (exact ones start fused, in
// fused_mala_chain, and do not come here).
template <class Real, class Exec>
void inner_mala(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, int segment, int segments,
                const SegmentPotential& pot, double t, int steps, bool exact_energy, double& tau, SegmentStats& seg) {
  const Batch& b = ctx.batch;
  const EnergyDelta delta = exact_energy ? EnergyDelta::Exact : ctx.plan.energy_delta;
  size_t accepted = 0;
  bool fused = false;
  if constexpr (std::is_same_v<Exec, ThreadPool>) {
    const GaussianMixture* mixture = ctx.built_in_mixture();
    if (mixture && !exact_energy) {
      accepted = fused_inner_mala(ctx, w, *mixture, segment, segments, pot, t, steps, delta, tau, seg);
      fused = true;
    }
  }
  if (!fused) {
    segment_potential_batch(ctx.pool, b, pot, w.x.data(), w.z.data(), w.score.data(),
                            exact_energy ? w.energy.data() : nullptr, w.grad_g.data(),
                            exact_energy ? w.g.data() : nullptr);
    accepted = mala_steps(ctx, segment, segments, steps, delta, tau, seg,
                          [&](const MalaAcceptParams& p, const StreamId& noise, const StreamId& accept) {
                            return mala_step(ctx, w, pot, t, p, exact_energy, noise, accept);
                          });
  }
  seg.accept_rate = accept_rate(accepted, b.n, steps);
}

// Whether mala_chain runs the fused chain: on the CPU with the built-in mixture and the exact
// energy.
template <class Real, class Exec>
bool fused_mala_chain_runs(const RunContext<Real, Exec>& ctx, bool exact_energy) {
  return std::is_same_v<Exec, ThreadPool> && exact_energy && ctx.built_in_mixture() != nullptr;
}

// A segment's MALA chain from its warm start in w.z (anchor w.x, time t): the score (and energy,
// when exact) at z, then inner_mala. On the CPU with the built-in mixture and the exact energy,
// the start is evaluated on the way into the fused chain's tiled layout (fused_mala_start)
// instead: the same bits, one pass over the batch instead of six; the chain's final z and score
// then stay tiled, and the caller moves them back to rows (chain_to_rows) when it needs them.
// `warm` and `anchor_tiled` (only where the fused chain runs, fused_mala_chain_runs): w.z is not
// yet the warm start, the chain's start computes it (fused_mala_chain).
template <class Real, class Exec>
void mala_chain(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, int segment, int segments,
                const SegmentPotential& pot, double t, int steps, bool exact_energy, double& tau, SegmentStats& seg,
                const ScoreStep* warm, bool anchor_tiled) {
  if constexpr (std::is_same_v<Exec, ThreadPool>) {
    if (fused_mala_chain_runs(ctx, exact_energy)) {
      const size_t accepted = fused_mala_chain(ctx, w, *ctx.built_in_mixture(), segment, segments, pot, t, steps,
                                               tau, seg, warm, anchor_tiled);
      seg.accept_rate = accept_rate(accepted, ctx.batch.n, steps);
      return;
    }
  }
  if (warm || anchor_tiled)
    throw std::logic_error("mala_chain: a warm start left to the chain's start needs the fused chain");
  ctx.evaluate(w.z.data(), t, w.score.data(), exact_energy ? w.energy.data() : nullptr);
  require_finite_start(ctx, w, exact_energy, segment, t);
  inner_mala(ctx, w, segment, segments, pot, t, steps, exact_energy, tau, seg);
}

}  // namespace rtk
