// The Workspace buffers each CPU sampler path uses (BufferUse): a run allocates and faults in
// only those. bench/memory.js, n = 1,000,000, d = 10: RTK-MALA and DDPM on the built-in
// mixture need 6 and 3 arrays of n·d values instead of 9. Tested against runs with every
// buffer (buffer_use_test.cc), so a buffer a path needs but this table leaves out fails there.
#pragma once

#include "plan.h"
#include "workspace.h"

namespace rtk {

// built_in_mixture: the oracle is the built-in mixture, so the fused kernels run (inner_mala.h,
// fused_plain_steps.h). Where a path reads a buffer only under a plan option, the option decides.
inline BufferUse buffer_use(const Plan& plan, bool built_in_mixture) {
  BufferUse u = BufferUse::none();
  switch (plan.sampler) {
    case SamplerKind::Ddpm:
    case SamplerKind::Ddim:
      // Fused: x tiled in z_prop; the score only for the final denoise.
      u.z_prop = built_in_mixture;
      u.score = !built_in_mixture || plan.final_denoise;
      break;
    case SamplerKind::PfHeun:
      // Fused (as DDPM): x tiled in z_prop; the score only for the final denoise. Unfused: the
      // score, the Euler predictor and its score.
      u.z_prop = built_in_mixture;
      u.score = !built_in_mixture || plan.final_denoise;
      u.aux = u.aux_score = !built_in_mixture;
      break;
    case SamplerKind::Ald:
      // Fused (as DDPM): x tiled in z_prop; the score only for the final denoise.
      u.z_prop = built_in_mixture;
      u.score = !built_in_mixture || plan.final_denoise;
      break;
    case SamplerKind::RtkMala:
    case SamplerKind::RtkMalaEs:
    case SamplerKind::RtkUld:
    case SamplerKind::RtkUla: {
      // Every segment: the chain z, the anchor x, the score (warm starts, chain starts); the
      // hybrid schedule's fused plain steps keep x tiled in z_prop.
      u.z = u.score = true;
      u.z_prop = built_in_mixture;
      const bool exact = plan.sampler == SamplerKind::RtkMala;
      if (exact && built_in_mixture) {
        // The fused chain: z, score and g tiled in z_prop, score_prop and g_prop, the anchor in
        // aux, the energies of its start in energy.
        u.score_prop = u.g_prop = u.aux = u.energy = true;
      } else if (plan.sampler == SamplerKind::RtkMalaEs && built_in_mixture) {
        // Score-only MALA fused: its start in rows (z, the score), then z, the score and the
        // anchor tiled in z_prop, score_prop and aux.
        u.score_prop = u.aux = true;
      } else if (exact || plan.sampler == SamplerKind::RtkMalaEs) {
        u.grad_g = u.z_prop = u.score_prop = u.grad_g_prop = true;
        u.g = u.energy = u.g_prop = exact;
        u.aux = u.aux_score = !exact && plan.energy_delta == EnergyDelta::Simpson;  // the midpoint
      } else if (built_in_mixture) {
        // ULA / ULD fused: z, grad g and the anchor tiled in z_prop, grad_g_prop and score_prop,
        // ULD's velocity tiled in aux.
        u.grad_g_prop = u.score_prop = true;
        u.aux = plan.sampler == SamplerKind::RtkUld;
      } else {
        // ULA / ULD: grad g and the secant's previous point and gradient; ULD's velocity in aux.
        u.grad_g = u.z_prop = u.grad_g_prop = true;
        u.aux = plan.sampler == SamplerKind::RtkUld;
      }
      break;
    }
  }
  return u;
}

}  // namespace rtk
