// One inner step of RTK-MALA (Algorithm 2 of Huang et al. 2024; rtk-math.md "Inner MALA") on
// the CPU with the built-in mixture as its exact energy oracle, fused: four tiles of eight
// particles at a time go through the ULA proposal, the score and energy at it (the four tiles
// evaluated together), the segment potential and the MH test while they sit in registers, and
// the state is updated with blends. It is ula_step,
// GaussianMixture::evaluate, segment_potential_batch and mala_accept in turn, bit for bit
// (tested), in one pass over the batch and one pool dispatch instead of four. Score-only MALA
// (RTK-MALA-ES) runs the same step without the energy, its energy difference estimated from the
// gradients (trapezoid, or Simpson with the score at the midpoint, evaluated in the same pass). The chain's state
// is kept in the tiled layout (tiled_layout.h) for the whole segment, so every load and store
// is a whole vector.
#pragma once
#include <cmath>
#include <type_traits>
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
// anchor x (tiled too). g has one value per row, tiled with d = 1 (the exact energy only: null
// for score-only MALA). grad g(z) is not kept: each
// step recomputes it from z, the score and the anchor, the same bits as the value the step that
// accepted z computed (both are segment_potential_particle), for 6 flops per coordinate instead
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

// Draws the noise of the tile whose first row is particle first_particle: its MH uniforms and
// its normals, their Philox blocks side by side (uniform_and_normals_lanes).
inline void draw_tile_noise(const StreamId& noise, const StreamId& accept, uint64_t first_particle, int d,
                            TileNoise& out) {
  uniform_and_normals_lanes(accept, noise, first_particle, d, out.u, out.xi);
}

// One tile's scratch in a range of fused steps: grad g(z), the proposal z' and score(z') (d
// tiles each), the mixture's K tiles, the energy at z', the noise of the tile now and of the
// tile kTileGroup ahead (each d tiles of normals and the MH uniforms), and for Simpson's rule the
// midpoint and grad g there (d tiles each).
struct MalaTileWork {
  Lanes* grad_g;
  Lanes* z_prop;
  Lanes* score_prop;
  Lanes* lw;
  Lanes energy;  // at z'
  Lanes g_prop;  // g(z')
  TileNoise now, next;
  Lanes* z_mid;
  Lanes* grad_g_mid;  // the score at z_mid, then grad g there
};

// Tiles of scratch (Lanes) one MalaTileWork lays out (mala_tile_work); a range uses two.
inline size_t fused_mala_work_tiles(const GaussianMixture& m, EnergyDelta delta) {
  return (delta == EnergyDelta::Simpson ? 7 : 5) * static_cast<size_t>(m.dim()) + m.components();
}

inline MalaTileWork mala_tile_work(Lanes* work, int d, size_t k) {
  MalaTileWork w{};
  w.grad_g = work;
  w.z_prop = w.grad_g + d;
  w.score_prop = w.z_prop + d;
  w.lw = w.score_prop + d;
  w.now.xi = w.lw + k;
  w.next.xi = w.now.xi + d;
  w.z_mid = w.next.xi + d;  // Simpson only (fused_mala_work_tiles)
  w.grad_g_mid = w.z_mid + d;
  return w;
}

// The proposal of tile k with its noise w.now: grad g(z) (segment_potential_particle), then
// z' = z - tau grad g(z) + sqrt(2 tau) xi (ula_step).
template <class Real>
inline void mala_tile_proposal(const SegmentPotential& pot, const MalaAcceptParams& p, const TiledChain<Real>& c,
                               size_t k, int d, MalaTileWork& w) {
  const size_t o = k * static_cast<size_t>(d) * kLanes;
  const ScoreStep step = langevin_coefficients(p.tau, -1.0);
  for (int i = 0; i < d; ++i) {
    const Lanes z = load_adjacent(c.z + o + i * kLanes);
    const Lanes r = pot.decay * z - load_adjacent(c.anchor + o + i * kLanes);
    w.grad_g[i] = as_stored<Real>(segment_gradient(pot, r, load_adjacent(c.score + o + i * kLanes)));
    w.z_prop[i] = as_stored<Real>(step.cx * z + step.cs * w.grad_g[i] + step.cn * w.now.xi[i]);
  }
}

