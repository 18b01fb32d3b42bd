// The inner chain of RTK-MALA (Algorithm 2), with an exact energy oracle or score-only energy
// differences (trapezoid / Simpson), optionally projected, and its step size adapted on the
// batch's mean acceptance probability when the plan does not fix it.
#pragma once
#include <algorithm>
#include <cmath>

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

// Runs `steps` MALA steps on the segment potential of anchor w.x at time t; z, score, grad_g
// hold the chain's start (score already evaluated). Returns the statistics of the segment.
template <class Real, class Exec>
void inner_mala(RunContext<Real, Exec>& ctx, Workspace<Real, Exec>& w, int segment, int segments,
                const SegmentPotential& pot, double t, int steps, bool exact_energy, double& tau, SegmentStats& seg) {
  const Plan& plan = ctx.plan;
  const Batch& b = ctx.batch;
  const bool adapt = !(plan.step_size > 0);
  const EnergyDelta delta = exact_energy ? EnergyDelta::Exact : plan.energy_delta;
  Real* g = exact_energy ? w.g.data() : nullptr;
  Real* g_prop = exact_energy ? w.g_prop.data() : nullptr;
  const Real* energy = exact_energy ? w.energy.data() : nullptr;
  segment_potential_batch(ctx.pool, b, pot, w.x.data(), w.z.data(), w.score.data(), energy, w.grad_g.data(), g);
  size_t accepted = 0;
  for (int step = 0; step < steps; ++step) {
    ctx.checkpoint(segment, segments, step, steps);
    const uint32_t s = static_cast<uint32_t>(step);
    ula_step(ctx.pool, b, tau, w.z.data(), w.grad_g.data(), w.z_prop.data(),
             StreamId{plan.seed, static_cast<uint32_t>(segment), s, Purpose::Noise});
    ctx.evaluate(w.z_prop.data(), t, w.score_prop.data(), exact_energy ? w.energy.data() : nullptr);
    segment_potential_batch(ctx.pool, b, pot, w.x.data(), w.z_prop.data(), w.score_prop.data(), energy,
                            w.grad_g_prop.data(), g_prop);
    if (delta == EnergyDelta::Simpson) {
      midpoint(ctx.pool, w.z.data(), w.z_prop.data(), ctx.values(), w.aux.data());
      ctx.evaluate(w.aux.data(), t, w.aux_score.data(), nullptr);
      segment_potential_batch(ctx.pool, b, pot, w.x.data(), w.aux.data(), w.aux_score.data(),
                              static_cast<const Real*>(nullptr), w.aux_score.data(), static_cast<Real*>(nullptr));
    }
    MalaAcceptParams p{tau, plan.projection_radius, delta};
    MalaArrays<Real> a{w.z.data(), w.grad_g.data(), g, w.score.data(), w.z_prop.data(), w.grad_g_prop.data(),
                       g_prop, w.score_prop.data(), w.aux_score.data()};
    const MalaAcceptInfo info =
        mala_accept(ctx.pool, b, p, a, StreamId{plan.seed, static_cast<uint32_t>(segment), s, Purpose::Accept},
                    static_cast<uint8_t*>(nullptr));
    accepted += info.accepted;
    seg.step_size = tau;
    if (adapt) tau = adapt_step_size(tau, info.mean_accept_prob, plan.target_accept);
  }
  seg.accept_rate = steps > 0 ? static_cast<double>(accepted) / (static_cast<double>(b.n) * steps) : -1;
}

}  // namespace rtk
