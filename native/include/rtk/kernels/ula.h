// ULA on the segment potential g (rtk-math.md, "Inner ULA"): z' = z - tau grad g(z) + sqrt(2 tau) xi.
// The MALA proposal (Algorithm 2) is the same move, followed by the MH test in mala.h.
#pragma once
#include "score_step.h"

namespace rtk {

template <class Real, class Exec>
void ula_step(Exec& pool, const Batch& b, double tau, const Real* z, const Real* grad_g,
              Real* z_out, const StreamId& noise) {
  score_step(pool, b, langevin_coefficients(tau, -1.0), z, grad_g, z_out, noise);
}

}  // namespace rtk
