// The buffers of one run, allocated once before the first step (no allocation in the loop),
// in the memory of the executor the run uses (host vectors for a ThreadPool).
#pragma once
#include <vector>

#include "../thread_pool.h"

namespace rtk {

template <class Real, class Exec = ThreadPool>
struct Workspace {
  using Buffer = typename Exec::template Buffer<Real>;
  explicit Workspace(size_t values, size_t n)
      : x(values), z(values), score(values), grad_g(values), g(n), energy(n), z_prop(values),
        score_prop(values), grad_g_prop(values), g_prop(n), aux(values), aux_score(values) {}
  Buffer x;            // the RTK anchor / the baseline's current state
  Buffer z;            // the inner chain's current state
  Buffer score;        // score at z (kept for the next Tweedie warm start)
  Buffer grad_g;       // grad g at z
  Buffer g;            // g at z (MALA with an energy oracle)
  Buffer energy;       // scratch for energy evaluations
  Buffer z_prop;       // a proposal
  Buffer score_prop;   // score at the proposal
  Buffer grad_g_prop;  // grad g at the proposal
  Buffer g_prop;       // g at the proposal
  Buffer aux;          // ULD velocity, Simpson midpoint, Heun predictor
  Buffer aux_score;    // score at aux (Simpson midpoint, Heun predictor)
};

}  // namespace rtk
