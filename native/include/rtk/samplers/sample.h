// One sampling run: dispatches a resolved Plan to its sampler and returns the final batch.
#pragma once
#include <algorithm>

#include "baselines.h"
#include "rtk.h"
#include "run_context.h"
#include "workspace.h"

namespace rtk {

// Runs the plan with the oracle on the pool; writes n*d samples into out.
template <class Real>
Stats sample(const Plan& plan, ScoreOracle<Real>& oracle, ThreadPool& pool, const RunHooks& hooks, int nfe_budget,
             Real* out) {
  RunContext<Real> ctx(plan, oracle, pool, hooks, nfe_budget);
  Workspace<Real> w(ctx.values(), plan.n);
  switch (plan.sampler) {
    case SamplerKind::RtkMala:
    case SamplerKind::RtkMalaEs:
    case SamplerKind::RtkUld:
    case SamplerKind::RtkUla:
      run_rtk(ctx, w);
      break;
    case SamplerKind::Ddpm:
      run_ddpm_ddim(ctx, w, true);
      break;
    case SamplerKind::Ddim:
      run_ddpm_ddim(ctx, w, false);
      break;
    case SamplerKind::PfHeun:
      run_pf_heun(ctx, w);
      break;
    case SamplerKind::Ald:
      run_ald(ctx, w);
      break;
  }
  std::copy(w.x.begin(), w.x.end(), out);
  return ctx.stats;
}

}  // namespace rtk