// The log ratio of tile k once the score (and energy) at its proposal are in w: grad g(z') and,
// with the exact energy, g(z') (segment_potential_particle; g(z') kept in w) and la
// (mala_log_ratio_of with the energy difference D, with the projection), in one pass over the
// coordinates: grad g(z') is used where it is computed, never stored (bench/kernels, fused MALA
// step at n = 20,000, medians of five alternating runs: 3.51 -> 3.38 ns per particle and
// dimension). Each sum still adds its terms in coordinate order.
template <EnergyDelta D, class Real>
inline Lanes mala_tile_log_ratio(const SegmentPotential& pot, const MalaAcceptParams& p, const TiledChain<Real>& c,
                                 size_t k, int d, MalaTileWork& w) {
  const size_t o = k * static_cast<size_t>(d) * kLanes;
  Lanes quad = Lanes{}, forward = Lanes{}, backward = Lanes{}, step2 = Lanes{}, delta_g = Lanes{};
  for (int i = 0; i < d; ++i) {
    w.score_prop[i] = as_stored<Real>(w.score_prop[i]);
    const Lanes r = pot.decay * w.z_prop[i] - load_adjacent(c.anchor + o + i * kLanes);
    if constexpr (D == EnergyDelta::Exact) quad += r * r;
    const Lanes grad_g_prop = as_stored<Real>(segment_gradient(pot, r, w.score_prop[i]));
    const Lanes u = w.z_prop[i] - load_adjacent(c.z + o + i * kLanes);
    const Lanes f = u + p.tau * w.grad_g[i], b = -u + p.tau * grad_g_prop;
    forward += f * f;
    backward += b * b;
    step2 += u * u;
    if constexpr (D == EnergyDelta::Trapezoid) delta_g += 0.5 * (w.grad_g[i] + grad_g_prop) * u;
    if constexpr (D == EnergyDelta::Simpson) delta_g += (w.grad_g[i] + 4.0 * w.grad_g_mid[i] + grad_g_prop) * u / 6.0;
  }
  if constexpr (D == EnergyDelta::Exact) {
    w.g_prop = as_stored<Real>(as_stored<Real>(w.energy) + quad / (2.0 * pot.sigma2));
    delta_g = w.g_prop - load_adjacent(c.g + k * kLanes);
  }
  return step2 > p.projection_radius * p.projection_radius ? Lanes{} - INFINITY
                                                           : -delta_g + (forward - backward) / (4.0 * p.tau);
}

// Simpson's midpoints of T tiles from tile k, whose proposals are in w: z_mid = (z + z') / 2
// (midpoint_value), the scores there evaluated together, and grad g(z_mid)
// (segment_potential_particle) in w[t].grad_g_mid.
template <int T, class Real>
inline void mala_tiles_midpoint_gradient(const GaussianMixture& m, const GaussianMixture::AtTime& at,
                                         const SegmentPotential& pot, const TiledChain<Real>& c, size_t k,
                                         MalaTileWork* w) {
  const int d = m.dim();
  GaussianMixture::LaneTile mids[T];
  for (int t = 0; t < T; ++t) {
    const size_t o = (k + t) * static_cast<size_t>(d) * kLanes;
    // (z + z') in Real arithmetic: for float the double sum rounded to float is the float sum.
    for (int i = 0; i < d; ++i)
      w[t].z_mid[i] = as_stored<Real>(0.5 * as_stored<Real>(load_adjacent(c.z + o + i * kLanes) + w[t].z_prop[i]));
    mids[t] = GaussianMixture::LaneTile{w[t].z_mid, w[t].grad_g_mid, nullptr, w[t].lw};
  }
  m.evaluate_lanes<T>(at, mids);
  for (int t = 0; t < T; ++t) {
    const size_t o = (k + t) * static_cast<size_t>(d) * kLanes;
    for (int i = 0; i < d; ++i) {
      const Lanes r = pot.decay * w[t].z_mid[i] - load_adjacent(c.anchor + o + i * kLanes);
      w[t].grad_g_mid[i] = as_stored<Real>(segment_gradient(pot, r, as_stored<Real>(w[t].grad_g_mid[i])));
    }
  }
}

