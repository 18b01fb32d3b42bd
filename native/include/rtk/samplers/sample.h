// One sampling run: dispatches a resolved Plan to its sampler and returns the final batch.
#pragma once
#include <algorithm>
#include <type_traits>

#include "baselines.h"
#include "buffer_use.h"
#include "rtk.h"
#include "run_context.h"
#include "workspace.h"

namespace rtk {

// Runs the plan in the workspace w, whose buffers the sampler's path uses (buffer_use); the
// values they hold on entry do not matter (workspace.h).
template <class Real, class Exec>
Stats sample_in(const Plan& plan, ScoreOracle<Real>& oracle, Exec& pool, const RunHooks& hooks, int nfe_budget,
                Workspace<Real, Exec>& w, Real* out) {
  RunContext<Real, Exec> ctx(plan, oracle, pool, hooks, nfe_budget);
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
  copy_to_host(pool, w.x.data(), ctx.values(), out);
  return ctx.stats;
}

// Runs the plan with the oracle on the executor `pool` (a ThreadPool, or the GPU's CudaExec,
// whose oracle then evaluates device memory); writes n*d samples into host memory `out`. On the
// CPU only the buffers the sampler's path uses are allocated (buffer_use); the GPU keeps all.
template <class Real, class Exec>
Stats sample(const Plan& plan, ScoreOracle<Real>& oracle, Exec& pool, const RunHooks& hooks, int nfe_budget,
             Real* out) {
  BufferUse use;
  if constexpr (std::is_same_v<Exec, ThreadPool>) use = buffer_use(plan, oracle.built_in_mixture() != nullptr);
  Workspace<Real, Exec> w(plan.n, plan.d, use);
  return sample_in(plan, oracle, pool, hooks, nfe_budget, w, out);
}

}  // namespace rtk
