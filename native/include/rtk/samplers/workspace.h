// The buffers of one run, allocated once before the first step (no allocation in the loop).
#pragma once
#include <vector>

namespace rtk {

template <class Real>
struct Workspace {
  explicit Workspace(size_t values, size_t n)
      : x(values), z(values), score(values), grad_g(values), g(n), energy(n), z_prop(values),
        score_prop(values), grad_g_prop(values), g_prop(n), aux(values), aux_score(values) {}
  std::vector<Real> x;            // the RTK anchor / the baseline's current state
  std::vector<Real> z;            // the inner chain's current state
  std::vector<Real> score;        // score at z (kept for the next Tweedie warm start)
  std::vector<Real> grad_g;       // grad g at z
  std::vector<Real> g;            // g at z (MALA with an energy oracle)
  std::vector<Real> energy;       // scratch for energy evaluations
  std::vector<Real> z_prop;       // a proposal
  std::vector<Real> score_prop;   // score at the proposal
  std::vector<Real> grad_g_prop;  // grad g at the proposal
  std::vector<Real> g_prop;       // g at the proposal
  std::vector<Real> aux;          // ULD velocity, Simpson midpoint, Heun predictor
  std::vector<Real> aux_score;    // score at aux (Simpson midpoint, Heun predictor)
};

}  // namespace rtk
