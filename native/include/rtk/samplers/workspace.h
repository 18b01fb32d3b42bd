// The buffers of one run, allocated once before the first step (no allocation in the loop),
// in the memory of the executor the run uses (host vectors for a ThreadPool).
#pragma once
#include <vector>

#include "../kernels/tiled_layout.h"
#include "../thread_pool.h"

namespace rtk {

template <class Real, class Exec = ThreadPool>
struct Workspace {
  using Buffer = typename Exec::template Buffer<Real>;
  // The proposal buffers are sized for the tiled layout (a few padding rows more), because the
  // fused MALA step (inner_mala) keeps its tiled chain in them.
  Workspace(size_t n, int d)
      : x(n * d), z(n * d), score(n * d), grad_g(n * d), g(n), energy(n), z_prop(tiled_size(n, d)),
        score_prop(tiled_size(n, d)), grad_g_prop(tiled_size(n, d)), g_prop(tiled_size(n, 1)),
        aux(tiled_size(n, d)), aux_score(n * d) {}
  Buffer x;            // the RTK anchor / the baseline's current state
  Buffer z;            // the inner chain's current state
  Buffer score;        // score at z (kept for the next Tweedie warm start)
  Buffer grad_g;       // grad g at z
  Buffer g;            // g at z (MALA with an energy oracle)
  Buffer energy;       // scratch for energy evaluations
  Buffer z_prop;       // a proposal; the fused MALA step's tiled z
  Buffer score_prop;   // score at the proposal; the fused step's tiled score
  Buffer grad_g_prop;  // grad g at the proposal; the fused step's tiled grad g
  Buffer g_prop;       // g at the proposal; the fused step's tiled g
  Buffer aux;          // ULD velocity, Simpson midpoint, Heun predictor; the fused step's tiled anchor
  Buffer aux_score;    // score at aux (Simpson midpoint, Heun predictor)
};

}  // namespace rtk
