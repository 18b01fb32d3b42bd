// What a sampler needs from a density path p_t: batched score (grad log p_t) and, when
// available, energy (-log p_t up to a constant). A kernel never knows where these come from:
// a built-in target, a user's compiled plugin or a JS function behind the run's handoff.
#pragma once
#include <cstddef>

namespace rtk {

class GaussianMixture;

template <class Real>
class ScoreOracle {
 public:
  virtual ~ScoreOracle() = default;
  virtual int dim() const = 0;
  virtual bool has_energy() const = 0;
  // Fills score (n*d) at time t and, when energy is non-null, energy (n) too.
  virtual void evaluate(const Real* x, size_t n, double t, Real* score, Real* energy) = 0;
  // The built-in mixture this oracle evaluates on the CPU's pool, if it is one: the CPU samplers
  // may then evaluate it themselves inside a fused kernel (kernels/fused_mala_step.h).
  virtual const GaussianMixture* built_in_mixture() const { return nullptr; }
};

}  // namespace rtk
