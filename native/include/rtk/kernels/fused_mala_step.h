// One inner step of RTK-MALA (Algorithm 2 of Huang et al. 2024; rtk-math.md "Inner MALA") on
// the CPU with the built-in mixture as its exact energy oracle, fused: eight particles at a
// time go through the ULA proposal, the score and energy at it, the segment potential and the
// MH test while they sit in registers, and the state is updated with blends. It is ula_step,
// GaussianMixture::evaluate, segment_potential_batch and mala_accept in turn, bit for bit
// (tested), in one pass over the batch and one pool dispatch instead of four. The chain's state
// is kept in the tiled layout (tiled_layout.h) for the whole segment, so every load and store
// is a whole vector.
#pragma once
#include <cmath>
#include <utility>
#include <vector>

#include "../batch.h"
#include "../lanes.h"
#include "../philox_lanes.h"
#include "../targets/gaussian_mixture.h"
#include "../thread_pool.h"
#include "mala.h"
#include "score_step.h"
#include "segment_potential.h"
#include "tiled_layout.h"

namespace rtk {

// A MALA chain's state in the tiled layout, updated in place on acceptance, and its segment's
// anchor x (tiled too). g has one value per row, tiled with d = 1. grad g(z) is not kept: each
// step recomputes it from z, the score and the anchor, the same bits as the value the step that
// accepted z computed (both are segment_potential_particle), for 5 flops per coordinate instead
// of a read and a write of d values per particle.
template <class Real>
struct TiledChain {
  Real* z;
  Real* g;
  Real* score;  // the raw score at z (for grad g, and the next segment's Tweedie warm start)
  const Real* anchor;
};

// CPU only: the tiles are GCC vectors (nvcc's device pass skips them).
#if !defined(__CUDA_ARCH__)
// A tile's random numbers: its d normals (the proposal's xi, d tiles) and its MH uniforms.
struct TileNoise {
  Lanes* xi;
  Lanes u;
};

// Draws the noise of the tile whose first row is particle first_particle.
inline void draw_tile_noise(const StreamId& noise, const StreamId& accept, uint64_t first_particle, int d,
                            TileNoise& out) {
  out.u = accept_uniforms(accept, first_particle);
  normals_lanes(noise, first_particle, d, out.xi);
}

// Tiles of scratch (Lanes) a range of fused_mala_tile calls needs: grad g at z, the proposal,
// its score and grad g, the mixture's scratch, and the noise of two tiles (the current and the next).
inline size_t fused_mala_work_tiles(const GaussianMixture& m) { return 6 * static_cast<size_t>(m.dim()) + m.components(); }

// Tile k (rows 8k..8k+7, of which the first `rows` are real) of the step, with its noise `now`.
// Every stage is the arithmetic of its unfused kernel, lane by lane, on the values that kernel
// reads from memory. When `next` is given, the next tile's noise (first row next_particle) is
// drawn between the MH test and the blends: the test's exponential and the decisions are one
// long dependency chain at the end of the tile, and the independent Philox and Box–Muller work
// placed right behind it keeps the core busy while it completes (measured with bench/kernels).
template <class Real>
inline void fused_mala_tile(const GaussianMixture& m, const GaussianMixture::AtTime& at, const SegmentPotential& pot,
                            const MalaAcceptParams& p, const TiledChain<Real>& c, size_t k, int rows,
                            const TileNoise& now, TileNoise* next, const StreamId& noise, const StreamId& accept,
                            uint64_t next_particle, Lanes* work, double* prob_sum, size_t* count) {
  const int d = m.dim();
  Lanes* grad_g = work;  // grad g(z), the proposal z', score(z') and grad g(z'): d tiles each
  Lanes* z_prop = grad_g + d;
  Lanes* score_prop = z_prop + d;
  Lanes* grad_g_prop = score_prop + d;
  Lanes* mixture_work = grad_g_prop + d;
  const size_t o = k * static_cast<size_t>(d) * kLanes;

  // grad g(z) (segment_potential_particle), then z' = z - tau grad g(z) + sqrt(2 tau) xi (ula_step).
  const ScoreStep step = langevin_coefficients(p.tau, -1.0);
  for (int i = 0; i < d; ++i) {
    const Lanes z = load_adjacent(c.z + o + i * kLanes);
    const Lanes r = pot.decay * z - load_adjacent(c.anchor + o + i * kLanes);
    grad_g[i] = as_stored<Real>(-load_adjacent(c.score + o + i * kLanes) + pot.decay * r / pot.sigma2);
    z_prop[i] = as_stored<Real>(step.cx * z + step.cs * grad_g[i] + step.cn * now.xi[i]);
  }

  // score(z', t) and energy(z', t) (GaussianMixture::evaluate).
  Lanes energy;
  m.evaluate_lanes(at, z_prop, score_prop, &energy, mixture_work);
  energy = as_stored<Real>(energy);

  // grad g(z') and g(z') (segment_potential_particle).
  Lanes quad = Lanes{};
  for (int i = 0; i < d; ++i) {
    score_prop[i] = as_stored<Real>(score_prop[i]);
    const Lanes r = pot.decay * z_prop[i] - load_adjacent(c.anchor + o + i * kLanes);
    quad += r * r;
    grad_g_prop[i] = as_stored<Real>(-score_prop[i] + pot.decay * r / pot.sigma2);
  }
  const Lanes g_prop = as_stored<Real>(energy + quad / (2.0 * pot.sigma2));

  // The log ratio la (mala_log_ratio with the exact energy difference), then the MH test.
  Lanes forward = Lanes{}, backward = Lanes{}, step2 = Lanes{};
  for (int i = 0; i < d; ++i) {
    const Lanes u = z_prop[i] - load_adjacent(c.z + o + i * kLanes);
    const Lanes f = u + p.tau * grad_g[i], r = -u + p.tau * grad_g_prop[i];
    forward += f * f;
    backward += r * r;
    step2 += u * u;
  }
  Real* g = c.g + k * kLanes;
  const Lanes g_now = load_adjacent(g);
  const Lanes la = step2 > p.projection_radius * p.projection_radius
                       ? Lanes{} - INFINITY
                       : -(g_prop - g_now) + (forward - backward) / (4.0 * p.tau);
  const unsigned take = mh_decisions(la, now.u, rows, prob_sum, count);
  if (next) draw_tile_noise(noise, accept, next_particle, d, *next);
  if (take == 0) return;

  // Accepted rows take the proposal (take_proposal), as blends of whole tiles.
  for (int i = 0; i < d; ++i) {
    Real* z = c.z + o + i * kLanes;
    Real* score = c.score + o + i * kLanes;
    store_adjacent(select_lanes(take, z_prop[i], load_adjacent(z)), z);
    store_adjacent(select_lanes(take, score_prop[i], load_adjacent(score)), score);
  }
  store_adjacent(select_lanes(take, g_prop, g_now), g);
}

// The batched fused step at the parameters `at` of p_t; reduces like mala_accept. Each range
// draws its first tile's noise, then every tile draws the next one's (fused_mala_tile).
template <class Real>
MalaAcceptInfo fused_mala_step(ThreadPool& pool, const Batch& b, const GaussianMixture& m,
                               const GaussianMixture::AtTime& at, const SegmentPotential& pot,
                               const MalaAcceptParams& p, const TiledChain<Real>& c, const StreamId& noise,
                               const StreamId& accept) {
  return mh_over_blocks(pool, b.n, [&](size_t begin, size_t end, double* sum, size_t* count) {
    const int d = m.dim();
    Lanes* work = thread_scratch_tiles(fused_mala_work_tiles(m));
    Lanes* noise_tiles = work + 4 * static_cast<size_t>(d) + m.components();
    TileNoise now{noise_tiles, {}}, next{noise_tiles + d, {}};
    draw_tile_noise(noise, accept, b.particle_offset + begin, d, now);
    for (size_t row = begin; row < end; row += kLanes) {
      const int rows = static_cast<int>(end - row < kLanes ? end - row : kLanes);
      const bool last = row + kLanes >= end;
      fused_mala_tile(m, at, pot, p, c, row / kLanes, rows, now, last ? nullptr : &next, noise, accept,
                      b.particle_offset + row + kLanes, work, sum, count);
      std::swap(now, next);
    }
  });
}
#endif

}  // namespace rtk
