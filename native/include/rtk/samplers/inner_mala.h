// The inner chain of RTK-MALA (Algorithm 2), with an exact energy oracle or score-only energy
// differences (trapezoid / Simpson), optionally projected, and its step size adapted on the
// batch's mean acceptance probability when the plan does not fix it.
#pragma once
#include <algorithm>
#include <cmath>
#include <type_traits>

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

#if !defined(__CUDA_ARCH__)
// The CPU's inner chain with the built-in mixture and the exact energy: the state moves into the
// tiled layout, every step is one fused kernel, and z and its score move back at the end. The
// tiles live in the proposal buffers, which the fused step does not otherwise need.
template <class Real>
size_t fused_inner_mala(RunContext<Real, ThreadPool>& ctx, Workspace<Real, ThreadPool>& w, const GaussianMixture& m,
                        int segment, int segments, const SegmentPotential& pot, double t, int steps, double& tau,
                        SegmentStats& seg) {
  const Batch& b = ctx.batch;
  ThreadPool& pool = ctx.pool;
  const TiledChain<Real> tiles{w.z_prop.data(), w.g_prop.data(), w.score_prop.data(), w.aux.data()};
  to_tiles(pool, b.n, b.d, w.z.data(), tiles.z);
  to_tiles(pool, b.n, 1, w.g.data(), tiles.g);
  to_tiles(pool, b.n, b.d, w.score.data(), tiles.score);
  to_tiles(pool, b.n, b.d, w.x.data(), w.aux.data());
  // p_t's component parameters, refilled in place (no allocation per segment).
  static thread_local GaussianMixture::AtTime at;
  m.at_time(t, at);
  const size_t accepted = mala_steps(ctx, segment, segments, steps, EnergyDelta::Exact, tau, seg,
                                     [&](const MalaAcceptParams& p, const StreamId& noise, const StreamId& accept) {
                                       ctx.count_evaluation(true);
                                       return fused_mala_step(pool, b, m, at, pot, p, tiles, noise, accept);
                                     });
  from_tiles(pool, b.n, b.d, tiles.z, w.z.data());
  from_tiles(pool, b.n, b.d, tiles.score, w.score.data());
  return accepted;
}
#endif

// Runs `steps` MALA steps on the segment potential of anchor w.x at time t; z, score, grad_g
// hold the chain's start (score already evaluated). Returns the statistics of the segment.
// On the CPU with the built-in mixture and the exact energy, the steps are fused.
template <class Real, class Exec>
void inner_mala(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, int segment, int segments,
                const SegmentPotential& pot, double t, int steps, bool exact_energy, double& tau, SegmentStats& seg) {
  const Batch& b = ctx.batch;
  const EnergyDelta delta = exact_energy ? EnergyDelta::Exact : ctx.plan.energy_delta;
  segment_potential_batch(ctx.pool, b, pot, w.x.data(), w.z.data(), w.score.data(),
                          exact_energy ? w.energy.data() : nullptr, w.grad_g.data(),
                          exact_energy ? w.g.data() : nullptr);
  const GaussianMixture* mixture = exact_energy ? ctx.built_in_mixture() : nullptr;
  size_t accepted = 0;
  bool fused = false;
  if constexpr (std::is_same_v<Exec, ThreadPool>) {
    if (mixture) {
      accepted = fused_inner_mala(ctx, w, *mixture, segment, segments, pot, t, steps, tau, seg);
      fused = true;
    }
  }
  if (!fused)
    accepted = mala_steps(ctx, segment, segments, steps, delta, tau, seg,
                          [&](const MalaAcceptParams& p, const StreamId& noise, const StreamId& accept) {
                            return mala_step(ctx, w, pot, t, p, exact_energy, noise, accept);
                          });
  seg.accept_rate = steps > 0 ? static_cast<double>(accepted) / (static_cast<double>(b.n) * steps) : -1;
}

}  // namespace rtk
