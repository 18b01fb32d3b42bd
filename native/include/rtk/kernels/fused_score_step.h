// One DDPM or DDIM step (rtk-math.md, "Baselines") on the CPU with the built-in mixture as the
// score, fused: for four tiles of eight particles at a time the scores at x (evaluated together),
// the finiteness check and the step x' = cx x + cs score + cn xi run in registers, on the tiled
// state (tiled_layout.h). It is
// GaussianMixture::evaluate, find_non_finite and score_step in turn, bit for bit (tested), in one
// pass over the batch and one pool dispatch instead of three.
#pragma once
#include <cmath>

#include "../batch.h"
#include "../lanes.h"
#include "../philox_lanes.h"
#include "../targets/gaussian_mixture.h"
#include "../thread_pool.h"
#include "batch_ops.h"
#include "score_step.h"
#include "tiled_layout.h"

namespace rtk {

// CPU only: the tiles are GCC vectors (nvcc's device pass skips them).
#if !defined(__CUDA_ARCH__)
// Tiles of scratch (Lanes) one tile of fused_score_tiles needs: x, the score at x and the noise
// (d tiles each), then the mixture's K tiles.
inline size_t fused_score_work_tiles(const GaussianMixture& m) { return 3 * static_cast<size_t>(m.dim()) + m.components(); }

// The step of tile k (its first `rows` rows real), whose x, score at x and (when cn != 0) noise
// are in work: the finiteness check, then x' = cx x + cs score + cn xi stored in place. Returns
// the tile's first non-finite score in row-major order (index into the batch's n x d score
// array), as find_non_finite would see it.
template <class Real>
inline NonFinite score_step_tile_lanes(const ScoreStep& c, Real* x_tiles, size_t k, int rows, int d, Lanes* work) {
  const Lanes* x = work;
  Lanes* score = work + d;
  const Lanes* xi = score + d;
  Real* tile = x_tiles + k * static_cast<size_t>(d) * kLanes;
  for (int i = 0; i < d; ++i) score[i] = as_stored<Real>(score[i]);
  const NonFinite bad = first_non_finite_in_tile(score, d, k, rows);
  // x' = cx x + cs score + cn xi (score_step: the noise term only when cn != 0).
  if (c.cn == 0.0) {
    for (int i = 0; i < d; ++i) store_adjacent(as_stored<Real>(c.cx * x[i] + c.cs * score[i]), tile + i * kLanes);
    return bad;
  }
  for (int i = 0; i < d; ++i)
    store_adjacent(as_stored<Real>(c.cx * x[i] + c.cs * score[i] + c.cn * xi[i]), tile + i * kLanes);
  return bad;
}

// T tiles (1 to kTileGroup) from tile k of x in the tiled layout, the last with last_rows real rows,
// stepped in place: their scores evaluated together (GaussianMixture::evaluate_lanes), then
// each tile's step. Returns the tiles' first non-finite score in row-major order.
template <int T, class Real>
inline NonFinite fused_score_tiles(const GaussianMixture& m, const GaussianMixture::AtTime& at, const ScoreStep& c,
                                   Real* x_tiles, size_t k, int last_rows, const StreamId& noise,
                                   uint64_t first_particle, Lanes* work) {
  const int d = m.dim();
  const size_t per_tile = fused_score_work_tiles(m);
  GaussianMixture::LaneTile tiles[T];
  for (int t = 0; t < T; ++t) {
    Lanes* x = work + t * per_tile;
    const Real* tile = x_tiles + (k + t) * static_cast<size_t>(d) * kLanes;
    for (int i = 0; i < d; ++i) x[i] = load_adjacent(tile + i * kLanes);
    tiles[t] = GaussianMixture::LaneTile{x, x + d, nullptr, x + 3 * d};
  }
  m.evaluate_lanes<T>(at, tiles);
  // Each tile's noise (normals_lanes) in two stages where it can be (d <= kNormalGroup): the first
  // two tiles' Philox words, then for each tile the words of the tile two further on before its
  // own Box–Muller pairs, so that the rounds (many independent operations) overlap the pairs
  // (long dependency chains) (bench/kernels, n = 20,000, 1 thread, medians of eight alternating
  // runs: 2.54 -> 2.46 ns per particle and dimension).
  const bool noisy = c.cn != 0.0, staged = d <= kNormalGroup;
  LaneBits words[T][kNormalGroup];
  const auto particle = [&](int t) { return first_particle + static_cast<uint64_t>(t) * kLanes; };
  const auto draw_words = [&](int t) {
    if (noisy && staged && t < T) normal_group_words_lanes(noise, particle(t), d, 0, words[t]);
  };
  draw_words(0);
  draw_words(1);
  NonFinite first;
  for (int t = 0; t < T; ++t) {
    draw_words(t + 2);
    Lanes* xi = work + t * per_tile + 2 * d;
    if (noisy && staged) normals_from_words(d, words[t], xi);
    else if (noisy) normals_lanes(noise, particle(t), d, xi);
    const NonFinite bad =
        score_step_tile_lanes(c, x_tiles, k + t, t + 1 < T ? kLanes : last_rows, d, work + t * per_tile);
    if (bad.found && !first.found) first = bad;
  }
  return first;
}

// The batched fused step at the parameters `at` of p_t; returns the batch's first non-finite
// score (row-major order), whatever the thread count.
template <class Real>
NonFinite fused_score_step(ThreadPool& pool, const Batch& b, const GaussianMixture& m,
                           const GaussianMixture::AtTime& at, const ScoreStep& c, Real* x_tiles,
                           const StreamId& noise) {
  constexpr size_t block = 1024;  // rows; a multiple of kLanes
  const bool prefetch = prefetch_pays(b.n * static_cast<size_t>(b.d) * sizeof(Real));
  return first_over_blocks(pool, b.n, block, [&](size_t begin, size_t end) {
    Lanes* work = thread_scratch_tiles(kTileGroup * fused_score_work_tiles(m));
    NonFinite first;
    for_tile_groups<kTileGroup>(begin, end, [&](auto tiles, size_t row, int last_rows) {
      constexpr int T = decltype(tiles)::value;
      prefetch_next_group<T>(prefetch, x_tiles, row, end, b.d);  // on its way while this group's mixture runs
      const NonFinite bad =
          fused_score_tiles<T>(m, at, c, x_tiles, row / kLanes, last_rows, noise, b.particle_offset + row, work);
      if (bad.found && !first.found) first = bad;
    });
    return first;
  });
}
#endif

}  // namespace rtk
