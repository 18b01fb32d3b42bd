// The buffers of one run, allocated once before the first step (no allocation in the loop),
// in the memory of the executor the run uses (host vectors for a ThreadPool).
#pragma once
#include <vector>

#include "../kernels/tiled_layout.h"
#include "../thread_pool.h"

namespace rtk {

// Which of a Workspace's buffers a run allocates (x always; buffer_use in buffer_use.h says which
// a sampler uses). The others stay empty: their data() is null.
struct BufferUse {
  bool z = true, score = true, grad_g = true, g = true, energy = true, z_prop = true, score_prop = true,
       grad_g_prop = true, g_prop = true, aux = true, aux_score = true;

  // x alone.
  static BufferUse none() {
    BufferUse u;
    u.z = u.score = u.grad_g = u.g = u.energy = u.z_prop = u.score_prop = u.grad_g_prop = u.g_prop = u.aux =
        u.aux_score = false;
    return u;
  }
};

template <class Real, class Exec = ThreadPool>
struct Workspace {
  using Buffer = typename Exec::template Buffer<Real>;
  // The proposal buffers are sized for the tiled layout (a few padding rows more), because the
  // fused MALA step (inner_mala) keeps its tiled chain in them.
  // The buffers are not filled: every sampler path writes a value before it reads it (tested
  // with buffers full of NaN and of huge values, buffer_use_test.cc), so the first write, on the
  // pool's threads, faults in a new block's pages, and a block kept from an earlier run
  // (block_cache.h) is not written twice. Zeroing them here took 0.8% of an RTK-MALA run at
  // n = 20,000 (perf), and GPU buffers were never zeroed.
  Workspace(size_t n, int d, const BufferUse& use = BufferUse{})
      : x(n * d),
        z(use.z ? n * d : 0),
        score(use.score ? n * d : 0),
        grad_g(use.grad_g ? n * d : 0),
        g(use.g ? n : 0),
        energy(use.energy ? n : 0),
        z_prop(use.z_prop ? tiled_size(n, d) : 0),
        score_prop(use.score_prop ? tiled_size(n, d) : 0),
        grad_g_prop(use.grad_g_prop ? tiled_size(n, d) : 0),
        g_prop(use.g_prop ? tiled_size(n, 1) : 0),
        aux(use.aux ? tiled_size(n, d) : 0),
        aux_score(use.aux_score ? n * d : 0) {}
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