// The rows of tile k set in `take` take their proposals (take_proposal), as masked stores
// (store_selected); g only with the exact energy.
template <EnergyDelta D, class Real>
inline void mala_tile_take(const TiledChain<Real>& c, size_t k, int d, unsigned take, const MalaTileWork& w) {
  if (take == 0) return;
  const size_t o = k * static_cast<size_t>(d) * kLanes;
  for (int i = 0; i < d; ++i) {
    store_selected(take, w.z_prop[i], c.z + o + i * kLanes);
    store_selected(take, w.score_prop[i], c.score + o + i * kLanes);
  }
  if constexpr (D == EnergyDelta::Exact) store_selected(take, w.g_prop, c.g + k * kLanes);
}

// Asks for the state of tiles k, ..., k + count - 1 (z, the score, the anchor and g) ahead of
// its use: issued before a group's mixture for the next group, it has the mixture's time to
// arrive (bench/kernels, n = 100,000: 4.36-4.53 -> 4.25-4.28 ns per particle and dimension; the
// four-tile groups alone were slower there than pairs), on batches whose state outgrows the
// cache (prefetch_pays). Always inlined (prefetch_values).
template <class Real>
__attribute__((always_inline)) inline void prefetch_tiles(const TiledChain<Real>& c, size_t k, int count, int d) {
  const size_t o = k * static_cast<size_t>(d) * kLanes, values = static_cast<size_t>(count) * d * kLanes;
  prefetch_values(c.z + o, values);
  prefetch_values(c.score + o, values);
  prefetch_values(c.anchor + o, values);
  if (c.g) prefetch_values(c.g + k * kLanes, static_cast<size_t>(count) * kLanes);
}

// T tiles (1 to kTileGroup) of the step from tile k, the last with last_rows real rows, with
// their work areas w[0..T): the proposals, (for Simpson's rule, the gradients at the midpoints,)
// their scores and (exact) energies evaluated together (GaussianMixture::evaluate_lanes), the log
// ratios, the MH tests together (mh_decisions_tiles), and the blends, each tile's followed by the
// noise of the tile kTileGroup ahead when it lies before `end`. Every stage is the arithmetic of
// its unfused kernel, lane by lane, on the values that kernel reads from memory.
template <EnergyDelta D, int T, int NoiseBlocks, class Real>
inline void fused_mala_tiles(const GaussianMixture& m, const GaussianMixture::AtTime& at, const SegmentPotential& pot,
                             const MalaAcceptParams& p, const TiledChain<Real>& c, size_t k, int last_rows,
                             const StreamId& noise, const StreamId& accept, uint64_t first_particle, uint64_t end,
                             bool prefetch, MalaTileWork* w, MhTally* tally) {
  const int d = m.dim();
  GaussianMixture::LaneTile tiles[T];
  for (int t = 0; t < T; ++t) {
    mala_tile_proposal(pot, p, c, k + t, d, w[t]);
    tiles[t] = GaussianMixture::LaneTile{w[t].z_prop, w[t].score_prop,
                                         D == EnergyDelta::Exact ? &w[t].energy : nullptr, w[t].lw};
  }
  if constexpr (D == EnergyDelta::Simpson) mala_tiles_midpoint_gradient<T>(m, at, pot, c, k, w);
  if (prefetch && first_particle + static_cast<uint64_t>(2 * T) * kLanes <= end) prefetch_tiles(c, k + T, T, d);
  m.evaluate_lanes<T>(at, tiles);
  Lanes la[T], u[T];
  int rows[T];
  unsigned take[T];
  for (int t = 0; t < T; ++t) {
    la[t] = mala_tile_log_ratio<D>(pot, p, c, k + t, d, w[t]);
    u[t] = w[t].now.u;
    rows[t] = t + 1 < T ? kLanes : last_rows;
  }
  // The noise of the tiles kTileGroup ahead, in two stages where NoiseBlocks > 0
  // (uniform_and_normal_blocks): the first two tiles' Philox words before the MH tests, then
  // after each tile's blends the words of the tile two further on and this tile's Box–Muller
  // pairs. The rounds (many independent operations) placed before the pairs (long dependency
  // chains) and the tests keep the core busy while those complete (bench/kernels, n = 20,000,
  // 1 thread, medians of eight alternating runs: 3.22 -> 3.15 ns per particle and dimension).
  [[maybe_unused]] LaneBits words[T][kUniformAndNormalWords];
  const auto ahead = [&](int t) { return first_particle + static_cast<uint64_t>(t + kTileGroup) * kLanes; };
  const auto draw_words = [&](int t) {
    if constexpr (NoiseBlocks > 0)
      if (t < T && ahead(t) < end) uniform_and_normal_blocks_lanes<NoiseBlocks>(accept, noise, ahead(t), words[t]);
  };
  draw_words(0);
  draw_words(1);
  mh_decisions_tiles<T>(la, u, rows, tally, take);
  for (int t = 0; t < T; ++t) {
    mala_tile_take<D>(c, k + t, d, take[t], w[t]);
    draw_words(t + 2);
    if (ahead(t) >= end) continue;
    if constexpr (NoiseBlocks > 0) uniform_and_normals_from_words(words[t], d, w[t].next.u, w[t].next.xi);
    else draw_tile_noise(noise, accept, ahead(t), d, w[t].next);
  }
}

