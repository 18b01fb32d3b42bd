// What every sampler shares during one run: the plan, the executor (a ThreadPool, or the GPU's
// CudaExec) that its kernels run on, the score oracle with its NFE and energy counters,
// cancellation and progress, and the statistics being built.
#pragma once
#include <chrono>
#include <cmath>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../batch.h"
#include "../kernels/batch_ops.h"
#include "../targets/target.h"
#include "../thread_pool.h"
#include "plan.h"

namespace rtk {

// A time for messages: 6 significant digits (1e-08, 0.2, 5), not 6 decimals.
inline std::string format_time(double t) {
  std::ostringstream out;
  out.precision(6);
  out << t;
  return out.str();
}

// A run that stopped because the caller asked it to (AbortSignal, or the run was closed).
struct RunCancelled : std::runtime_error {
  RunCancelled() : std::runtime_error("the run was cancelled") {}
};

// A run that cannot continue (a non-finite score where no MH test can reject it, ...).
struct SamplerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Progress {
  int segment, segments, step, steps, nfe_spent, nfe_budget;
};

struct RunHooks {
  std::function<bool()> cancelled;                 // polled between steps
  std::function<void(const Progress&)> progress;   // called between steps
};

template <class Real, class Exec = ThreadPool>
class RunContext {
 public:
  RunContext(const Plan& plan, ScoreOracle<Real>& oracle, Exec& pool, const RunHooks& hooks, int nfe_budget)
      : plan(plan), pool(pool), batch{plan.n, plan.d, 0}, oracle_(oracle), hooks_(hooks), nfe_budget_(nfe_budget) {}

  const Plan& plan;
  Exec& pool;
  const Batch batch;
  Stats stats;

  // One batched score evaluation (1 NFE); with energy != null also one energy evaluation.
  void evaluate(const Real* x, double t, Real* score, Real* energy) {
    oracle_.evaluate(x, batch.n, t, score, energy);
    count_evaluation(energy != nullptr);
  }

  // An evaluation a fused kernel made itself from built_in_mixture(): counted like evaluate's.
  void count_evaluation(bool energy) {
    ++stats.nfe;
    if (energy) ++stats.energy_evals;
  }

  // The built-in mixture behind the oracle, or null (see ScoreOracle::built_in_mixture).
  const GaussianMixture* built_in_mixture() const { return oracle_.built_in_mixture(); }

  bool has_energy() const { return oracle_.has_energy(); }

  // Baselines, warm starts, chain starts and ULD/ULA have no MH test to reject a bad score:
  // stop with a clear error (step < 0 names the segment's warm start).
  void require_finite(const Real* values, size_t count, const char* what, int segment, int step, double t) {
    require_finite(find_non_finite(pool, values, count), what, segment, step, t);
  }

  // The same for a fused kernel that looked for the first non-finite value itself.
  void require_finite(const NonFinite& bad, const char* what, int segment, int step, double t) {
    if (bad.found)
      throw SamplerError(std::string(what) + " returned a non-finite value (" + std::to_string(bad.value) +
                         " at index " + std::to_string(bad.index) + ") at segment " + std::to_string(segment) +
                         (step < 0 ? std::string(", warm start") : ", step " + std::to_string(step)) +
                         ", t = " + format_time(t));
  }

  // Between two steps: honour cancellation and report progress.
  void checkpoint(int segment, int segments, int step, int steps) {
    if (hooks_.cancelled && hooks_.cancelled()) throw RunCancelled();
    if (hooks_.progress) hooks_.progress(Progress{segment, segments, step, steps, stats.nfe, nfe_budget_});
  }

  size_t values() const { return batch.values(); }

 private:
  ScoreOracle<Real>& oracle_;
  const RunHooks& hooks_;
  int nfe_budget_;
};

}  // namespace rtk
