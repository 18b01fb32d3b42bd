// The buffers of one run, allocated once before the first step (no allocation in the loop),
// in the memory of the executor the run uses (host vectors for a ThreadPool).
#pragma once
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "../kernels/batch_ops.h"
#include "../kernels/tiled_layout.h"
#include "../thread_pool.h"

namespace rtk {

template <class Real, class Exec = ThreadPool>
struct Workspace {
  using Buffer = typename Exec::template Buffer<Real>;
  // The proposal buffers are sized for the tiled layout (a few padding rows more), because the
  // fused MALA step (inner_mala) keeps its tiled chain in them.
  // On a ThreadPool the buffers are zeroed on the pool, each thread faulting in its own pages,
  // rather than by the allocating thread alone (with the samples' copy, 2-3% of a 2-thread
  // RTK-MALA run at n = 200,000). GPU buffers are not zeroed.
  Workspace(Exec& exec, size_t n, int d)
      : x(n * d), z(n * d), score(n * d), grad_g(n * d), g(n), energy(n), z_prop(tiled_size(n, d)),
        score_prop(tiled_size(n, d)), grad_g_prop(tiled_size(n, d)), g_prop(tiled_size(n, 1)),
        aux(tiled_size(n, d)), aux_score(n * d) {
    if constexpr (std::is_same_v<Exec, ThreadPool>)
      for (Buffer* b : {&x, &z, &score, &grad_g, &g, &energy, &z_prop, &score_prop, &grad_g_prop, &g_prop, &aux,
                        &aux_score})
        zero_fill(exec, b->data(), b->size());
  }
  Buffer x;            // the RTK anchor / the baseline's current state
  Buffer z;            // the inner chain's current state
  Buffer score;        // score at z (kept for the next Tweedie warm start)
  Buffer grad_g;       // grad g at z
  Buffer g;            // g at z (MALA with an energy oracle)
  Buffer energy;       // scratch for energy evaluations
  Buffer z_prop;       // a proposal; the fused MALA step's tiled z
  Buffer score_prop;   // score at the proposal; the fused step's tiled score
  Buffer grad_g_prop;  // grad g at the proposal (the fused step recomputes grad g instead)
  Buffer g_prop;       // g at the proposal; the fused step's tiled g
  Buffer aux;          // ULD velocity, Simpson midpoint, Heun predictor; the fused step's tiled anchor
  Buffer aux_score;    // score at aux (Simpson midpoint, Heun predictor)
};

}  // namespace rtk