// The batched fused step at the parameters `at` of p_t, with the energy difference p.delta (the
// exact one needs c.g); reduces like mala_accept. Tiles go kTileGroup at a time; each range draws
// its first kTileGroup tiles' noise, then every tile draws the noise of the tile kTileGroup ahead
// (fused_mala_tiles).
template <class Real>
MalaAcceptInfo fused_mala_step(ThreadPool& pool, const Batch& b, const GaussianMixture& m,
                               const GaussianMixture::AtTime& at, const SegmentPotential& pot,
                               const MalaAcceptParams& p, const TiledChain<Real>& c, const StreamId& noise,
                               const StreamId& accept) {
  const int d = m.dim();
  // The state streamed: z, the score and the anchor (d values a row each) and g.
  const bool prefetch = prefetch_pays(b.n * (3 * static_cast<size_t>(d) + 1) * sizeof(Real));
  // The energy difference and the noise's blocks fixed at compile time (fused_mala_tiles).
  const auto run = [&](auto delta, auto noise_blocks) {
    constexpr EnergyDelta D = decltype(delta)::value;
    constexpr int B = decltype(noise_blocks)::value;
    return mh_over_blocks(pool, b.n, [&](size_t begin, size_t end, MhTally* tally) {
      const size_t per_tile = fused_mala_work_tiles(m, D);
      Lanes* work = thread_scratch_tiles(kTileGroup * per_tile);
      MalaTileWork w[kTileGroup];
      for (int t = 0; t < kTileGroup; ++t) w[t] = mala_tile_work(work + t * per_tile, d, m.components());
      const uint64_t first = b.particle_offset + begin, last = b.particle_offset + end;
      for (int t = 0; t < kTileGroup && begin + t * kLanes < end; ++t)
        draw_tile_noise(noise, accept, first + t * kLanes, d, w[t].now);
      for_tile_groups<kTileGroup>(begin, end, [&](auto tiles, size_t row, int last_rows) {
        constexpr int T = decltype(tiles)::value;
        fused_mala_tiles<D, T, B>(m, at, pot, p, c, row / kLanes, last_rows, noise, accept, b.particle_offset + row,
                               last, prefetch, w, tally);
        for (MalaTileWork& t : w) std::swap(t.now, t.next);
      });
    });
  };
  const auto with_blocks = [&](auto delta) {
    switch (uniform_and_normal_blocks(accept, noise, d)) {
      case 1: return run(delta, std::integral_constant<int, 1>{});
      case 2: return run(delta, std::integral_constant<int, 2>{});
      case 3: return run(delta, std::integral_constant<int, 3>{});
      default: return run(delta, std::integral_constant<int, 0>{});
    }
  };
  switch (p.delta) {
    case EnergyDelta::Trapezoid: return with_blocks(std::integral_constant<EnergyDelta, EnergyDelta::Trapezoid>{});
    case EnergyDelta::Simpson: return with_blocks(std::integral_constant<EnergyDelta, EnergyDelta::Simpson>{});
    default: return with_blocks(std::integral_constant<EnergyDelta, EnergyDelta::Exact>{});
  }
}
#endif

}  // namespace rtk
